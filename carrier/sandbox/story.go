package sandbox

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"time"
)

// Story is the kind of story Track & Trace tells for one item. Each
// booked item gets one, chosen deterministically from Options.Seed and the
// item id (StoryFor), unless Options.Story forces one.
//
// Every story but StoryStepped is told in calendar time, Stockholm local:
// the parcel is picked up on the booking day when booked before 14:00
// (otherwise the next day), handed in in the afternoon, sorted in the
// evening, scanned at a terminal each morning on the way, and delivered (or
// made available at the service point) on the corridor's transit day
// (TransitDays), whose 17:00 is the estimatedTimeOfArrival. A parcel into
// Norway from another country also stops in customs on the morning after
// pickup for CustomsStallDays days, whatever its story; a stall longer
// than the corridor's slack makes it late.
type Story string

// The story kinds.
const (
	// StoryOnTime: delivered (home) or made available at the service point
	// on the ETA day; a service-point parcel is collected 0–3 days later.
	StoryOnTime Story = "on_time"
	// StoryLate: a DELAYED event on the ETA day, delivered 1–2 days after
	// it.
	StoryLate Story = "late"
	// StoryException: stopped at the origin terminal (damaged and repacked,
	// or an address to check: STOPPED), released the next morning, then
	// delivered a day later than planned.
	StoryException Story = "exception"
	// StoryFailedAttempt: home delivery fails (nobody at home:
	// DELIVERY_IMPOSSIBLE) and the parcel goes to a service point the next
	// day, where it is collected; a service-point parcel finds its service
	// point unable to take it and goes to another.
	StoryFailedAttempt Story = "failed_attempt"
	// StoryReturned: the address cannot be found at the delivery terminal
	// (DELIVERY_IMPOSSIBLE); the parcel goes back to the sender
	// (RETURNED), arriving there after the corridor's transit days.
	StoryReturned Story = "returned"
	// StoryRefused: the recipient refuses the parcel at the door or the
	// service point (DELIVERY_REFUSED); it goes back to the sender.
	StoryRefused Story = "refused"
	// StoryNotCollected: the parcel waits at a service point (a home
	// delivery after a failed attempt), a reminder after three days, is
	// not collected within the 7-day hold and is returned to the sender.
	StoryNotCollected Story = "not_collected"
	// StoryLost: events stop after the evening sort at the origin
	// terminal; the status stays EN_ROUTE for ever.
	StoryLost Story = "lost"
	// StorySilent: booked, never handed in: only the EDI event, for ever.
	StorySilent Story = "silent"
	// StoryStepped is the sandbox's original story, one event every
	// TrackingStep from booking: EDI received, handed in, (customs stop of
	// three steps into Norway,) sorted, available for delivery (with a
	// failed first attempt for a home delivery to a postcode ending in 0),
	// delivered. It is not in the default mix; tests that want quick,
	// evenly spaced events force it.
	StoryStepped Story = "stepped"
)

// storyOrder fixes the order StoryFor walks the weights in, so a seed
// picks the same kind on every run.
var storyOrder = []Story{StoryOnTime, StoryLate, StoryException, StoryFailedAttempt, StoryReturned,
	StoryRefused, StoryNotCollected, StoryLost, StorySilent, StoryStepped}

// Stories returns every story kind.
func Stories() []Story { return slices.Clone(storyOrder) }

// TrackingMix weighs the story kinds: an item gets kind k with probability
// mix[k] / (sum of the weights). Weights are relative (percentages read
// best); a nil or empty mix is DefaultTrackingMix. TrackingMix{StoryLate: 1}
// makes every item late.
type TrackingMix map[Story]float64

// DefaultTrackingMix is the realistic mix (percent): on time 80.5, late 7,
// exception 4, failed attempt 3, returned 2, not collected 1.5, refused 1,
// lost 0.5, silent 0.5.
func DefaultTrackingMix() TrackingMix {
	return TrackingMix{
		StoryOnTime:        80.5,
		StoryLate:          7,
		StoryException:     4,
		StoryFailedAttempt: 3,
		StoryReturned:      2,
		StoryNotCollected:  1.5,
		StoryRefused:       1,
		StoryLost:          0.5,
		StorySilent:        0.5,
	}
}

func (m TrackingMix) orDefault() TrackingMix {
	if len(m) == 0 {
		return DefaultTrackingMix()
	}
	return m
}

func (m TrackingMix) validate() error {
	if len(m) == 0 {
		return nil
	}
	total := 0.0
	for k, w := range m {
		if !slices.Contains(storyOrder, k) {
			return fmt.Errorf("tracking mix: unknown story %q", k)
		}
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return fmt.Errorf("tracking mix: weight %v of %s is not a finite number ≥ 0", w, k)
		}
		total += w
	}
	if total <= 0 {
		return fmt.Errorf("tracking mix: every weight is 0")
	}
	return nil
}

// StoryFor returns the story kind an item gets under seed (Options.Seed)
// and mix (Options.TrackingMix; nil is the default), Options.Story aside.
// It is a pure function of its arguments, so a test can predict it.
func StoryFor(seed int64, mix TrackingMix, itemID string) Story {
	m := mix.orDefault()
	total := 0.0
	for _, k := range storyOrder {
		if w := m[k]; w > 0 {
			total += w
		}
	}
	x := unit(seed, itemID, "story") * total
	last := StoryOnTime
	for _, k := range storyOrder {
		w := m[k]
		if w <= 0 || math.IsNaN(w) {
			continue
		}
		if x < w {
			return k
		}
		x -= w
		last = k
	}
	return last // rounding at the very top
}

// TransitDays returns the days from pickup to delivery of a shipment
// between two countries (ISO alpha-2), drawn per shipment id: within one
// country 1–2, between Nordic countries 2–3, into Norway from another
// country 3–5, anything else 4–7.
func TransitDays(seed int64, shipmentID, fromCountry, toCountry string) int {
	lo, hi := 4, 7
	switch {
	case fromCountry == toCountry:
		lo, hi = 1, 2
	case toCountry == "NO":
		lo, hi = 3, 5
	case nordic[fromCountry] && nordic[toCountry]:
		lo, hi = 2, 3
	}
	return lo + int(unit(seed, shipmentID, "transit")*float64(hi-lo+1))
}

var nordic = map[string]bool{"SE": true, "NO": true, "DK": true, "FI": true}

// CustomsStallDays returns how many days a shipment into Norway waits in
// customs, drawn per shipment id: 1 day 40 %, 2 days 30 %, 3 days 15 %,
// 4 days 10 %, 5 days 5 % (so 85 % clear within three days). Every
// shipment clears.
func CustomsStallDays(seed int64, shipmentID string) int {
	return pick(unit(seed, shipmentID, "customs"), 0.40, 0.30, 0.15, 0.10, 0.05) + 1
}

// collectDays is how long a recipient takes to collect a parcel from the
// service point: the same day 50 %, 1 day 30 %, 2 days 15 %, 3 days 5 %.
func collectDays(seed int64, itemID string) int {
	return pick(unit(seed, itemID, "collect"), 0.50, 0.30, 0.15, 0.05)
}

// pick returns the index of the share u falls in.
func pick(u float64, shares ...float64) int {
	for i, p := range shares {
		if u < p {
			return i
		}
		u -= p
	}
	return len(shares) - 1
}

// unit draws a number in [0, 1) from seed, a key and a salt: the same
// arguments give the same number on every run and every machine.
func unit(seed int64, key, salt string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(salt))
	// splitmix64's finaliser spreads FNV's weak low bits.
	z := h.Sum64() + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// Clock is a clock a test (or a demo) sets and advances; pass its Now as
// Options.Now. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
