package sandbox

import (
	"strconv"
	"strings"
	"time"
)

// storyEvent is one planned Track & Trace event of an item.
type storyEvent struct {
	at                 time.Time
	code, status, text string
	loc                ttLocation
	customs            bool // the item is held in customs from this event on
}

// storyPlan is an item's whole story, told or not yet: its events in time
// order and the estimated time of arrival promised at booking.
type storyPlan struct {
	events []storyEvent
	eta    time.Time
}

const codeReturnedToSender = "RETURNED_TO_SENDER"

// Hours of the pickup day, Stockholm local. A booking after the cutoff is
// picked up the next day (as the transit time endpoint says).
const pickupCutoffHour = 14

// plan returns the item's story. Realistic stories are planned at real
// pace in Stockholm local time, then paced (see Options.TrackingStep) and
// made safe to write as zone-less local time.
func (s *Server) plan(it trackedItem) storyPlan {
	if it.story == "" {
		it.story = s.chooseStory(it.itemID)
	}
	var p storyPlan
	if it.story == StoryStepped {
		p = s.steppedPlan(it)
	} else {
		p = s.realisticPlan(it)
		for i := range p.events {
			p.events[i].at = s.paced(it.bookedAt, p.events[i].at)
		}
		p.eta = s.paced(it.bookedAt, p.eta)
	}
	// Whole seconds (the wire has no more), strictly increasing, and never
	// in the first pass of the hour repeated when clocks go back: a
	// zone-less local time there reads back as the second pass, an hour
	// later. Such an event moves to the end of that hour (the first, the
	// booking's own, to just before it, so a fresh booking is tracked at
	// once).
	var prev time.Time
	for i := range p.events {
		t := p.events[i].at.Truncate(time.Second)
		if i == 0 {
			t = unambiguous(t, -1)
		} else {
			if !t.After(prev) {
				t = prev.Add(time.Second)
			}
			t = unambiguous(t, +1)
		}
		p.events[i].at, prev = t, t
	}
	if !p.eta.IsZero() {
		p.eta = unambiguous(p.eta.Truncate(time.Second), +1)
	}
	return p
}

// paced maps a time planned at real pace to the sandbox's pace: one story
// hour takes TrackingStep, counted from booking.
func (s *Server) paced(bookedAt, t time.Time) time.Time {
	if s.step == time.Hour {
		return t
	}
	d := float64(t.Sub(bookedAt)) * float64(s.step) / float64(time.Hour)
	return bookedAt.Add(time.Duration(d))
}

// unambiguous returns t if, written as Stockholm local time, it reads
// back as the same instant; otherwise the next whole hour after it (dir
// +1) or the last second before its hour (dir -1) that does.
func unambiguous(t time.Time, dir int) time.Time {
	for range 3 {
		back, err := time.ParseInLocation(ttTimeLayout, t.In(stockholm).Format(ttTimeLayout), stockholm)
		if err == nil && back.Equal(t) {
			return t
		}
		// Stockholm's hours are UTC's hours.
		if dir < 0 {
			t = t.Truncate(time.Hour).Add(-time.Second)
		} else {
			t = t.Truncate(time.Hour).Add(time.Hour)
		}
	}
	return t
}

// places are the locations of an item's story.
type places struct {
	edi, originTerminal, originHub, destHub, depot, door, sp, sp2, customs, sender ttLocation
}

func placesOf(it trackedItem) places {
	from3, to3 := alpha3(it.fromCountry), alpha3(it.toCountry)
	spID := it.servicePoint
	if spID == "" {
		spID = "SP-" + it.toPostcode
	}
	alt := "SP-" + it.toPostcode + "-2"
	fromHub, toHub := hubCity(it.fromCountry, it.fromCity), hubCity(it.toCountry, it.toCity)
	return places{
		edi:            ttLocation{LocationID: "EDI", LocationType: "UNDEF", CountryCode: from3, City: it.fromCity, Name: "Electronic information"},
		originTerminal: ttLocation{LocationID: "T-" + from3, LocationType: "DEPOT", CountryCode: from3, City: it.fromCity, Name: "PostNord terminal " + it.fromCity},
		originHub:      ttLocation{LocationID: "H-" + from3, LocationType: "HUB", CountryCode: from3, City: fromHub, Name: "PostNord terminal " + fromHub},
		destHub:        ttLocation{LocationID: "H-" + to3, LocationType: "HUB", CountryCode: to3, City: toHub, Name: "PostNord terminal " + toHub},
		depot:          ttLocation{LocationID: "D-" + it.toPostcode, LocationType: "DEPOT", CountryCode: to3, City: it.toCity, Name: "Delivery depot " + it.toCity},
		door:           ttLocation{LocationID: "C-" + it.toPostcode, LocationType: "CUSTOMER_LOCATION", CountryCode: to3, City: it.toCity},
		sp:             ttLocation{LocationID: spID, LocationType: "SERVICE_POINT", CountryCode: to3, City: it.toCity, Name: "Service point " + spID},
		sp2:            ttLocation{LocationID: alt, LocationType: "SERVICE_POINT", CountryCode: to3, City: it.toCity, Name: "Service point " + alt},
		customs:        ttLocation{LocationID: "C-NOR", LocationType: "HUB", CountryCode: "NOR", City: "Oslo", Name: "PostNord customs terminal Oslo"},
		sender:         ttLocation{LocationID: "S-" + from3, LocationType: "CUSTOMER_LOCATION", CountryCode: from3, City: it.fromCity, Name: "Sender"},
	}
}

// hubCity is where PostNord's main terminal of a country is.
func hubCity(country, fallback string) string {
	switch country {
	case "SE":
		return "Hallsberg"
	case "NO":
		return "Lørenskog"
	case "DK":
		return "Brøndby"
	case "FI":
		return "Vantaa"
	}
	return fallback
}

// realisticPlan plans the item's story kind at real pace (see Story).
func (s *Server) realisticPlan(it trackedItem) storyPlan {
	seed, id := s.seed, it.itemID
	pl := placesOf(it)
	home := !(it.servicePoint != "" || it.service == "19")
	transit := TransitDays(seed, it.shipmentID, it.fromCountry, it.toCountry)
	intoNorway := it.toCountry == "NO" && it.fromCountry != "NO"

	local := it.bookedAt.In(stockholm)
	y, m, d := local.Date()
	if local.Hour() >= pickupCutoffHour {
		d++
	}
	// at is hh:mm on pickup day + day, plus up to spread minutes drawn
	// for this item and event (salt). Every window lies between 04:00 and
	// 23:59, away from the hours clocks change at.
	at := func(day, hh, mm, spread int, salt string) time.Time {
		t := time.Date(y, m, d+day, hh, mm, 0, 0, stockholm)
		if spread > 0 {
			t = t.Add(time.Duration(unit(seed, id, salt) * float64(spread) * float64(time.Minute)))
		}
		return t
	}

	p := storyPlan{eta: at(transit, 17, 0, 0, "")}
	add := func(t time.Time, code, status, text string, loc ttLocation) {
		p.events = append(p.events, storyEvent{at: t, code: code, status: status, text: text, loc: loc})
	}
	add(it.bookedAt, "EDI_RECEIVED", "CREATED", "The shipment item has been pre-advised: PostNord has received the shipment information", pl.edi)
	if it.story == StorySilent {
		return p
	}
	add(at(0, 15, 0, 120, "handin"), "HANDED_IN", "EN_ROUTE", "The shipment item has been handed in at the terminal", pl.originTerminal)
	add(at(0, 20, 0, 120, "sort"), "SORTED", "EN_ROUTE", "The shipment item has been sorted at the terminal", pl.originHub)
	if it.story == StoryLost {
		return p
	}

	shift := 0 // days lost at the origin
	if it.story == StoryException {
		if unit(seed, id, "variant") < 0.5 {
			add(at(0, 22, 30, 60, "stop"), "DAMAGED", "STOPPED", "The shipment item has been damaged and is being repacked", pl.originHub)
			add(at(1, 10, 0, 120, "resume"), "REPACKED", "EN_ROUTE", "The shipment item has been repacked and continues its journey", pl.originHub)
		} else {
			add(at(0, 22, 30, 60, "stop"), "ADDRESS_CHECK", "STOPPED", "The address is incomplete: PostNord is checking the delivery address", pl.originHub)
			add(at(1, 10, 0, 120, "resume"), "ADDRESS_CORRECTED", "EN_ROUTE", "The delivery address has been corrected and the shipment item continues its journey", pl.originHub)
		}
		shift = 1
	}

	// The day of delivery (or arrival at the service point), counted
	// from pickup.
	day := shift + transit
	hold, clear := -1, -1
	if intoNorway {
		stall := CustomsStallDays(seed, it.shipmentID)
		hold, clear = shift+1, shift+1+stall
		day = max(day, clear+1)
	}
	delayed := -1
	if it.story == StoryLate {
		delayed = day
		day += 1 + int(unit(seed, id, "late")*2)
	}
	crossBorder := it.fromCountry != it.toCountry
	for n := shift + 1; n < day; n++ {
		switch {
		case n == hold:
			p.events = append(p.events, storyEvent{at: at(n, 6, 0, 60, "hold"), code: "CUSTOMS_HOLD", status: "EXPECTED_DELAY",
				text: "The shipment item is awaiting customs clearance", loc: pl.customs, customs: true})
		case n > hold && n < clear:
			// In customs: no scans.
		case n == clear:
			add(at(n, 9, 0, 60, "clear"), "CUSTOMS_CLEARED", "EN_ROUTE", "The shipment item has been cleared by customs", pl.customs)
		default:
			loc := pl.originHub
			if crossBorder || n == day-1 {
				loc = pl.destHub
			}
			add(at(n, 5, 0, 60, "scan"+strconv.Itoa(n)), "ARRIVED_TERMINAL", "EN_ROUTE", "The shipment item has arrived at the terminal", loc)
		}
		if n == delayed {
			add(at(n, 6, 0, 60, "delay"), "DELAYED", "DELAYED", "The shipment item is delayed. We apologise for the inconvenience", pl.destHub)
		}
	}
	add(at(day, 4, 0, 45, "depot"), "ARRIVED_DELIVERY_TERMINAL", "EN_ROUTE", "The shipment item has arrived at the delivery terminal", pl.depot)

	// The last mile.
	outForDelivery := func(n int) {
		add(at(n, 7, 0, 60, "out"+strconv.Itoa(n)), "OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY", "The shipment item is out for delivery", pl.depot)
	}
	atDoor := func(n int) time.Time { return at(n, 9, 0, 7*60, "door"+strconv.Itoa(n)) }
	arriveSP := func(n int, sp ttLocation) {
		add(at(n, 9, 0, 120, "sp"+strconv.Itoa(n)), "ARRIVED_SP", "AVAILABLE_FOR_DELIVERY", "The shipment item is available for collection at the service point", sp)
	}
	// atCounter is when the recipient comes to the service point n days
	// after the parcel arrived there.
	atCounter := func(arrived, n int) time.Time {
		if n == 0 {
			return at(arrived, 15, 0, 5*60, "counter")
		}
		return at(arrived+n, 11, 0, 9*60, "counter")
	}
	returnToSender := func(n int, from ttLocation) {
		add(at(n, 6, 0, 60, "return"), "RETURN_STARTED", "RETURNED", "The shipment item is on its way back to the sender", from)
		add(at(n+transit, 10, 0, 5*60, "returned"), codeReturnedToSender, "RETURNED", "The shipment item has been returned to the sender", pl.sender)
	}
	collect := func(arrived int, sp ttLocation) {
		add(atCounter(arrived, collectDays(seed, id)), "COLLECTED", "DELIVERED", "The shipment item has been collected at the service point", sp)
	}
	failAtDoor := func(n int) {
		outForDelivery(n)
		add(atDoor(n), "DELIVERY_ATTEMPT_FAILED", "DELIVERY_IMPOSSIBLE",
			"Delivery attempt failed: nobody was at home. The shipment item will be available at a service point", pl.door)
	}

	switch it.story {
	case StoryReturned:
		add(at(day, 5, 0, 50, "address"), "ADDRESS_UNKNOWN", "DELIVERY_IMPOSSIBLE",
			"The delivery address could not be found. The shipment item will be returned to the sender", pl.depot)
		returnToSender(day+1, pl.destHub)
	case StoryRefused:
		if home {
			outForDelivery(day)
			add(atDoor(day), "DELIVERY_REFUSED", "DELIVERY_REFUSED", "The recipient refused to accept the shipment item", pl.door)
			returnToSender(day+1, pl.depot)
		} else {
			arriveSP(day, pl.sp)
			c := collectDays(seed, id)
			add(atCounter(day, c), "DELIVERY_REFUSED", "DELIVERY_REFUSED", "The recipient refused to accept the shipment item at the service point", pl.sp)
			returnToSender(day+c+1, pl.sp)
		}
	case StoryNotCollected:
		arrived, sp := day, pl.sp
		if home {
			failAtDoor(day)
			arrived, sp = day+1, pl.sp2
		}
		arriveSP(arrived, sp)
		add(at(arrived+3, 8, 0, 60, "reminder"), "REMINDER_SENT", "AVAILABLE_FOR_DELIVERY",
			"A reminder to collect the shipment item has been sent to the recipient", sp)
		add(at(arrived+8, 8, 0, 60, "return"), "NOT_COLLECTED", "RETURNED",
			"The shipment item was not collected within 7 days and is being returned to the sender", sp)
		add(at(arrived+8+transit, 10, 0, 5*60, "returned"), codeReturnedToSender, "RETURNED", "The shipment item has been returned to the sender", pl.sender)
	case StoryFailedAttempt:
		if home {
			failAtDoor(day)
		} else {
			add(at(day, 9, 0, 120, "spfail"), "SP_UNAVAILABLE", "DELIVERY_IMPOSSIBLE",
				"The service point could not receive the shipment item. It will be available at another service point", pl.sp)
		}
		arriveSP(day+1, pl.sp2)
		collect(day+1, pl.sp2)
	default: // on time, late, exception
		if home {
			outForDelivery(day)
			add(atDoor(day), "DELIVERED", "DELIVERED", "The shipment item has been delivered", pl.door)
		} else {
			arriveSP(day, pl.sp)
			collect(day, pl.sp)
		}
	}
	return p
}

// steppedPlan is the original story (StoryStepped): one event per
// TrackingStep after booking: information received (CREATED), handed in
// and sorted (EN_ROUTE), available for delivery at the service point or
// out for delivery, delivered. Two detours:
//   - into Norway from another country the item stops in customs
//     (EXPECTED_DELAY, stoppedInCustoms) for three steps before it is
//     cleared;
//   - a home delivery to a postcode ending in 0 finds nobody at home: the
//     first attempt fails (DELIVERY_IMPOSSIBLE) and the item goes out
//     again a step later.
//
// Its ETA is the time of its last event.
func (s *Server) steppedPlan(it trackedItem) storyPlan {
	pl := placesOf(it)
	to3 := alpha3(it.toCountry)
	atServicePoint := it.servicePoint != "" || it.service == "19"

	type step struct {
		code, status, text string
		loc                ttLocation
		wait               int  // steps after the previous event; 0 means 1
		customs            bool // the item is held in customs from this event on
	}
	customs := it.toCountry == "NO" && it.fromCountry != "NO"
	steps := []step{
		{code: "EDI_RECEIVED", status: "CREATED", text: "The shipment item has been pre-advised: PostNord has received the shipment information", loc: pl.edi},
		{code: "HANDED_IN", status: "EN_ROUTE", text: "The shipment item has been handed in at the terminal", loc: pl.originTerminal},
	}
	if customs {
		steps = append(steps,
			step{code: "CUSTOMS_HOLD", status: "EXPECTED_DELAY", text: "The shipment item is awaiting customs clearance", loc: pl.customs, customs: true},
			step{code: "CUSTOMS_CLEARED", status: "EN_ROUTE", text: "The shipment item has been cleared by customs", loc: pl.customs, wait: 3})
	}
	steps = append(steps, step{code: "SORTED", status: "EN_ROUTE", text: "The shipment item has been sorted at the terminal",
		loc: ttLocation{LocationID: "H-" + to3, LocationType: "HUB", CountryCode: to3, City: it.toCity, Name: "PostNord terminal " + it.toCity}})
	if atServicePoint {
		steps = append(steps,
			step{code: "ARRIVED_SP", status: "AVAILABLE_FOR_DELIVERY", text: "The shipment item is available for collection at the service point", loc: pl.sp},
			step{code: "COLLECTED", status: "DELIVERED", text: "The shipment item has been collected at the service point", loc: pl.sp})
	} else {
		out := step{code: "OUT_FOR_DELIVERY", status: "AVAILABLE_FOR_DELIVERY", text: "The shipment item is out for delivery", loc: pl.depot}
		steps = append(steps, out)
		if strings.HasSuffix(it.toPostcode, "0") {
			steps = append(steps,
				step{code: "DELIVERY_ATTEMPT_FAILED", status: "DELIVERY_IMPOSSIBLE", text: "Delivery attempt failed: nobody was at home. A new attempt is made on the next working day", loc: pl.door},
				out)
		}
		steps = append(steps, step{code: "DELIVERED", status: "DELIVERED", text: "The shipment item has been delivered", loc: pl.door})
	}

	var p storyPlan
	at := it.bookedAt
	for i, st := range steps {
		if i > 0 {
			at = at.Add(time.Duration(max(st.wait, 1)) * s.step)
		}
		p.events = append(p.events, storyEvent{at: at, code: st.code, status: st.status, text: st.text, loc: st.loc, customs: st.customs})
	}
	p.eta = at
	return p
}
