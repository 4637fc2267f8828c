package station_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"labelstation/label"
	"labelstation/station"
	"labelstation/store"
)

func TestOwnSSCCSeriesValidUniqueWarnsAndRefusesWhenUsedUp(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	def := station.SeriesConfig{Name: "postnord-sscc", Kind: "sscc", Extension: 3, CompanyPrefix: "7350045", First: 4000, Last: 4009}
	if err := r.station.DefineSeries(ctx, def); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 1; i <= 10; i++ {
		id, err := r.station.AllocateItemID(ctx, "postnord-sscc")
		if err != nil {
			t.Fatalf("id %d: %v", i, err)
		}
		if !label.ValidSSCC(id.ID) || !strings.HasPrefix(id.ID, "0037350045") || id.Type != "SSCC" || seen[id.ID] {
			t.Fatalf("id %d = %+v: want a valid, new SSCC 00 3 7350045 …", i, id)
		}
		seen[id.ID] = true
		if (id.Warning != "") != (i >= 9) {
			t.Fatalf("id %d of 10: warning %q; want one from 90%% on", i, id.Warning)
		}
	}
	// Restarting redefines the series from the config: nothing is reused.
	r.store.Close()
	r.open(nil)
	if err := r.station.DefineSeries(ctx, def); err != nil {
		t.Fatal(err)
	}
	_, err := r.station.AllocateItemID(ctx, "postnord-sscc")
	if !errors.Is(err, store.ErrSeriesExhausted) || !strings.Contains(err.Error(), "used up") || !strings.Contains(station.Hint(err), "new range") {
		t.Fatalf("eleventh id: %v / %q", err, station.Hint(err))
	}
	list, _ := r.station.Series(ctx)
	if len(list) != 1 || list[0].Used != 10 || list[0].Size != 10 || list[0].Next != "" || !strings.HasPrefix(list[0].Note, "used up") {
		t.Fatalf("series list: %+v", list)
	}
}

func TestOwnS10Series(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	if err := r.station.DefineSeries(ctx, station.SeriesConfig{Name: "pn-s10", Kind: "s10", Service: "cc", Country: "se", First: 61219954, Last: 61219960}); err != nil {
		t.Fatal(err)
	}
	id, err := r.station.AllocateItemID(ctx, "pn-s10")
	if err != nil || id.ID != "CC612199545SE" || !label.ValidS10(id.ID) {
		t.Fatalf("first S10: %+v %v; want CC612199545SE", id, err)
	}
}

func TestBadSeriesDefinitionsAreRefusedWithAHint(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	for name, c := range map[string]station.SeriesConfig{
		"kind":        {Name: "a", Kind: "ean", First: 1, Last: 2},
		"range":       {Name: "b", Kind: "sscc", Extension: 3, CompanyPrefix: "7350045", First: 9, Last: 1},
		"prefix":      {Name: "c", Kind: "sscc", Extension: 3, CompanyPrefix: "73X0045", First: 1, Last: 2},
		"too long":    {Name: "d", Kind: "sscc", Extension: 3, CompanyPrefix: "7350045", First: 1, Last: 1_000_000_000},
		"s10 digits":  {Name: "e", Kind: "s10", Service: "CC", Country: "SE", First: 1, Last: 100_000_000},
		"s10 country": {Name: "f", Kind: "s10", Service: "CC", Country: "S", First: 1, Last: 2},
	} {
		err := r.station.DefineSeries(ctx, c)
		if err == nil || station.Hint(err) == "" {
			t.Errorf("%s: %v (hint %q)", name, err, station.Hint(err))
		}
	}
	if _, err := r.station.AllocateItemID(ctx, "missing"); err == nil || !strings.Contains(station.Hint(err), "id_series") {
		t.Errorf("undefined series: %v", err)
	}
}
