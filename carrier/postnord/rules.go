package postnord

import (
	"regexp"
	"slices"
	"strings"

	"labelstation/carrier"
)

// Service combination rules, checked before a booking is sent so the
// packer hears about a refusal at once and in words, not as a PostNord
// fault after a round trip. Each rule names its source: "GD" is PostNord's
// General Descriptions (../shared/postnord/general-descriptions.txt),
// section and entry; "spec" is booking.swagger.json.
//
// A few add-ons follow from what the request already says, and are added
// rather than refused:
//   - A7 when a service point is chosen (the deliveryParty is the optional
//     service point; GD "A7 Optional Service Point");
//   - for MyPack Collect (19) without a notification add-on: A3 (SMS) when
//     the receiver has a phone, else A4 (e-mail), else A2 (letter) — GD
//     "19": one of A2/A3/A4 must be used;
//   - A5 when an insured value is given, D8 when a minimum age is given.
//
// FlexChange (C7), which GD "17" makes mandatory on MyPack Home, is not
// enforced: whether it applies is part of the merchant's agreement, and
// PostNord's own validation answers for it.

// nordic are the countries GD calls "the Nordics".
var nordic = map[string]bool{"SE": true, "NO": true, "DK": true, "FI": true, "IS": true, "AX": true, "FO": true, "GL": true}

// smsNumber is GD "Checks", SMS numbers: + or 00 and a country code, or a
// local number; spaces and dashes are tolerated as people type them.
var smsNumber = regexp.MustCompile(`^(\+|00)?[0-9][0-9 -]{5,18}[0-9]$`)

// emailAddress is GD "Checks": [character]@[character].[top-level domain].
var emailAddress = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)

// shipmentFacts is what the rules look at.
type shipmentFacts struct {
	code           string
	fromCountry    string
	toCountry      string
	toPostcode     string
	toPhone        string
	toEmail        string
	toName         string
	fromPhone      string
	servicePointID string
	insured        carrier.Money
	minimumAge     int
	returns        bool
}

// applyServiceRules adds the implied add-ons to svc and reports every
// broken combination rule.
func applyServiceRules(ck *checker, svc *service, f shipmentFacts) {
	has := func(code string) bool { return slices.Contains(svc.AdditionalServiceCode, code) }
	add := func(code string) {
		if !has(code) {
			svc.AdditionalServiceCode = append(svc.AdditionalServiceCode, code)
		}
	}
	const field = "service.additional"

	if f.servicePointID != "" && !f.returns {
		add("A7")
	}
	if f.insured.Amount > 0 {
		add("A5")
	}
	if f.minimumAge != 0 {
		add("D8")
	}

	switch f.code {
	case "19":
		// GD "19 PostNord MyPack Collect".
		if !has("A2") && !has("A3") && !has("A4") {
			switch {
			case f.toPhone != "":
				add("A3")
			case f.toEmail != "":
				add("A4")
			case nordic[f.toCountry]:
				add("A2")
			default:
				ck.add(field, "combination", "MyPack Collect (19) outside the Nordics needs a notification by SMS or e-mail: give the receiver a phone number or e-mail address (General Descriptions, service 19)")
			}
		}
		if has("A2") && f.toCountry != "" && !nordic[f.toCountry] {
			ck.add(field, "combination", "notification by letter (A2) is not available with MyPack Collect (19) to %s, outside the Nordics; use A3 (SMS) or A4 (e-mail) (General Descriptions, service 19)", f.toCountry)
		}
		if f.toCountry != "SE" && f.toCountry != "DK" && f.servicePointID == "" {
			ck.add("service.service_point_id", "combination", "MyPack Collect (19) to %s needs a chosen service point (A7 is mandatory there): look one up with labelstation servicepoints --country %s --postcode %s (General Descriptions, service 19)", f.toCountry, f.toCountry, f.toPostcode)
		}
	case "17":
		// GD "17 PostNord MyPack Home": SMS or e-mail is mandatory in the
		// consignee party.
		if f.toPhone == "" && f.toEmail == "" {
			ck.add("receiver.phone", "combination", "MyPack Home (17) needs the receiver's mobile number or e-mail address (General Descriptions, service 17)")
		}
		// GD "A6": not allowed on MyPack Home (17) to Norway.
		if has("A6") && f.toCountry == "NO" {
			ck.add(field, "combination", "delivery without POD (A6) is not allowed on MyPack Home (17) to Norway (General Descriptions, A6)")
		}
	case "18":
		// GD "18 PostNord Parcel": contact name and telephone are mandatory.
		if f.toName == "" || f.toPhone == "" {
			ck.add("receiver.phone", "combination", "Parcel (18) needs the receiver's contact name and phone number (General Descriptions, service 18)")
		}
		// GD "D2 Signature Assurance": on Parcel (18) only to Denmark and Sweden.
		if has("D2") && f.toCountry != "DK" && f.toCountry != "SE" {
			ck.add(field, "combination", "signature (D2) on Parcel (18) is only offered to Denmark and Sweden, not %s (General Descriptions, D2)", f.toCountry)
		}
		// GD "18": Age Check (D8) is domestic Sweden.
		if has("D8") && (f.fromCountry != "SE" || f.toCountry != "SE") {
			ck.add(field, "combination", "age check (D8) on Parcel (18) is only offered within Sweden (General Descriptions, service 18)")
		}
	case "20":
		// GD "20 PostNord Return Pickup": SMS on consignor and consignee.
		if f.toPhone == "" || f.fromPhone == "" {
			ck.add("sender.phone", "combination", "Return Pickup (20) needs a mobile number for both the customer and the merchant (General Descriptions, service 20)")
		}
	case "91":
		// GD "91 Postpaket Utrikes": not to FI, DK, EE, LV, LT, except
		// Åland (FI 22000–22999, or AX), Greenland and the Faroe Islands.
		switch f.toCountry {
		case "DK", "EE", "LV", "LT":
			ck.add("service.code", "combination", "International Parcel (91) must not be sent to %s (General Descriptions, service 91)", f.toCountry)
		case "FI":
			if !(len(f.toPostcode) == 5 && strings.HasPrefix(f.toPostcode, "22")) {
				ck.add("service.code", "combination", "International Parcel (91) must not be sent to mainland Finland, only to Åland (postcodes 22000–22999) (General Descriptions, service 91)")
			}
		}
	}

	if has("A7") && f.servicePointID == "" {
		// GD "A7 Optional Service Point": a delivery address is mandatory.
		ck.add("service.service_point_id", "combination", "optional service point (A7) needs the chosen service point's id (General Descriptions, A7)")
	}
	if has("A3") && (f.toPhone == "" || !smsNumber.MatchString(f.toPhone)) {
		// GD "A3" and "Checks", SMS numbers.
		ck.add("receiver.phone", "combination", "notification by SMS (A3) needs the receiver's mobile number, like +46701234567 (General Descriptions, A3 and Checks); got %q", f.toPhone)
	}
	if has("A4") && (f.toEmail == "" || !emailAddress.MatchString(f.toEmail)) {
		// GD "A4" and "Checks", e-mail addresses.
		ck.add("receiver.email", "combination", "notification by e-mail (A4) needs the receiver's e-mail address, like name@example.se (General Descriptions, A4 and Checks); got %q", f.toEmail)
	}
	if has("A5") {
		// GD "A5 Insurance"; spec definitions/insurance requires
		// insuranceAmount with amount and a 3-letter currency.
		if f.insured.Amount <= 0 || len(f.insured.Currency) != 3 {
			ck.add("options.insured_value", "combination", "insurance (A5) needs the insured value and its currency, e.g. 2500 SEK (General Descriptions, A5)")
		}
	}
	if has("C2") && f.fromCountry != "SE" {
		// GD "C2 Print Return Label": introduced in Sweden.
		ck.add(field, "combination", "print return label (C2) is only offered to consignors in Sweden (General Descriptions, C2)")
	}
	if has("D8") && f.minimumAge != 16 && f.minimumAge != 18 && f.minimumAge != 20 {
		// GD "D8 Age Check": reference ZAG with 16, 18 or 20 only.
		ck.add("options.minimum_age", "combination", "age check (D8) needs the minimum age 16, 18 or 20 (General Descriptions, D8); got %d", f.minimumAge)
	}
}
