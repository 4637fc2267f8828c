package postnord

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"labelstation/carrier"
)

// Codes and units of the ediInstruction (booking.swagger.json and the
// General Descriptions).
const (
	// updateOriginal is the only update indicator this client sends.
	// "Deletion" has been seen to book a duplicate instead of cancelling,
	// and "Update" is not supported outside Sweden.
	updateOriginal          = "Original"
	partyIDTypeCustomer     = "160" // customer number
	partyIDTypeServicePoint = "156" // service point id, in deliveryParty
	referenceTypeConsignor  = "CU"  // consignor's reference number
	referenceTypeAge        = "ZAG" // minimum age, with additional service D8
	packageTypeParcel       = "PC"
	unitKilogram            = "KGM"
	unitCentimetre          = "CMT"
	itemIDAllocate          = "0" // PostNord allocates the item id
	defaultReturnService    = "24"
)

// Field limits from the swagger definitions. Lengths count characters
// (runes), as JSON Schema does.
const (
	maxName        = 60 // name, companyName
	maxAddressLine = 50 // addressLine
	maxCity        = 35 // city
	maxContactName = 50 // contactName
	maxEmail       = 70 // emailAddress
	maxPhone       = 50 // phoneNo, smsNo
	maxPartyID     = 17 // partyId
	maxReferenceNo = 35 // referenceNo
	maxServiceCode = 10 // basicServiceCode, additionalServiceCode
	maxItems       = 200
)

// returnServices are the basic services of the return endpoints.
var returnServices = map[string]bool{"20": true, "22": true, "24": true}

// issuerByCountry is the PostNord company that issues customer numbers in
// the consignor's country (General Descriptions, "Issuer Codes").
var issuerByCountry = map[string]string{"DK": "Z11", "SE": "Z12", "NO": "Z13", "FI": "Z14"}

// customerNumberDigits is the General Descriptions' check on the number
// of digits in a paying customer number, per issuer.
var customerNumberDigits = map[string][]int{
	"Z11": {8, 9}, // Denmark: groupage 8, parcels 9
	"Z12": {8, 10},
	"Z13": {7},
	"Z14": {8, 10},
	"ZDL": nil, // Direct Link: any length up to partyId's 17
}

// checker collects every problem with a request, so the packer sees them
// all at once instead of fixing one per attempt.
type checker struct{ faults []carrier.Fault }

func (ck *checker) add(field, code, format string, args ...any) {
	ck.faults = append(ck.faults, carrier.Fault{Code: code, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (ck *checker) required(field, v, what string) bool {
	if v == "" {
		ck.add(field, "required", "%s is missing", what)
		return false
	}
	return true
}

func (ck *checker) maxLen(field, v, what string, max int) {
	if n := utf8.RuneCountInString(v); n > max {
		ck.add(field, "too_long", "%s is %d characters, PostNord allows %d: %q", what, n, max, v)
	}
}

// bookingInstruction builds the ediInstruction for req and checks it
// against the spec's limits.
func (c *Client) bookingInstruction(req carrier.BookingRequest, now time.Time) (ediInstruction, []carrier.Fault) {
	ck := &checker{}
	svc := checkService(ck, req.Service, "")
	issuer, pid := checkConsignor(ck, req.Consignor)
	receiver := partyFromAddress(ck, "receiver", "receiver", req.Receiver)

	sh := shipmentCustomsv2{
		DateAndTimes: &dateAndTimes{LoadingDate: now.UTC().Format(time.RFC3339)},
		Service:      svc,
		References:   orderReference(ck, req.OrderRef),
		Parties: parties{
			Consignor: consignor{IssuerCode: issuer, PartyIdentification: pid,
				Party: partyFromAddress(ck, "consignor.address", "sender", req.Consignor.Address)},
			Consignee: &consignee{Party: receiver},
		},
	}
	if sp := strings.TrimSpace(req.Service.ServicePointID); sp != "" {
		ck.maxLen("service.service_point_id", sp, "service point id", maxPartyID)
		// deliveryParty requires a party with name and address. The model
		// carries only the service point's id, and PostNord routes on the
		// id, so the receiver's own name and address fill the party.
		sh.Parties.DeliveryParty = &deliveryParty{
			PartyIdentification: &partyIdentification{PartyID: sp, PartyIDType: partyIDTypeServicePoint},
			Party:               party{NameIdentification: receiver.NameIdentification, Address: receiver.Address},
		}
	}
	sh.GoodsItem, sh.TotalGrossWeight = goodsItems(ck, req.Parcels, true)
	sh.NumberOfPackages = &quantity{Value: len(sh.GoodsItem)}

	o := req.Options
	if note := strings.TrimSpace(o.DeliveryNote); note != "" {
		// freeText DEL: a delivery instruction such as a door code.
		ck.maxLen("options.delivery_note", note, "delivery note", 1000)
		sh.FreeText = append(sh.FreeText, freeText{UsageCode: "DEL", Text: note})
	}
	if o.InsuredValue.Amount > 0 {
		sh.Insurance = &insurance{InsuranceAmount: amount{Amount: o.InsuredValue.Amount, Currency: strings.ToUpper(strings.TrimSpace(o.InsuredValue.Currency))}}
	}
	if o.MinimumAge != 0 {
		// GD "D8 Age Check": the age is a reference of type ZAG on each item.
		for i := range sh.GoodsItem {
			for j := range sh.GoodsItem[i].Items {
				sh.GoodsItem[i].Items[j].References = []reference{{ReferenceNo: fmt.Sprint(o.MinimumAge), ReferenceType: referenceTypeAge}}
			}
		}
	}
	applyServiceRules(ck, &sh.Service, shipmentFacts{
		code: sh.Service.BasicServiceCode, fromCountry: sh.Parties.Consignor.Party.Address.CountryCode,
		toCountry: receiver.Address.CountryCode, toPostcode: receiver.Address.PostalCode,
		toPhone: strings.TrimSpace(req.Receiver.Phone), toEmail: strings.TrimSpace(req.Receiver.Email),
		toName: receiver.NameIdentification.Name, fromPhone: strings.TrimSpace(req.Consignor.Address.Phone),
		servicePointID: strings.TrimSpace(req.Service.ServicePointID), insured: o.InsuredValue, minimumAge: o.MinimumAge,
	})
	if len(ck.faults) == 0 {
		// Customs last: its faults name the missing customs data only once
		// the rest of the shipment is in order.
		addCustoms(ck, &sh, req, now)
	}
	if to, from := receiver.Address.CountryCode, sh.Parties.Consignor.Party.Address.CountryCode; to == "NO" && from != "NO" {
		// GD "Return Party": to Norway from elsewhere, the return party
		// must be a Norwegian address.
		rp := norwegianReturnParty(sh.Parties.Consignor.Party.NameIdentification.Name, deliveryPartyID(sh))
		if a := req.Consignor.ReturnAddressNO; strings.TrimSpace(a.Street1) != "" {
			if c := strings.ToUpper(strings.TrimSpace(a.Country)); c != "" && c != "NO" {
				ck.add("consignor.return_address_no.country", "invalid", "the Norwegian return address is in %s; PostNord needs an address in Norway (General Descriptions, Return Party)", c)
			}
			a.Country = "NO"
			rp = partyFromAddress(ck, "consignor.return_address_no", "Norwegian return address", a)
			rp.Contact = nil
		}
		sh.Parties.ReturnParty = &returnParty{Party: rp}
	}
	edi := c.instruction(now, sh)
	edi.TestIndicator = o.ValidateOnly
	return edi, ck.faults
}

func deliveryPartyID(sh shipmentCustomsv2) string {
	if d := sh.Parties.DeliveryParty; d != nil && d.PartyIdentification != nil {
		return d.PartyIdentification.PartyID
	}
	return ""
}

// returnInstruction builds the ediInstruction for a return. Following the
// General Descriptions for Return Drop Off (24): the customer who sends
// the parcel back is the consignor, the merchant is the consignee and
// carries the customer number. The schema also requires the consignor's
// issuer code and party identification, so the merchant's customer number
// goes there too: it is the merchant's contract that pays.
func (c *Client) returnInstruction(req carrier.ReturnRequest, now time.Time) (ediInstruction, []carrier.Fault) {
	ck := &checker{}
	svc := checkService(ck, req.Service, defaultReturnService)
	issuer, pid := checkConsignor(ck, req.Consignor)
	sh := shipmentCustomsv2{
		DateAndTimes: &dateAndTimes{LoadingDate: now.UTC().Format(time.RFC3339)},
		Service:      svc,
		References:   orderReference(ck, req.OrderRef),
		Parties: parties{
			Consignor: consignor{IssuerCode: issuer, PartyIdentification: pid,
				Party: partyFromAddress(ck, "sender", "sender", req.Sender)},
			Consignee: &consignee{IssuerCode: issuer, PartyIdentification: &pid,
				Party: partyFromAddress(ck, "consignor.address", "return receiver", req.Consignor.Address)},
		},
	}
	code := sh.Service.BasicServiceCode
	if code != "" && !returnServices[code] {
		ck.add("service.code", "invalid", "service %s is not a return service; use 24 (Return Drop Off), 20 or 22 (Return Pickup)", code)
	}
	applyServiceRules(ck, &sh.Service, shipmentFacts{
		code: code, returns: true,
		fromCountry: sh.Parties.Consignor.Party.Address.CountryCode, toCountry: sh.Parties.Consignee.Party.Address.CountryCode,
		// For a return pickup both ends need SMS: the customer (consignor
		// here) and the merchant.
		toPhone: strings.TrimSpace(req.Sender.Phone), fromPhone: strings.TrimSpace(req.Consignor.Address.Phone),
		toEmail: strings.TrimSpace(req.Sender.Email), toName: sh.Parties.Consignor.Party.NameIdentification.Name,
	})
	if from, merchant := sh.Parties.Consignor.Party.Address.CountryCode, sh.Parties.Consignee.Party.Address.CountryCode; from == "NO" && merchant != "NO" {
		// GD "24 Return Drop Off", Norway: a return from Norway goes to an
		// address in Norway; unless the merchant has one, PostNord's.
		if a := req.Consignor.ReturnAddressNO; strings.TrimSpace(a.Street1) != "" {
			a.Country = "NO"
			sh.Parties.Consignee.Party = partyFromAddress(ck, "consignor.return_address_no", "Norwegian return address", a)
		} else {
			sh.Parties.Consignee.Party = norwegianReturnParty(sh.Parties.Consignee.Party.NameIdentification.Name, "")
		}
	}
	parcels := req.Parcels
	if len(parcels) == 0 {
		// A return label is usually asked for before anyone has weighed
		// the return; one parcel of unknown weight.
		parcels = []carrier.Parcel{{}}
	}
	sh.GoodsItem, sh.TotalGrossWeight = goodsItems(ck, parcels, false)
	sh.NumberOfPackages = &quantity{Value: len(sh.GoodsItem)}
	return c.instruction(now, sh), ck.faults
}

func (c *Client) instruction(now time.Time, sh shipmentCustomsv2) ediInstruction {
	app := c.app
	return ediInstruction{
		MessageDate:     now.UTC().Format(time.RFC3339),
		Application:     &app,
		UpdateIndicator: updateOriginal,
		Shipment:        []shipmentCustomsv2{sh},
	}
}

func checkService(ck *checker, s carrier.Service, def string) service {
	code := strings.TrimSpace(s.Code)
	if code == "" {
		code = def
	}
	if ck.required("service.code", code, "service code") {
		ck.maxLen("service.code", code, "service code", maxServiceCode)
	}
	svc := service{BasicServiceCode: code}
	for i, a := range s.Additional {
		a = strings.TrimSpace(a)
		field := fmt.Sprintf("service.additional[%d]", i)
		if ck.required(field, a, "additional service code") {
			ck.maxLen(field, a, "additional service code", maxServiceCode)
		}
		svc.AdditionalServiceCode = append(svc.AdditionalServiceCode, a)
	}
	return svc
}

// checkConsignor returns the issuer code (from the consignor, or derived
// from its country) and the customer number as partyIdentification.
func checkConsignor(ck *checker, c carrier.Consignor) (string, partyIdentification) {
	issuer := strings.ToUpper(strings.TrimSpace(c.IssuerCode))
	if issuer == "" {
		issuer = issuerByCountry[strings.ToUpper(strings.TrimSpace(c.Address.Country))]
	}
	digits, known := customerNumberDigits[issuer]
	switch {
	case issuer == "":
		ck.add("consignor.issuer_code", "required", "issuer code is missing (Z11 DK, Z12 SE, Z13 NO, Z14 FI)")
	case !known:
		ck.add("consignor.issuer_code", "invalid", "issuer code %q is not one of Z11, Z12, Z13, Z14, ZDL", issuer)
	}
	num := strings.TrimSpace(c.CustomerNumber)
	if ck.required("consignor.customer_number", num, "customer number") {
		switch {
		case !isDigits(num):
			ck.add("consignor.customer_number", "invalid", "customer number %q must be digits only", num)
		case len(num) > maxPartyID:
			ck.maxLen("consignor.customer_number", num, "customer number", maxPartyID)
		case len(digits) > 0 && !slices.Contains(digits, len(num)):
			ck.add("consignor.customer_number", "invalid", "customer number %q has %d digits; issuer %s numbers have %s",
				num, len(num), issuer, joinInts(digits, " or "))
		}
	}
	return issuer, partyIdentification{PartyID: num, PartyIDType: partyIDTypeCustomer}
}

// partyFromAddress maps a neutral address to a party and checks it.
// field prefixes fault fields ("receiver.street1"); who names the party
// in messages.
func partyFromAddress(ck *checker, field, who string, a carrier.Address) party {
	name, company := strings.TrimSpace(a.Name), strings.TrimSpace(a.Company)
	if name == "" {
		// PostNord requires a name; a company-only address uses the
		// company as its name.
		name, company = company, ""
	}
	if ck.required(field+".name", name, who+" name") {
		ck.maxLen(field+".name", name, who+" name", maxName)
	}
	ck.maxLen(field+".company", company, who+" company", maxName)

	var streets []string
	for i, s := range []string{a.Street1, a.Street2} {
		s = strings.TrimSpace(s)
		f := fmt.Sprintf("%s.street%d", field, i+1)
		if s == "" {
			if i == 0 {
				ck.add(f, "required", "%s street is missing", who)
			}
			continue
		}
		ck.maxLen(f, s, who+" street line", maxAddressLine)
		streets = append(streets, s)
	}
	postcode := strings.TrimSpace(a.Postcode)
	ck.required(field+".postcode", postcode, who+" postcode")
	city := strings.TrimSpace(a.City)
	if ck.required(field+".city", city, who+" city") {
		ck.maxLen(field+".city", city, who+" city", maxCity)
	}
	country := strings.ToUpper(strings.TrimSpace(a.Country))
	if ck.required(field+".country", country, who+" country") && (len(country) != 2 || !isUpperLetters(country)) {
		ck.add(field+".country", "invalid", "%s country %q is not a two-letter ISO 3166 code", who, a.Country)
	}

	p := party{
		NameIdentification: nameIdentification{Name: name, CompanyName: company},
		Address:            address{Streets: streets, PostalCode: postcode, City: city, CountryCode: country},
	}
	email, phone := strings.TrimSpace(a.Email), strings.TrimSpace(a.Phone)
	ck.maxLen(field+".email", email, who+" e-mail", maxEmail)
	ck.maxLen(field+".phone", phone, who+" phone", maxPhone)
	if name != "" {
		// Some services (18 Parcel) need a contact name; it is only a name
		// for the driver, so a long one is shortened rather than refused.
		p.Contact = &contact{ContactName: truncateRunes(name, maxContactName), EmailAddress: email, PhoneNo: phone, SmsNo: phone}
	}
	return p
}

func orderReference(ck *checker, ref string) []reference {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	ck.maxLen("order_ref", ref, "order reference", maxReferenceNo)
	return []reference{{ReferenceNo: ref, ReferenceType: referenceTypeConsignor}}
}

// goodsItems maps parcels to one goods item each. PostNord allocates the
// item id unless the parcel carries its own (see ownItemID). needWeight
// refuses parcels without a weight: outgoing parcels are always weighed at
// the bench, and PostNord prices on it.
func goodsItems(ck *checker, parcels []carrier.Parcel, needWeight bool) ([]goodsItem, *weight) {
	switch {
	case len(parcels) == 0:
		ck.add("parcels", "required", "no parcels")
		return nil, nil
	case len(parcels) > maxItems:
		ck.add("parcels", "too_many", "%d parcels, PostNord allows %d per shipment", len(parcels), maxItems)
	}
	out := make([]goodsItem, 0, len(parcels))
	var total carrier.Weight
	ownIDs := map[string]int{} // own item id → parcel index, to refuse one id on two parcels
	for i, p := range parcels {
		it := item{ItemIdentification: itemIdentification{ItemID: itemIDAllocate}}
		if p.ItemID != "" {
			it.ItemIdentification = ownItemID(ck, i, p)
			if first, dup := ownIDs[it.ItemIdentification.ItemID]; dup {
				ck.add(fmt.Sprintf("parcels[%d].item_id", i), "duplicate", "parcel %d has the item id %s of parcel %d; every parcel needs its own", i+1, p.ItemID, first+1)
			} else {
				ownIDs[it.ItemIdentification.ItemID] = i
			}
		}
		switch {
		case p.Weight < 0:
			ck.add(fmt.Sprintf("parcels[%d].weight_g", i), "invalid", "parcel %d has a negative weight", i+1)
		case p.Weight == 0 && needWeight:
			ck.add(fmt.Sprintf("parcels[%d].weight_g", i), "required", "parcel %d has no weight", i+1)
		case p.Weight > 0:
			it.GrossWeight = &weight{Value: p.Weight.Kilograms(), Unit: unitKilogram}
			total += p.Weight
		}
		it.Dimensions = dimensions(p.Dimensions)
		out = append(out, goodsItem{PackageTypeCode: packageTypeParcel, Items: []item{it}})
	}
	if total == 0 {
		return out, nil
	}
	return out, &weight{Value: total.Kilograms(), Unit: unitKilogram}
}

// ownItemID is the itemIdentification of a parcel that brings its own id
// from the consignor's allotted series (an offline label printed before
// booking). Only the shape is checked here, so a mistyped id is refused
// naming the parcel before anything is sent; whether the id belongs to
// the series, its check digit and that it was never used before are the
// station's to know. An empty ItemIDType is taken from the shape.
//
// PostNord wants an SSCC in its 20-digit form, the application
// identifier "00" in front of the 18 digits (booking.swagger.json's
// itemId example "00373500489530470000"; the README's facts page), and
// answers and tracks it in that form, so a bare 18-digit SSCC gets the
// "00" here.
func ownItemID(ck *checker, i int, p carrier.Parcel) itemIdentification {
	id, field := p.ItemID, fmt.Sprintf("parcels[%d].item_id", i)
	typ := strings.ToUpper(strings.TrimSpace(p.ItemIDType))
	if typ == "" {
		typ = carrier.ItemIDS10
		if isDigits(id) {
			typ = carrier.ItemIDSSCC
		}
	}
	switch typ {
	case carrier.ItemIDSSCC:
		switch {
		case len(id) == 18 && isDigits(id):
			id = "00" + id
		case len(id) == 20 && isDigits(id) && strings.HasPrefix(id, "00"):
		default:
			ck.add(field, "invalid", "parcel %d: item id %q is not an SSCC (18 digits, or 20 digits starting with 00)", i+1, p.ItemID)
		}
	case carrier.ItemIDS10:
		if !isS10Shape(id) {
			ck.add(field, "invalid", "parcel %d: item id %q is not an S10 id (2 capital letters, 9 digits, 2 capital letters, e.g. CC612199545SE)", i+1, p.ItemID)
		}
	default:
		ck.add(fmt.Sprintf("parcels[%d].item_id_type", i), "invalid", "parcel %d: item id type %q is not SSCC or S10", i+1, p.ItemIDType)
	}
	return itemIdentification{ItemID: id, ItemIDType: typ}
}

// isS10Shape reports whether id looks like a UPU S10 id: service
// indicator, eight serial digits and a check digit, country code.
func isS10Shape(id string) bool {
	return len(id) == 13 && isUpperLetters(id[:2]) && isDigits(id[2:11]) && isUpperLetters(id[11:])
}

func dimensions(d carrier.Dimensions) *dimension {
	if d.IsZero() {
		return nil
	}
	m := func(v float64) *measure {
		if v <= 0 {
			return nil
		}
		return &measure{Value: v, Unit: unitCentimetre}
	}
	return &dimension{Length: m(d.LengthCm), Width: m(d.WidthCm), Height: m(d.HeightCm)}
}

func truncateRunes(s string, max int) string {
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isUpperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

func joinInts(xs []int, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, sep)
}
