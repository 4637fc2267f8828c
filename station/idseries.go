package station

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"labelstation/label"
	"labelstation/store"
)

// SeriesLowAt is the share of a series in use at which the station warns
// that it runs low: time enough to ask the carrier for a new range.
const SeriesLowAt = 0.9

// SeriesConfig is one range of item ids the carrier allotted to the
// consignor, as the config file names it.
type SeriesConfig struct {
	Name string `toml:"name" json:"name"`
	Kind string `toml:"kind" json:"kind"` // "sscc" or "s10"
	// SSCC: extension digit and GS1 company prefix.
	Extension     int    `toml:"extension,omitempty" json:"extension,omitempty"`
	CompanyPrefix string `toml:"company_prefix,omitempty" json:"company_prefix,omitempty"`
	// S10: two-letter service indicator and the issuing country.
	Service string `toml:"service,omitempty" json:"service,omitempty"`
	Country string `toml:"country,omitempty" json:"country,omitempty"`
	// First and Last are serial numbers (without prefix or check digit).
	First uint64 `toml:"first" json:"first"`
	Last  uint64 `toml:"last" json:"last"`
}

// ItemID is an id the station numbered itself from a series.
type ItemID struct {
	ID     string `json:"id"`
	Type   string `json:"type"` // PostNord's itemIdType: SSCC or S10
	Series string `json:"series"`
	Used   uint64 `json:"used"`
	Size   uint64 `json:"size"`
	// Warning is set when the series runs low.
	Warning string `json:"warning,omitempty"`
}

// SeriesInfo is a series and how much of it is used.
type SeriesInfo struct {
	SeriesConfig
	Used uint64 `json:"used"`
	Size uint64 `json:"size"`
	Next string `json:"next_id,omitempty"` // the id the next allocation hands out
	// Note says when the series needs a supervisor: "runs low" from
	// SeriesLowAt, "used up" when no id is left.
	Note string `json:"note,omitempty"`
}

// DefineSeries checks a series and records its range. Redefining it (as
// every start does from the config) never hands out an id twice.
func (s *Station) DefineSeries(ctx context.Context, c SeriesConfig) error {
	def := store.IDSeries{Name: strings.TrimSpace(c.Name), Kind: strings.ToLower(strings.TrimSpace(c.Kind)), First: c.First, Last: c.Last}
	switch def.Kind {
	case "sscc":
		def.Params = map[string]string{"extension": strconv.Itoa(c.Extension), "company_prefix": c.CompanyPrefix}
	case "s10":
		def.Params = map[string]string{"service": strings.ToUpper(c.Service), "country": strings.ToUpper(c.Country)}
	default:
		return &Problem{ID: "idseries.bad_kind", Data: map[string]any{"Name": def.Name, "Kind": c.Kind}, Msg: fmt.Sprintf("id series %q has kind %q", def.Name, c.Kind), Hint: "set kind to sscc or s10"}
	}
	if def.Name == "" || def.Last < def.First {
		return &Problem{ID: "idseries.bad_range", Data: map[string]any{"Name": def.Name, "First": c.First, "Last": c.Last}, Msg: fmt.Sprintf("id series %q: first (%d) and last (%d) do not make a range", def.Name, c.First, c.Last), Hint: "give the serial range the carrier allotted, first ≤ last"}
	}
	// Both ends must make valid ids, or the range does not fit the format.
	for _, n := range []uint64{def.First, def.Last} {
		if _, err := makeItemID(def, n); err != nil {
			return &Problem{ID: "idseries.bad_serial", Data: map[string]any{"Name": def.Name, "Serial": n, "Kind": strings.ToUpper(def.Kind), "Reason": err.Error()}, Msg: fmt.Sprintf("id series %q: serial %d does not make a valid %s: %v", def.Name, n, strings.ToUpper(def.Kind), err),
				Hint: "check the company prefix (SSCC) or service and country (S10) and the range against the carrier's allotment", Err: err}
		}
	}
	if _, err := s.store.DefineSeries(def); errors.Is(err, store.ErrCannotWrite) {
		return &Problem{ID: "idseries.cannot_write", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "free space on the disk of the data directory (or make it writable); everything saved earlier is kept", Err: err}
	} else if err != nil {
		return &Problem{ID: "idseries.not_saved", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "ids are never reused: a new allotment needs a new series name", Err: err}
	}
	return nil
}

func makeItemID(ser store.IDSeries, serial uint64) (string, error) {
	switch ser.Kind {
	case "sscc":
		ext, err := strconv.Atoi(ser.Params["extension"])
		if err != nil {
			return "", fmt.Errorf("extension digit: %w", err)
		}
		return label.NewSSCC(ext, ser.Params["company_prefix"], serial)
	case "s10":
		if serial > 99999999 {
			return "", fmt.Errorf("an S10 serial has 8 digits, %d has more", serial)
		}
		return label.NewS10(ser.Params["service"], uint32(serial), ser.Params["country"])
	}
	return "", fmt.Errorf("unknown kind %q", ser.Kind)
}

// AllocateItemID hands out the series' next id, committed to the data file
// before it returns, so the label that carries it can never show an id the
// station could hand out again.
func (s *Station) AllocateItemID(ctx context.Context, series string) (ItemID, error) {
	id, ser, err := s.store.AllocateID(series, makeItemID)
	switch {
	case errors.Is(err, store.ErrSeriesExhausted):
		return ItemID{}, &Problem{ID: "idseries.used_up", Data: map[string]any{"Series": series, "Used": ser.Used(), "Size": ser.Size()}, Msg: fmt.Sprintf("the id series %s is used up (%d of %d ids): no label can be numbered from it", series, ser.Used(), ser.Size()),
			Hint: "ask the carrier for a new range and add it to the config under a new series name", Err: err}
	case errors.Is(err, store.ErrSeriesUnknown):
		return ItemID{}, &Problem{ID: "idseries.unknown", Data: map[string]any{"Series": series}, Msg: fmt.Sprintf("there is no id series named %s", series), Hint: "define it in the config ([[id_series]])", Err: err}
	case err != nil:
		return ItemID{}, err
	}
	out := ItemID{ID: id, Type: strings.ToUpper(ser.Kind), Series: series, Used: ser.Used(), Size: ser.Size()}
	if float64(out.Used) >= SeriesLowAt*float64(out.Size) {
		out.Warning = fmt.Sprintf("the id series %s runs low: %d of %d ids used; ask the carrier for a new range", series, out.Used, out.Size)
		s.log.Warn("id series runs low", "series", series, "used", out.Used, "size", out.Size)
	}
	return out, nil
}

// Series lists the defined id series and how much of each is used.
func (s *Station) Series(ctx context.Context) ([]SeriesInfo, error) {
	all, err := s.store.Series()
	if err != nil {
		return nil, err
	}
	out := []SeriesInfo{}
	for _, ser := range all {
		info := SeriesInfo{SeriesConfig: SeriesConfig{Name: ser.Name, Kind: ser.Kind, First: ser.First, Last: ser.Last,
			CompanyPrefix: ser.Params["company_prefix"], Service: ser.Params["service"], Country: ser.Params["country"]},
			Used: ser.Used(), Size: ser.Size()}
		info.Extension, _ = strconv.Atoi(ser.Params["extension"])
		if ser.Next <= ser.Last {
			info.Next, _ = makeItemID(ser, ser.Next)
		}
		switch {
		case info.Used >= info.Size:
			info.Note = "used up: ask the carrier for a new range"
		case float64(info.Used) >= SeriesLowAt*float64(info.Size):
			info.Note = "runs low: ask the carrier for a new range"
		}
		out = append(out, info)
	}
	return out, nil
}
