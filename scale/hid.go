package scale

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// USB HID POS scales (usage page 0x8D: Dymo M-series, Stamps.com, Mettler
// Toledo PS-series, Fairbanks, Pitney Bowes, and most USB shipping
// scales). They need no driver: the OS sees a HID device that sends one
// 6-byte input report whenever the weight changes (many send one every
// ~200ms anyway):
//
//	byte 0   report id (3: scale data)
//	byte 1   status: 1 fault, 2 stable at zero, 3 in motion, 4 weight
//	         stable, 5 under zero, 6 over weight, 7 needs calibration,
//	         8 needs re-zeroing
//	byte 2   unit: 1 mg, 2 g, 3 kg, 8 metric ton, 11 oz, 12 lb (HID POS
//	         weight unit usages; carats, taels, grains, pennyweights, troy
//	         ounces and short tons are not used for parcels)
//	byte 3   exponent, a signed byte: weight = raw × 10^exponent
//	byte 4–5 raw weight, unsigned little-endian
//
// The first report after opening is the scale's last stored one, from
// before it was opened; it is discarded. A scale is zeroed with the
// "scale control" output report: report id 2, bit 0 (zero scale) set.

// hidScaleReportID is the report id of a scale data report.
const hidScaleReportID = 3

// hidZeroReport is the scale control report that zeroes the scale.
var hidZeroReport = []byte{0x02, 0x01}

var hidUnits = map[byte]string{1: "mg", 2: "g", 3: "kg", 8: "t", 11: "oz", 12: "lb"}

// errNotScaleReport marks a report that is not a scale data report (some
// scales interleave others); it is skipped, not an error.
var errNotScaleReport = errors.New("not a scale data report")

// parseHIDReport decodes one input report.
func parseHIDReport(b []byte) (Reading, error) {
	if len(b) < 6 {
		return Reading{}, fmt.Errorf("scale report of %d bytes is too short (want 6)", len(b))
	}
	if b[0] != hidScaleReportID {
		return Reading{}, errNotScaleReport
	}
	status, unitCode, exp := b[1], b[2], int(int8(b[3]))
	raw := int64(b[4]) | int64(b[5])<<8
	r := Reading{Stable: true}
	switch status {
	case 1, 7, 8:
		// Fault, needs calibration, needs re-zeroing: no weight.
		r.Status, r.Stable = StatusFault, false
		return r, nil
	case 2: // stable at zero
		return r, nil
	case 3: // in motion
		r.Stable = false
	case 4: // stable
	case 5: // under zero: the raw number is the amount below zero
		raw = -raw
	case 6:
		r.Status, r.Stable = StatusOverload, false
		return r, nil
	default:
		return Reading{}, fmt.Errorf("scale report status %d is not a HID POS scale status (1–8)", status)
	}
	unit, ok := hidUnits[unitCode]
	if !ok {
		return Reading{}, fmt.Errorf("the scale weighs in HID unit %d, which the station cannot convert: set the scale to g, kg, oz or lb", unitCode)
	}
	mg, err := scaledMilligrams(raw, exp, unit)
	if err != nil {
		return Reading{}, fmt.Errorf("scale report: %v", err)
	}
	r.Grams = gramsOf(mg)
	return r, nil
}

// hidDevice is an open HID scale: through libusb (gousb), hidraw, or the
// OS's HID API.
type hidDevice interface {
	// readReport returns one input report, or nil and no error when none
	// came within timeout.
	readReport(timeout time.Duration) ([]byte, error)
	// writeReport sends an output report (first byte the report id).
	writeReport(b []byte) error
	Close() error
}

// HIDOptions tune a USB HID scale. Zero values take the defaults.
type HIDOptions struct {
	// Quiet is how long the scale may send nothing before its last
	// reading is repeated: scales that report only on change say, by
	// keeping quiet, that nothing changed (default 250ms).
	Quiet time.Duration
	// Retry is how often a scale that is gone is opened again (default
	// 500ms).
	Retry time.Duration
}

// HID is a USB HID POS scale. One goroutine reads its reports and
// publishes each reading to every waiting Read; when the device goes
// away it reports that and opens it again every Retry.
type HID struct {
	name string
	open func() (hidDevice, error)
	opts HIDOptions

	feed   feed
	zero   chan chan error
	closed chan struct{}
	done   chan struct{}
	once   sync.Once
}

func newHID(name string, open func() (hidDevice, error), opts HIDOptions) *HID {
	if opts.Quiet <= 0 {
		opts.Quiet = 250 * time.Millisecond
	}
	if opts.Retry <= 0 {
		opts.Retry = defaultRetry
	}
	h := &HID{name: name, open: open, opts: opts, feed: newFeed(),
		zero: make(chan chan error), closed: make(chan struct{}), done: make(chan struct{})}
	go h.run()
	return h
}

// String describes the scale: "USB scale 0922:8003".
func (h *HID) String() string { return h.name }

// Read returns the next reading after the call (see Serial.Read).
func (h *HID) Read(ctx context.Context) (Reading, error) {
	return h.feed.next(ctx, h.closed, h.name, 2*time.Second, func() error {
		return fmt.Errorf("%s sends nothing: unplug it and plug it in again", h.name)
	})
}

// Zero sends the zero command (the platter must be empty).
func (h *HID) Zero(ctx context.Context) error {
	res := make(chan error, 1)
	select {
	case h.zero <- res:
	case <-ctx.Done():
		return ctx.Err()
	case <-h.closed:
		return fmt.Errorf("%s: %w", h.name, ErrClosed)
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops reading and closes the device.
func (h *HID) Close() error {
	h.once.Do(func() { close(h.closed) })
	<-h.done
	return nil
}

func (h *HID) run() {
	defer close(h.done)
	for {
		dev, err := h.open()
		if err == nil {
			err = h.session(dev)
			dev.Close()
			if err == nil {
				return
			}
		}
		h.feed.publish(Reading{}, err)
		select {
		case <-h.closed:
			return
		case <-time.After(h.opts.Retry):
		}
	}
}

// session reads reports until the device fails (returned) or the scale is
// closed (nil).
func (h *HID) session(dev hidDevice) error {
	first := true
	var last *Reading
	for {
		select {
		case <-h.closed:
			return nil
		case res := <-h.zero:
			if err := dev.writeReport(hidZeroReport); err != nil {
				res <- fmt.Errorf("%s cannot be zeroed from the station (%v): press its zero key", h.name, err)
			} else {
				res <- nil
			}
		default:
		}
		b, err := dev.readReport(h.opts.Quiet)
		if err != nil {
			return fmt.Errorf("%s was disconnected (%v): plug it back in; the station reconnects by itself", h.name, err)
		}
		now := time.Now()
		if b == nil {
			if last != nil { // quiet: nothing changed
				r := *last
				r.Time = now
				h.feed.publish(r, nil)
			}
			continue
		}
		r, err := parseHIDReport(b)
		if errors.Is(err, errNotScaleReport) {
			continue
		}
		if first {
			// The scale's stored report from before we opened it.
			first = false
			continue
		}
		if err != nil {
			h.feed.publish(Reading{}, fmt.Errorf("%s: %v", h.name, err))
			last = nil
			continue
		}
		r.Time = now
		last = &r
		h.feed.publish(r, nil)
	}
}

// parseVIDPID reads "0922:8003".
func parseVIDPID(s string) (vid, pid uint16, err error) {
	v, p, ok := strings.Cut(s, ":")
	if ok {
		var a, b uint64
		if a, err = strconv.ParseUint(v, 16, 16); err == nil {
			if b, err = strconv.ParseUint(p, 16, 16); err == nil {
				return uint16(a), uint16(b), nil
			}
		}
	}
	return 0, 0, fmt.Errorf("%q is not a USB vendor:product id like 0922:8003", s)
}

// openHIDURI opens usbhid://VID:PID or hidraw:///dev/hidrawN.
func openHIDURI(raw string, u *url.URL) (Scale, error) {
	var opts HIDOptions
	for key, vals := range u.Query() {
		d, err := time.ParseDuration(vals[len(vals)-1])
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("scale address %q: %s=%s is not a positive duration", raw, key, vals[len(vals)-1])
		}
		switch key {
		case "quiet":
			opts.Quiet = d
		case "retry":
			opts.Retry = d
		default:
			return nil, fmt.Errorf("scale address %q: unknown option %q: a USB scale takes quiet and retry", raw, key)
		}
	}
	if strings.EqualFold(u.Scheme, "hidraw") {
		path := firstNonEmpty(u.Path, u.Opaque)
		if path == "" {
			return nil, fmt.Errorf("scale address %q names no device: write it like hidraw:///dev/hidraw0", raw)
		}
		return openHidraw(path, opts)
	}
	vid, pid, err := parseVIDPID(firstNonEmpty(u.Host, u.Opaque))
	if err != nil {
		return nil, fmt.Errorf("scale address %q: %v", raw, err)
	}
	return openUSBHID(vid, pid, opts)
}

// knownScales names USB scales by vendor and product id, for discovery
// lists; any device on HID usage page 0x8D is a scale whether listed or not.
var knownScales = map[[2]uint16]string{
	{0x0922, 0x8003}: "Dymo M10",
	{0x0922, 0x8004}: "Dymo M25",
	{0x0922, 0x8009}: "Dymo S100",
	{0x1446, 0x6a73}: "Stamps.com 5 lb",
	{0x1446, 0x6a78}: "Stamps.com 35 lb",
	{0x0eb8, 0xf000}: "Mettler Toledo PS60",
	{0x0b67, 0x555e}: "Fairbanks SCB-R9000",
	{0x0d8f, 0x0200}: "Pitney Bowes USB scale",
}

// scaleVendors names the vendors of USB scales.
var scaleVendors = map[uint16]string{0x0922: "Dymo", 0x1446: "Stamps.com", 0x0eb8: "Mettler Toledo", 0x0b67: "Fairbanks", 0x0d8f: "Pitney Bowes"}

func hidName(vid, pid uint16) string {
	if n, ok := knownScales[[2]uint16{vid, pid}]; ok {
		return fmt.Sprintf("%s (USB %04x:%04x)", n, vid, pid)
	}
	return fmt.Sprintf("USB scale %04x:%04x", vid, pid)
}
