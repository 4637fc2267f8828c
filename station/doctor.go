package station

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/store"
)

// The doctor: checks of the bench's setup that a support person can read —
// the data directory and file, the carriers (reachable, and the keys valid
// per API product), the printer and its fonts, the scale, the id series,
// the webhooks and notification channels. Each check says OK, WARN or FAIL
// in words, with a hint for what is not OK. `labelstation doctor` prints
// them; the GUI can show the same list. No check books, prints or sends
// anything, and no check's words show a secret (the carrier clients redact
// their own; the composition root scrubs the report once more).

// DoctorState is a check's verdict.
type DoctorState string

const (
	// DoctorOK: nothing to do.
	DoctorOK DoctorState = "OK"
	// DoctorWarn: the bench works, but something needs a look soon.
	DoctorWarn DoctorState = "WARN"
	// DoctorFail: something the bench needs does not work.
	DoctorFail DoctorState = "FAIL"
)

// DoctorCheck is one check's outcome.
type DoctorCheck struct {
	Name  string      `json:"name"`
	State DoctorState `json:"status"`
	// Words say what was found, for a person.
	Words string `json:"words"`
	// Hint says what to do when the state is not OK.
	Hint   string  `json:"hint,omitempty"`
	TookMS float64 `json:"took_ms"`
	// ID says the check in the GUI's languages: it is the catalogue id of
	// Words, ID+".hint" is Hint's, and the ID up to its last dot plus
	// ".name" is Name's ("doctor.printer.ready": "doctor.printer.name").
	// The catalogue's templates read Data. The report (and so the CLI)
	// stays in English; "" when the check has no translation.
	ID   string         `json:"-"`
	Data map[string]any `json:"-"`
}

// DoctorNameID is the catalogue id of the name of a check said by id.
func DoctorNameID(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		id = id[:i]
	}
	return id + ".name"
}

// DoctorReport is a doctor run: its checks in a fixed order.
type DoctorReport struct {
	At     time.Time     `json:"at"`
	Checks []DoctorCheck `json:"checks"`
}

// Count is how many checks have the state.
func (r DoctorReport) Count(state DoctorState) int {
	n := 0
	for _, c := range r.Checks {
		if c.State == state {
			n++
		}
	}
	return n
}

// Failed reports whether any check failed.
func (r DoctorReport) Failed() bool { return r.Count(DoctorFail) > 0 }

// DoctorEndpoint is a service the station sends to (the WMS's webhook
// receiver, the SMTP server, the SMS gateway, the order lookup): the doctor
// connects to it (TCP only, nothing is sent) to tell whether the network
// lets the station reach it.
type DoctorEndpoint struct {
	Name string // "WMS webhooks", "SMTP server"
	// Addr is host:port, or a URL whose host and port (by scheme when
	// absent) are used; only host and port are ever shown.
	Addr string
	Hint string // what to check when it cannot be reached
}

// DoctorOptions are what the composition root adds to a doctor run.
type DoctorOptions struct {
	// DataFile is the data file's full consistency check (CheckDataFile),
	// run before the store was opened: bbolt lets no second reader in
	// while the station holds the file. Nil: the store is asked instead
	// (see integrityChecker), or the check says it was not run.
	DataFile *DoctorCheck
	// Endpoints are the services to reach (TCP connect).
	Endpoints []DoctorEndpoint
	// Extra is the hook for checks the station cannot do itself, added
	// at the end of the report in order — the secrets backend (keyring or
	// its fallback, and its warning), the log files. Each func is given
	// the run's context and returns its checks.
	Extra []func(context.Context) []DoctorCheck
	// ScaleURI is the scale to read when the station has none open (a
	// command that did not open the config's scale, so that one that
	// cannot be opened is this check's FAIL rather than the end of the
	// run); the scale is opened for the reading and closed again.
	ScaleURI string
	// Timeout bounds each group of checks (default 15s); the groups run
	// at once, so a run takes about the slowest group.
	Timeout time.Duration
}

// doctorDummyID is a made-up tracking number and print id: asking a
// carrier about it books nothing, and a carrier that answers "not found"
// has accepted the key.
const doctorDummyID = "LSDOCTOR0000000000"

// Doctor runs every check and returns the report: the data directory,
// the data file, what waits in the queues, the id series, every carrier,
// the printer and its fonts, the scale, the webhooks and notifications,
// then opts.Extra.
func (s *Station) Doctor(ctx context.Context, opts DoctorOptions) DoctorReport {
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	groups := []func(context.Context) []DoctorCheck{
		s.DoctorDataDir,
		func(ctx context.Context) []DoctorCheck { return s.DoctorDatabase(ctx, opts.DataFile) },
		s.DoctorSeries,
		s.DoctorCarriers,
		s.DoctorPrinter,
		func(ctx context.Context) []DoctorCheck {
			return s.doctorScale(ctx, firstNonEmpty(s.ScaleURI(), opts.ScaleURI))
		},
		func(ctx context.Context) []DoctorCheck { return s.DoctorChannels(ctx, opts.Endpoints) },
	}
	groups = append(groups, opts.Extra...)
	out := make([][]DoctorCheck, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() {
			gctx, cancel := context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
			out[i] = g(gctx)
		})
	}
	wg.Wait()
	rep := DoctorReport{At: s.cfg.Now(), Checks: []DoctorCheck{}}
	for _, cs := range out {
		rep.Checks = append(rep.Checks, cs...)
	}
	for _, c := range rep.Checks {
		switch c.State {
		case DoctorOK:
			s.log.Debug("doctor", "check", c.Name, "status", string(c.State), "words", c.Words)
		default:
			s.log.Warn("doctor", "check", c.Name, "status", string(c.State), "words", c.Words, "hint", c.Hint)
		}
	}
	s.log.Info("doctor ran", "checks", len(rep.Checks), "fail", rep.Count(DoctorFail), "warn", rep.Count(DoctorWarn))
	return rep
}

// timed runs fn and stamps its check with how long it took.
func timed(fn func() DoctorCheck) DoctorCheck {
	start := time.Now()
	c := fn()
	c.TookMS = tookMS(time.Since(start))
	return c
}

// ---- data directory and file ----

// DoctorDataDir checks that the station can write its data directory.
func (s *Station) DoctorDataDir(ctx context.Context) []DoctorCheck {
	if s.store == nil {
		return []DoctorCheck{{Name: "Data directory", State: DoctorFail, Words: "the station has no data file open", Hint: "run labelstation doctor without other commands running on the same data directory"}}
	}
	return []DoctorCheck{CheckDataDir(filepath.Dir(s.store.Path()))}
}

// CheckDataDir checks that dir exists and takes a new file: a temporary
// file is created, written, synced and deleted.
func CheckDataDir(dir string) DoctorCheck {
	return timed(func() DoctorCheck {
		c := DoctorCheck{Name: "Data directory"}
		fi, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s does not exist", dir)
			c.Hint = "the station makes it at its first start; check --data or data_dir in the config, and that the folder above it can be written"
			return c
		case err != nil:
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s cannot be looked at: %v", dir, err)
			c.Hint = "check the path and its permissions"
			return c
		case !fi.IsDir():
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s is a file, not a directory", dir)
			c.Hint = "point --data (or data_dir in the config) at a directory"
			return c
		}
		f, err := os.CreateTemp(dir, ".doctor-*.tmp")
		if err == nil {
			_, err = f.Write([]byte("labelstation doctor\n"))
			if serr := f.Sync(); err == nil {
				err = serr
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if rerr := os.Remove(f.Name()); err == nil && rerr != nil {
				c.State, c.Words = DoctorWarn, fmt.Sprintf("%s takes new files, but the doctor's test file could not be deleted: %v", dir, rerr)
				c.Hint = "delete " + f.Name() + " by hand, and check the directory's permissions"
				return c
			}
		}
		if err != nil {
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s cannot be written: %s (%v)", dir, writeReason(err), err)
			c.Hint = "the station cannot save a booking there, so every pack stops before anything is booked; free space on the disk or make the directory writable for the station's user"
			return c
		}
		c.State, c.Words = DoctorOK, fmt.Sprintf("%s is writable (a test file was created and deleted)", dir)
		return c
	})
}

// writeReason names a failed write in words.
func writeReason(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ENOSPC) || strings.Contains(msg, "no space left on device"):
		return "the disk is full"
	case errors.Is(err, syscall.EROFS) || strings.Contains(msg, "read-only file system"):
		return "the file system is read-only"
	case errors.Is(err, fs.ErrPermission):
		return "the station's user may not write there"
	}
	return "the write failed"
}

// CheckDataFile runs bbolt's consistency check (every page, in a
// read-only transaction) over the data file at path. It needs the file to
// itself for reading: while a station holds it the check says so and
// is skipped (WARN).
func CheckDataFile(path string) DoctorCheck {
	return timed(func() DoctorCheck {
		c := DoctorCheck{Name: "Data file"}
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			c.State, c.Words = DoctorOK, fmt.Sprintf("no data file yet: %s is made at the station's first start", path)
			return c
		}
		if err != nil {
			c.State, c.Words, c.Hint = DoctorFail, fmt.Sprintf("%s cannot be looked at: %v", path, err), "check the data directory's permissions"
			return c
		}
		db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if errors.Is(err, bolt.ErrTimeout) {
			c.State, c.Words = DoctorWarn, fmt.Sprintf("%s is held by a running labelstation, so its pages were not checked", path)
			c.Hint = "close the labelstation window (and let commands finish), then run labelstation doctor again for the full check"
			return c
		}
		if err != nil {
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s cannot be opened: %v", path, err)
			c.Hint = "stop the station, keep a copy of the file for support, and restore the last backup of the data directory"
			return c
		}
		defer db.Close()
		var problems []string
		n := 0
		err = db.View(func(tx *bolt.Tx) error {
			for e := range tx.Check() { // drained to the end: the checker stops by itself
				if n++; len(problems) < 3 {
					problems = append(problems, e.Error())
				}
			}
			return nil
		})
		switch {
		case err != nil:
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s cannot be read: %v", path, err)
		case n > 0:
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s is damaged: %d problems found, e.g. %s", path, n, strings.Join(problems, "; "))
		default:
			c.State, c.Words = DoctorOK, fmt.Sprintf("%s (%s): every page checked, no damage found", path, byteSize(fi.Size()))
			return c
		}
		c.Hint = "stop packing on this station, keep a copy of the file for support, and restore the last backup of the data directory"
		return c
	})
}

// integrityChecker is the store's own full consistency check while it is
// open (bbolt's tx.Check in a read transaction). *store.Store does not
// offer it yet; when it does, the doctor uses it.
type integrityChecker interface{ Check() error }

// DoctorDatabase checks the data file (its consistency, when dataFile
// carries the check run before it was opened or the store can run one),
// its schema version and size, and reads what waits: bookings, labels,
// messages.
func (s *Station) DoctorDatabase(ctx context.Context, dataFile *DoctorCheck) []DoctorCheck {
	if s.store == nil {
		return nil
	}
	var out []DoctorCheck
	switch ic, ok := any(s.store).(integrityChecker); {
	case dataFile != nil:
		out = append(out, *dataFile)
	case ok:
		out = append(out, timed(func() DoctorCheck {
			if err := ic.Check(); err != nil {
				return DoctorCheck{Name: "Data file", State: DoctorFail, Words: fmt.Sprintf("%s is damaged: %v", s.store.Path(), err),
					Hint: "stop packing on this station, keep a copy of the file for support, and restore the last backup of the data directory"}
			}
			return DoctorCheck{Name: "Data file", State: DoctorOK, Words: s.store.Path() + ": every page checked, no damage found"}
		}))
	}
	out = append(out, timed(s.databaseCheck), timed(s.openWorkCheck))
	return out
}

func (s *Station) databaseCheck() DoctorCheck {
	c := DoctorCheck{Name: "Database"}
	v, err := s.store.SchemaVersion()
	if err != nil {
		c.State, c.Words = DoctorFail, fmt.Sprintf("the schema version cannot be read: %v", err)
		c.Hint = "stop packing on this station, keep a copy of the data file for support, and restore the last backup"
		return c
	}
	var size string
	if fi, err := os.Stat(s.store.Path()); err == nil {
		size = byteSize(fi.Size()) + ", "
	}
	orders, err := s.store.CountOrders()
	if err != nil {
		c.State, c.Words, c.Hint = DoctorFail, fmt.Sprintf("the orders cannot be read: %v", err), "keep a copy of the data file for support and restore the last backup"
		return c
	}
	c.Words = fmt.Sprintf("schema version %d, %s%s", v, size, plural(orders, "order"))
	if v != store.SchemaVersion {
		c.State, c.Hint = DoctorWarn, fmt.Sprintf("this labelstation writes schema version %d; install the labelstation that wrote the file, or let this one upgrade it", store.SchemaVersion)
		return c
	}
	c.State = DoctorOK
	return c
}

// openWorkCheck reads what waits for the carrier, the printer and the
// message channels; what waits for a person makes it a warning.
func (s *Station) openWorkCheck() DoctorCheck {
	c := DoctorCheck{Name: "Open work"}
	entries, err := s.store.Entries(true)
	if err != nil {
		c.State, c.Words, c.Hint = DoctorFail, fmt.Sprintf("the booking queue cannot be read: %v", err), "keep a copy of the data file for support and restore the last backup"
		return c
	}
	var waiting, attention int
	for _, e := range entries {
		if e.State == store.StateAttention || e.Held {
			attention++
		} else {
			waiting++
		}
	}
	jobs, err := s.store.PrintJobs()
	if err != nil {
		c.State, c.Words, c.Hint = DoctorFail, fmt.Sprintf("the print queue cannot be read: %v", err), "keep a copy of the data file for support and restore the last backup"
		return c
	}
	var jobsWaiting, jobsUnknown int
	for _, j := range jobs {
		switch j.State {
		case store.PrintUnknown:
			jobsUnknown++
		case store.PrintWaiting:
			jobsWaiting++
		}
	}
	var msgs, failed int
	for _, ch := range []string{store.ChannelWebhook, store.ChannelEmail, store.ChannelSMS} {
		p, f, err := s.store.MessageCounts(ch)
		if err != nil {
			c.State, c.Words, c.Hint = DoctorFail, fmt.Sprintf("the %s messages cannot be read: %v", ch, err), "keep a copy of the data file for support and restore the last backup"
			return c
		}
		msgs, failed = msgs+p, failed+f
	}
	c.Words = fmt.Sprintf("%s waiting for the carrier, %s for a person; %s in the print queue (%d waiting for Retry or Discard, %d may have printed); %s waiting to be sent, %d failed",
		plural(waiting, "booking"), plural(attention, "booking"), plural(len(jobs), "label"), jobsWaiting, jobsUnknown, plural(msgs, "message"), failed)
	var hints []string
	if attention > 0 {
		hints = append(hints, "bookings for a person: labelstation queue list (retry after fixing the order, or cancel)")
	}
	if jobsWaiting+jobsUnknown > 0 {
		hints = append(hints, "labels not confirmed printed: labelstation print-queue list (Retry, Discard, Printed)")
	}
	if failed > 0 {
		hints = append(hints, "failed messages: labelstation webhooks list / labelstation notify log")
	}
	c.State = DoctorOK
	if len(hints) > 0 {
		c.State, c.Hint = DoctorWarn, strings.Join(hints, "; ")
	}
	return c
}

// ---- id series ----

// DoctorSeries says how many ids each of the consignor's own series has
// left, and whether the offline series is defined.
func (s *Station) DoctorSeries(ctx context.Context) []DoctorCheck {
	if s.store == nil {
		return nil
	}
	start := time.Now()
	all, err := s.Series(ctx)
	if err != nil {
		return []DoctorCheck{{Name: "Id series", State: DoctorFail, Words: fmt.Sprintf("the id series cannot be read: %v", err),
			Hint: "keep a copy of the data file for support and restore the last backup", TookMS: tookMS(time.Since(start))}}
	}
	var out []DoctorCheck
	found := false
	for _, ser := range all {
		offline := ser.Name == s.cfg.OfflineSeries
		found = found || offline
		left := ser.Size - min(ser.Used, ser.Size)
		c := DoctorCheck{Name: "Id series " + ser.Name, State: DoctorOK}
		c.Words = fmt.Sprintf("%s: %d of %d ids used, %d left", strings.ToUpper(ser.Kind), ser.Used, ser.Size, left)
		if ser.Next != "" {
			c.Words += ", next " + ser.Next
		}
		if offline {
			c.Words += " (offline labels)"
		}
		switch {
		case left == 0:
			c.State, c.Words = DoctorWarn, c.Words+": used up"
			if offline {
				c.State = DoctorFail
			}
			c.Hint = "ask the carrier for a new range and add it to the config as a new [[id_series]] (a new name), then name it in [outbox] offline_series"
		case float64(ser.Used) >= SeriesLowAt*float64(ser.Size):
			c.State, c.Words = DoctorWarn, c.Words+": runs low"
			c.Hint = "ask the carrier for a new range now and add it to the config as a new [[id_series]]"
		}
		c.TookMS = tookMS(time.Since(start))
		out = append(out, c)
	}
	switch {
	case s.cfg.OfflineSeries != "" && !found:
		out = append(out, DoctorCheck{Name: "Id series " + s.cfg.OfflineSeries, State: DoctorFail,
			Words: fmt.Sprintf("offline labels are numbered from %s, but no such series is defined", s.cfg.OfflineSeries),
			Hint:  "add it as an [[id_series]] in the config, or clear [outbox] offline_series", TookMS: tookMS(time.Since(start))})
	case len(out) == 0:
		out = append(out, DoctorCheck{Name: "Id series", State: DoctorOK,
			Words: "none defined: no offline labels, so parcels wait in the queue while the carrier cannot be reached", TookMS: tookMS(time.Since(start))})
	}
	return out
}

// ---- carriers ----

// DoctorCarriers checks every carrier: reachable (a probe that carries no
// key), and its credentials accepted — per API product for a carrier that
// authorises its key per product (PostNord: Booking, Track & Trace,
// Service Points, Transit Time), each with a cheap request that books
// nothing: a label reprint and a tracking look-up of a made-up id
// (answered "not found"), a service point by id, a transit time from the
// consignor's own postcode.
func (s *Station) DoctorCarriers(ctx context.Context) []DoctorCheck {
	if len(s.reg.names) == 0 {
		return []DoctorCheck{{Name: "Carriers", State: DoctorFail, Words: "no carrier is configured", Hint: "set [postnord] url and apikey in the config"}}
	}
	out := make([][]DoctorCheck, len(s.reg.names))
	var wg sync.WaitGroup
	for i, name := range s.reg.names {
		wg.Go(func() { out[i] = s.doctorCarrier(ctx, name, s.reg.by[name]) })
	}
	wg.Wait()
	return slices.Concat(out...)
}

// credentialsProduct is the one "product" of a carrier whose key is not
// authorised per product: its credentials as a whole.
const credentialsProduct = "credentials"

// carrierProduct is one cheap, booking-free request to a carrier's API
// product.
type carrierProduct struct {
	name string
	ask  func(ctx context.Context) error
}

func (s *Station) doctorCarrier(ctx context.Context, name string, c carrier.Carrier) []DoctorCheck {
	display := carrierDisplay(name)
	var out []DoctorCheck
	reachable := true
	if p, ok := c.(carrier.Prober); ok {
		out = append(out, timed(func() DoctorCheck {
			start := time.Now()
			if err := p.Probe(ctx); err != nil {
				reachable = false
				return DoctorCheck{Name: display + " reachable", State: DoctorFail, ID: "doctor.reach.failed", Data: map[string]any{"Carrier": display, "Error": carrierWords(err)},
					Words: carrierWords(err),
					Hint:  fmt.Sprintf("check the network and the %s address in the config; while it cannot be reached, parcels wait in the queue (or get offline labels)", display)}
			}
			ms := time.Since(start).Milliseconds()
			return DoctorCheck{Name: display + " reachable", State: DoctorOK, ID: "doctor.reach.ok", Data: map[string]any{"Carrier": display, "Host": s.carrierHost(name), "MS": ms},
				Words: fmt.Sprintf("%s answered in %d ms", s.carrierHost(name), ms)}
		}))
	}
	products := s.carrierProducts(c)
	first := len(out)
	refused := 0
	for _, pr := range products {
		check := display + " " + pr.name
		if !reachable {
			out = append(out, DoctorCheck{Name: check, State: DoctorWarn, Words: fmt.Sprintf("not checked: %s cannot be reached", display),
				Hint: "check again once it can be reached",
				ID:   "doctor.product.skipped", Data: map[string]any{"Carrier": display, "Product": pr.name, "Credentials": pr.name == credentialsProduct}})
			continue
		}
		ck, auth := productCheck(ctx, check, display, pr)
		if auth {
			refused++
		}
		out = append(out, ck)
	}
	if refused > 1 && refused == len(products) {
		// Every product refused it: the key itself is wrong, most likely.
		for i := first; i < len(out); i++ {
			out[i] = DoctorCheck{Name: out[i].Name, State: out[i].State, Words: out[i].Words, TookMS: out[i].TookMS,
				Hint: fmt.Sprintf("every API product refused the key, so the key itself is most likely wrong or not yet active: check it on %s's developer portal and in the config ([postnord] apikey, LABELSTATION_POSTNORD_APIKEY)", display),
				ID:   "doctor.product.refused_all", Data: out[i].Data}
		}
	}
	return out
}

// carrierHost names the carrier as the status bar does, without secrets.
func (s *Station) carrierHost(name string) string {
	for _, part := range strings.Split(s.cfg.CarrierName, " + ") {
		if strings.HasPrefix(strings.ToLower(part), strings.ToLower(carrierDisplay(name))) {
			return part
		}
	}
	return carrierDisplay(name)
}

// carrierProducts are the checks of c's credentials. A carrier that can
// reprint labels by print id has PostNord's product set (its key is
// authorised per product); any other carrier gets one check of its
// credentials through a tracking look-up (for STG that fetches an OAuth
// token first).
func (s *Station) carrierProducts(c carrier.Carrier) []carrierProduct {
	track := func(ctx context.Context) error { _, err := c.Track(ctx, doctorDummyID); return err }
	rp, ok := c.(carrier.Reprinter)
	if !ok {
		return []carrierProduct{{name: credentialsProduct, ask: track}}
	}
	out := []carrierProduct{
		{name: "Booking", ask: func(ctx context.Context) error {
			_, err := rp.Reprint(ctx, []string{doctorDummyID}, carrier.LabelZPL)
			return err
		}},
		{name: "Track & Trace", ask: track},
	}
	home := s.cfg.Consignor.Address
	country := strings.ToUpper(home.Country)
	if !slices.Contains([]string{"SE", "NO", "DK", "FI"}, country) {
		country = "SE"
	}
	if f, ok := c.(carrier.ServicePointFinder); ok {
		out = append(out, carrierProduct{name: "Service Points", ask: func(ctx context.Context) error {
			_, err := f.ServicePoint(ctx, country, "999999")
			return err
		}})
	}
	if t, ok := c.(carrier.TransitTimer); ok {
		from := carrier.Address{Country: country, Postcode: home.Postcode}
		if from.Postcode == "" || strings.ToUpper(home.Country) != country {
			from.Postcode = "11455"
		}
		out = append(out, carrierProduct{name: "Transit Time", ask: func(ctx context.Context) error {
			_, err := t.TransitTimes(ctx, carrier.TransitQuery{From: from, To: from, Services: []string{firstNonEmpty(s.cfg.DefaultService, "19")}})
			return err
		}})
	}
	return out
}

// productCheck asks one product and says what the answer means for the
// key: any answer about the data ("not found", "bad request") means the
// key was accepted; 401/403 means it was refused for this product.
func productCheck(ctx context.Context, check, display string, pr carrierProduct) (c DoctorCheck, refused bool) {
	start := time.Now()
	defer func() { c.TookMS = tookMS(time.Since(start)) }()
	err := pr.ask(ctx)
	var ce *carrier.Error
	errors.As(err, &ce)
	kind := carrier.KindOf(err)
	// The words' values; Credentials picks the words of a carrier whose
	// key is not authorised per product.
	data := map[string]any{"Carrier": display, "Product": pr.name, "Credentials": pr.name == credentialsProduct}
	if err != nil {
		data["Error"] = carrierWords(err)
	}
	switch {
	case (err == nil || kind == carrier.KindNotFound || kind == carrier.KindPartial) && pr.name == credentialsProduct:
		return DoctorCheck{Name: check, State: DoctorOK, ID: "doctor.product.accepted", Data: data,
			Words: "the credentials are accepted (a tracking look-up of a made-up number was answered)"}, false
	case err == nil, kind == carrier.KindNotFound, kind == carrier.KindPartial:
		return DoctorCheck{Name: check, State: DoctorOK, ID: "doctor.product.accepted", Data: data,
			Words: "the key is accepted"}, false
	case kind == carrier.KindRejected && ce != nil && ce.HTTPStatus != 0:
		data["HTTP"] = ce.HTTPStatus
		return DoctorCheck{Name: check, State: DoctorOK, ID: "doctor.product.answered", Data: data,
			Words: fmt.Sprintf("the key is accepted (the made-up request was answered HTTP %d)", ce.HTTPStatus)}, false
	case kind == carrier.KindAuth && pr.name == credentialsProduct:
		return DoctorCheck{Name: check, State: DoctorFail, ID: "doctor.product.refused", Data: data,
			Words: carrierWords(err),
			Hint:  fmt.Sprintf("check %s's client id and secret in the config (the secret from its environment variable or the keyring)", display)}, true
	case kind == carrier.KindAuth:
		return DoctorCheck{Name: check, State: DoctorFail, ID: "doctor.product.refused", Data: data,
			Words: carrierWords(err),
			Hint:  fmt.Sprintf("enable %s for this API key on %s's developer portal (developer.postnord.com: API products), or fix the key ([postnord] apikey, LABELSTATION_POSTNORD_APIKEY)", pr.name, display)}, true
	case kind == carrier.KindUnavailable && ce != nil && ce.HTTPStatus == 429:
		return DoctorCheck{Name: check, State: DoctorWarn, ID: "doctor.product.rate_limited", Data: data,
			Words: carrierWords(err),
			Hint:  "the key's rate limit was reached; run the doctor again in a minute"}, false
	case kind == carrier.KindUnavailable:
		return DoctorCheck{Name: check, State: DoctorFail, ID: "doctor.product.unavailable", Data: data,
			Words: carrierWords(err),
			Hint:  fmt.Sprintf("check the network and the %s address in the config", display)}, false
	case ctx.Err() != nil:
		data["Error"] = err.Error()
		return DoctorCheck{Name: check, State: DoctorFail, ID: "doctor.product.timeout", Data: data,
			Words: fmt.Sprintf("no answer in time: %v", err),
			Hint:  fmt.Sprintf("check the network and the %s address in the config", display)}, false
	}
	return DoctorCheck{Name: check, State: DoctorWarn, ID: "doctor.product.unknown", Data: data,
		Words: "not checked: " + carrierWords(err),
		Hint:  "tell support what this says"}, false
}

// carrierWords is a carrier error as a person reads it (already redacted
// by the carrier client).
func carrierWords(err error) string {
	var ce *carrier.Error
	if errors.As(err, &ce) && ce.Message != "" {
		w := ce.Message
		for _, f := range ce.Faults {
			w += "; " + f.Message
		}
		if ce.HTTPStatus != 0 {
			w = fmt.Sprintf("HTTP %d: %s", ce.HTTPStatus, w)
		}
		return w
	}
	return err.Error()
}

// ---- printer and fonts ----

// DoctorPrinter asks the station's printer for its state in words, and
// whether it holds the fonts the last label printed calls by name.
func (s *Station) DoctorPrinter(ctx context.Context) []DoctorCheck {
	uri := s.PrinterURI()
	if uri == "" {
		return []DoctorCheck{{Name: "Printer", State: DoctorWarn, Words: "no printer is configured", Hint: "choose one with Printer… or [station] printer in the config (" + printerURIHelp + ")"}}
	}
	ready := false
	status := timed(func() DoctorCheck {
		c := DoctorCheck{Name: "Printer"}
		st, err := s.PrinterStatus(ctx, "")
		switch {
		case errors.Is(err, printer.ErrNoStatus):
			c.State, c.Words = DoctorOK, fmt.Sprintf("%s cannot be asked for its state", uri)
			if strings.HasPrefix(uri, "file://") || strings.HasPrefix(uri, "pdf://") {
				c.Words = fmt.Sprintf("%s: labels are saved as files (a preview printer)", uri)
			}
			ready = true
		case err != nil:
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s: %v", uri, err)
			c.Hint = "check that the printer is on, connected, the head closed and labels loaded, and that the address is right (labelstation printer status " + uri + ")"
		case !st.Ready():
			c.State, c.Words = DoctorFail, fmt.Sprintf("%s: %s", uri, st.Message())
			c.Hint = "labels wait in the print queue until the printer is ready; fix what it says, then run labelstation doctor again"
		default:
			c.State, c.Words, ready = DoctorOK, fmt.Sprintf("%s: %s", uri, st.Message()), true
			if st.LabelsRemaining > 0 {
				c.Words += fmt.Sprintf(" (%d labels in its buffer)", st.LabelsRemaining)
			}
		}
		return c
	})
	if !ready {
		return []DoctorCheck{status, {Name: "Printer fonts", State: DoctorWarn, Words: "not checked: the printer is not ready", Hint: "check again once the printer is ready"}}
	}
	return []DoctorCheck{status, timed(func() DoctorCheck { return s.fontsCheck(ctx, uri) })}
}

func (s *Station) fontsCheck(ctx context.Context, uri string) DoctorCheck {
	c := DoctorCheck{Name: "Printer fonts", State: DoctorOK}
	sh, err := s.store.LastPrinted()
	if errors.Is(err, store.ErrNotFound) {
		c.Words = "no label printed yet: the fonts a carrier label calls are checked before it prints"
		return c
	}
	if err != nil {
		c.State, c.Words = DoctorWarn, fmt.Sprintf("the last label cannot be read: %v", err)
		return c
	}
	if sh.Label.Format != carrier.LabelZPL && sh.Label.Format != "" {
		c.Words = "the last label was a PDF: no printer fonts needed"
		return c
	}
	fonts := printer.ReferencedFonts(sh.Label.Data)
	if len(fonts) == 0 {
		c.Words = fmt.Sprintf("the last label (order %s) uses only the printer's built-in fonts", sh.OrderRef)
		return c
	}
	q, err := s.printerQueue("")
	if err != nil {
		c.State, c.Words = DoctorWarn, "not checked: "+err.Error()
		return c
	}
	missing, err := printer.MissingFonts(ctx, q.p, fonts)
	switch {
	case errors.Is(err, printer.ErrNoFileList):
		c.Words = fmt.Sprintf("%s cannot be asked which fonts it holds; the last label calls %s", uri, strings.Join(fonts, ", "))
	case err != nil:
		c.State, c.Words = DoctorWarn, fmt.Sprintf("%s did not list its fonts: %v", uri, err)
		c.Hint = "run the doctor again; if it persists, check the printer's firmware answers ^HW"
	case len(missing) > 0:
		c.State, c.Words = DoctorFail, (&fontsMissing{fonts: missing, carrier: sh.Carrier}).Error()
		c.Hint = "carrier labels are held in the print queue until the fonts are installed (Zebra Setup Utilities: download fonts), or print from the PDF"
	default:
		c.Words = fmt.Sprintf("the printer holds the fonts the last label (order %s) calls: %s", sh.OrderRef, strings.Join(fonts, ", "))
	}
	return c
}

// ---- scale ----

// DoctorScale reads the station's scale: it must answer within 5 seconds,
// and is given up to 2 seconds more to show a stable weight.
func (s *Station) DoctorScale(ctx context.Context) []DoctorCheck {
	return s.doctorScale(ctx, s.ScaleURI())
}

func (s *Station) doctorScale(ctx context.Context, uri string) []DoctorCheck {
	if uri == "" {
		return []DoctorCheck{{Name: "Scale", State: DoctorOK, Words: "no scale: weights are typed", ID: "doctor.scale.none"}}
	}
	return []DoctorCheck{timed(func() DoctorCheck {
		r, err := s.readScale(ctx, uri)
		switch {
		case err != nil:
			return DoctorCheck{Name: "Scale", State: DoctorFail, ID: "doctor.scale.no_reading", Data: map[string]any{"URI": uri, "Error": err.Error()},
				Words: fmt.Sprintf("%s: %v", uri, err),
				Hint:  "check the cable, that the scale is on, and its settings (baud rate, parity, protocol); labelstation scale probe PORT finds the protocol"}
		case r.Status != scale.StatusOK:
			return DoctorCheck{Name: "Scale", State: DoctorWarn, ID: "doctor.scale.fault", Data: map[string]any{"URI": uri, "Status": fmt.Sprint(r.Status)},
				Words: fmt.Sprintf("%s answers, but shows %s", uri, r.Status),
				Hint:  "clear the platter and zero the scale; a scale that keeps showing a fault needs its service"}
		}
		motion := "stable"
		if !r.Stable {
			motion = "moving: no stable weight within 2s"
		}
		weight := carrier.Weight(math.Round(r.Grams)).String()
		return DoctorCheck{Name: "Scale", State: DoctorOK, ID: "doctor.scale.reading", Data: map[string]any{"URI": uri, "Weight": weight, "Stable": r.Stable},
			Words: fmt.Sprintf("%s answers: %s (%s)", uri, weight, motion)}
	})}
}

// readScale reads the scale at uri (the station's when it is the one in
// use; else it is opened and closed again): the first reading must come
// within 5 seconds, then up to 2 seconds more are given for a stable one.
// It returns the last reading.
func (s *Station) readScale(ctx context.Context, uri string) (scale.Reading, error) {
	sc, _ := s.currentScale()
	if sc == nil || s.ScaleURI() != uri {
		opened, err := scale.Open(uri)
		if err != nil {
			return scale.Reading{}, err
		}
		defer opened.Close()
		sc = opened
	}
	first, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var r scale.Reading
	var err error
	for {
		// A scale just opened may report a connection error before its
		// first reading.
		if r, err = sc.Read(first); err == nil || first.Err() != nil {
			break
		}
		select {
		case <-first.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err != nil {
		return r, fmt.Errorf("no reading within 5s: %w", err)
	}
	settle, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	for !(r.Stable && r.Status == scale.StatusOK) {
		next, err := sc.Read(settle)
		if err != nil {
			break
		}
		r = next
	}
	return r, nil
}

// ---- webhooks, notifications, order source ----

// DoctorChannels says which outgoing channels are set up (webhooks to
// the WMS, notification channels, the order lookup) and connects to each
// endpoint.
func (s *Station) DoctorChannels(ctx context.Context, endpoints []DoctorEndpoint) []DoctorCheck {
	var out []DoctorCheck
	w := DoctorCheck{Name: "Webhooks to the WMS", State: DoctorOK, Words: "off (no [wms.webhooks] url)"}
	if s.cfg.Webhooks.Enabled() {
		w.Words = "on: events go to " + hostOf(s.cfg.Webhooks.URL)
		if len(s.cfg.Webhooks.Events) > 0 {
			w.Words += " (" + strings.Join(s.cfg.Webhooks.Events, ", ") + ")"
		}
		if len(s.cfg.Webhooks.Secret) == 0 {
			w.State, w.Hint = DoctorFail, "set the signing secret: LABELSTATION_WMS_WEBHOOK_SECRET"
			w.Words += ", but without a signing secret"
		}
	}
	out = append(out, w)
	out = append(out, s.notificationsCheck())
	if s.cfg.OrderLookup != nil {
		out = append(out, DoctorCheck{Name: "Order lookup", State: DoctorOK, Words: "orders the station does not hold are asked from " + s.cfg.OrderLookup.Describe()})
	}
	res := make([]DoctorCheck, len(endpoints))
	var wg sync.WaitGroup
	for i, ep := range endpoints {
		wg.Go(func() { res[i] = timed(func() DoctorCheck { return dialCheck(ctx, ep) }) })
	}
	wg.Wait()
	return append(out, res...)
}

// notificationsCheck says which channels are set up and whether every
// enabled rule has the channel it sends by.
func (s *Station) notificationsCheck() DoctorCheck {
	n := DoctorCheck{Name: "Notifications", State: DoctorOK}
	var chans []string
	for ch := range s.cfg.Notify.Senders {
		chans = append(chans, ch)
	}
	slices.Sort(chans)
	channels := "no channel set up ([notify.email], [notify.sms])"
	if len(chans) > 0 {
		channels = "channels " + strings.Join(chans, " and ")
		if s.cfg.Notify.Sender != "" && slices.Contains(chans, store.ChannelEmail) {
			channels += "; e-mails come from " + s.cfg.Notify.Sender
		}
	}
	if s.cfg.Notify.Engine == nil {
		n.Words = "off; " + channels
		return n
	}
	var enabled int
	var lacking []string
	for _, r := range s.cfg.Notify.Engine.Setup().Rules {
		if !r.Enabled {
			continue
		}
		enabled++
		for _, ch := range []string{store.ChannelEmail, store.ChannelSMS} {
			if (r.Channel == ch || r.Channel == "both") && s.cfg.Notify.Senders[ch] == nil {
				lacking = append(lacking, fmt.Sprintf("rule %s sends by %s", r.ID, ch))
			}
		}
	}
	n.Words = fmt.Sprintf("%s enabled; %s", plural(enabled, "rule"), channels)
	if len(lacking) > 0 {
		n.State = DoctorWarn
		n.Words += "; but " + strings.Join(lacking, ", ") + " and that channel is not set up: those messages wait"
		n.Hint = "set up the channel in the config ([notify.email] or [notify.sms]), or disable the rule (labelstation notify disable ID)"
	}
	return n
}

// dialCheck connects to the endpoint and hangs up: the network and the
// service's port are there. Nothing is sent.
func dialCheck(ctx context.Context, ep DoctorEndpoint) DoctorCheck {
	// The endpoint's name and hint are the caller's words (Data's
	// Endpoint and Hint); the catalogue says the rest.
	name := ep.Name + " reachable"
	addr, err := endpointAddr(ep.Addr)
	if err != nil {
		return DoctorCheck{Name: name, State: DoctorWarn, ID: "doctor.endpoint.bad_address", Data: map[string]any{"Endpoint": ep.Name, "Error": err.Error(), "Hint": ep.Hint},
			Words: "not checked: " + err.Error(),
			Hint:  firstNonEmpty(ep.Hint, "check the address in the config")}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	start := time.Now()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return DoctorCheck{Name: name, State: DoctorFail, ID: "doctor.endpoint.unreachable", Data: map[string]any{"Endpoint": ep.Name, "Addr": addr, "Error": dialWords(err), "Hint": ep.Hint},
			Words: fmt.Sprintf("%s cannot be reached: %v", addr, dialWords(err)),
			Hint:  firstNonEmpty(ep.Hint, "check the network, the firewall and the address in the config")}
	}
	conn.Close()
	ms := time.Since(start).Milliseconds()
	return DoctorCheck{Name: name, State: DoctorOK, ID: "doctor.endpoint.reachable", Data: map[string]any{"Endpoint": ep.Name, "Addr": addr, "MS": ms},
		Words: fmt.Sprintf("%s answers (connected in %d ms)", addr, ms)}
}

// dialWords drops the dialer's "dial tcp ADDR:" prefix (the address is
// said already).
func dialWords(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// endpointAddr is host:port of a URL or host:port; a URL's port defaults
// by its scheme.
func endpointAddr(a string) (string, error) {
	a = strings.TrimSpace(a)
	if !strings.Contains(a, "://") {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return "", fmt.Errorf("%q is not host:port", a)
		}
		return a, nil
	}
	u, err := url.Parse(a)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("the address is not a URL with a host")
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "http", "ws":
			port = "80"
		case "https", "wss":
			port = "443"
		case "smtp":
			port = "25"
		case "smtps":
			port = "465"
		default:
			return "", fmt.Errorf("no port for %s://%s", u.Scheme, u.Hostname())
		}
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// hostOf is a URL's scheme and host only (no path, query or user).
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "(an address that is not a URL)"
	}
	return u.Scheme + "://" + u.Host
}

// ---- words ----

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
