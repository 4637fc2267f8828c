package sandbox

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"labelstation/label"
)

// Service codes the sandbox books, with the names PostNord prints on its
// labels (without "PostNord", as the General Descriptions ask).
var (
	outboundServices = map[string]string{
		"17": "MyPack Home",
		"18": "Parcel",
		"19": "MyPack Collect",
		"30": "MyPack Home Small",
		"32": "MyPack Home",
		"34": "Tracked Varubrev",
		"91": "International Parcel",
	}
	returnServices = map[string]string{
		"20": "Return Pickup",
		"22": "Return Pickup",
		"24": "Return Drop Off",
	}
	issuerCodes = map[string]string{"Z11": "11", "Z12": "12", "Z13": "13", "Z14": "14", "ZDL": "DL"}
)

// Fault codes of the sandbox. PostNord's own codes are not published; these
// follow the shape of the spec's example ("API-005", "Missing parameter").
const (
	faultMissing  = "API-005"
	faultInvalid  = "API-006"
	faultTooLong  = "API-007"
	faultNotFound = "API-010"
)

// validator collects faults in PostNord's shape, with the JSON path of the
// offending field as the parameter.
type validator struct{ faults []fault }

func (v *validator) add(code, text, path, value string) {
	v.faults = append(v.faults, fault{FaultCode: code, ExplanationText: text,
		ParamValues: []paramValue{{Param: path, Value: value}}})
}

func (v *validator) required(path, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.add(faultMissing, "Missing parameter", path, value)
		return false
	}
	return true
}

func (v *validator) maxLen(path, value string, max int) {
	if utf8.RuneCountInString(value) > max {
		v.add(faultTooLong, fmt.Sprintf("Value is longer than %d characters", max), path, value)
	}
}

// validate checks an ediInstruction the way PostNord's booking service
// does for the fields the sandbox understands: required fields, lengths,
// known service codes for the endpoint, and item ids.
func validate(in *ediInstruction, returns bool) []fault {
	v := &validator{}
	switch {
	case in.MessageDate == nil:
		v.add(faultMissing, "Missing parameter", "messageDate", "")
	case !v.required("messageDate", *in.MessageDate):
	default:
		if _, err := time.Parse(time.RFC3339, *in.MessageDate); err != nil {
			v.add(faultInvalid, "messageDate is not an ISO 8601 date-time", "messageDate", *in.MessageDate)
		}
	}
	switch {
	case in.UpdateIndicator == nil:
		v.add(faultMissing, "Missing parameter", "updateIndicator", "")
	case *in.UpdateIndicator != "Original":
		// PostNord has been seen to book a duplicate on "Deletion"; the
		// sandbox refuses anything but Original so such a client is caught.
		v.add(faultInvalid, "Only updateIndicator Original is accepted", "updateIndicator", *in.UpdateIndicator)
	}
	switch n := len(in.Shipment); {
	case n == 0:
		v.add(faultMissing, "Missing parameter", "shipment", "")
	case n > 200:
		v.add(faultInvalid, "Max 200 shipments allowed", "shipment", fmt.Sprint(n))
	}
	for i := range in.Shipment {
		validateShipment(v, fmt.Sprintf("shipment[%d]", i), &in.Shipment[i], returns)
	}
	return v.faults
}

func validateShipment(v *validator, path string, s *ediShipment, returns bool) {
	if s.Service == nil {
		v.add(faultMissing, "Missing parameter", path+".service", "")
	} else if code := s.Service.BasicServiceCode; v.required(path+".service.basicServiceCode", code) {
		known, other := outboundServices, returnServices
		if returns {
			known, other = returnServices, outboundServices
		}
		if _, ok := known[code]; !ok {
			text := "Unknown basic service code"
			if _, ok := other[code]; ok {
				text = "Basic service code is not valid for this endpoint"
			}
			v.add(faultInvalid, text, path+".service.basicServiceCode", code)
		}
		for j, a := range s.Service.AdditionalServiceCode {
			p := fmt.Sprintf("%s.service.additionalServiceCode[%d]", path, j)
			if v.required(p, a) {
				v.maxLen(p, a, 10)
			}
		}
	}
	for j, r := range s.References {
		p := fmt.Sprintf("%s.references[%d]", path, j)
		if v.required(p+".referenceNo", r.ReferenceNo) {
			v.maxLen(p+".referenceNo", r.ReferenceNo, 35)
		}
		v.required(p+".referenceType", r.ReferenceType)
	}

	if s.Parties == nil {
		v.add(faultMissing, "Missing parameter", path+".parties", "")
	} else {
		pp := path + ".parties"
		if c := s.Parties.Consignor; c == nil {
			v.add(faultMissing, "Missing parameter", pp+".consignor", "")
		} else {
			if v.required(pp+".consignor.issuerCode", c.IssuerCode) {
				if _, ok := issuerCodes[c.IssuerCode]; !ok {
					v.add(faultInvalid, "Unknown issuer code", pp+".consignor.issuerCode", c.IssuerCode)
				}
			}
			if c.PartyIdentification == nil {
				v.add(faultMissing, "Missing parameter", pp+".consignor.partyIdentification", "")
			} else {
				if v.required(pp+".consignor.partyIdentification.partyId", c.PartyIdentification.PartyID) {
					v.maxLen(pp+".consignor.partyIdentification.partyId", c.PartyIdentification.PartyID, 17)
				}
				v.required(pp+".consignor.partyIdentification.partyIdType", c.PartyIdentification.PartyIDType)
			}
			validateParty(v, pp+".consignor.party", c.Party)
		}
		// The consignee is mandatory for an Instruction (General
		// Descriptions, "Definition of parties").
		if c := s.Parties.Consignee; c == nil {
			v.add(faultMissing, "Missing parameter", pp+".consignee", "")
		} else {
			validateParty(v, pp+".consignee.party", c.Party)
		}
		if d := s.Parties.DeliveryParty; d != nil {
			if pi := d.PartyIdentification; pi != nil && pi.PartyIDType == "156" {
				if v.required(pp+".deliveryParty.partyIdentification.partyId", pi.PartyID) {
					v.maxLen(pp+".deliveryParty.partyIdentification.partyId", pi.PartyID, 17)
				}
			}
			validateParty(v, pp+".deliveryParty.party", d.Party)
		}
	}

	validateCustoms(v, path, s)

	if len(s.GoodsItem) == 0 {
		v.add(faultMissing, "Missing parameter", path+".goodsItem", "")
	}
	total := 0
	for g := range s.GoodsItem {
		gp := fmt.Sprintf("%s.goodsItem[%d]", path, g)
		if len(s.GoodsItem[g].Items) == 0 {
			v.add(faultMissing, "Missing parameter", gp+".items", "")
		}
		for k, it := range s.GoodsItem[g].Items {
			total++
			ip := fmt.Sprintf("%s.items[%d]", gp, k)
			if it.ItemIdentification == nil {
				v.add(faultMissing, "Missing parameter", ip+".itemIdentification", "")
			} else if id := it.ItemIdentification.ItemID; v.required(ip+".itemIdentification.itemId", id) && id != "0" {
				validateOwnItemID(v, ip+".itemIdentification.itemId", id, it.ItemIdentification.ItemIDType)
			}
			if w := it.GrossWeight; w != nil {
				switch {
				case w.Value == nil:
					v.add(faultMissing, "Missing parameter", ip+".grossWeight.value", "")
				case *w.Value <= 0:
					v.add(faultInvalid, "Weight must be positive", ip+".grossWeight.value", fmt.Sprint(*w.Value))
				}
				if w.Unit != "KGM" && w.Unit != "GRM" && w.Unit != "TON" {
					v.add(faultInvalid, "Unknown weight unit", ip+".grossWeight.unit", w.Unit)
				}
			}
		}
	}
	if total > 200 {
		v.add(faultInvalid, "Max 200 items allowed", path+".goodsItem", fmt.Sprint(total))
	}
}

func validateParty(v *validator, path string, p *ediParty) {
	if p == nil {
		v.add(faultMissing, "Missing parameter", path, "")
		return
	}
	if p.NameIdentification == nil {
		v.add(faultMissing, "Missing parameter", path+".nameIdentification", "")
	} else {
		if v.required(path+".nameIdentification.name", p.NameIdentification.Name) {
			v.maxLen(path+".nameIdentification.name", p.NameIdentification.Name, 60)
		}
		v.maxLen(path+".nameIdentification.companyName", p.NameIdentification.CompanyName, 60)
	}
	if p.Address == nil {
		v.add(faultMissing, "Missing parameter", path+".address", "")
		return
	}
	a := p.Address
	for i, s := range a.Streets {
		sp := fmt.Sprintf("%s.address.streets[%d]", path, i)
		if v.required(sp, s) {
			v.maxLen(sp, s, 50)
		}
	}
	v.required(path+".address.postalCode", a.PostalCode)
	if v.required(path+".address.city", a.City) {
		v.maxLen(path+".address.city", a.City, 35)
	}
	if v.required(path+".address.countryCode", a.CountryCode) && len(a.CountryCode) != 2 {
		v.add(faultInvalid, "Country code must be ISO 3166 alpha-2", path+".address.countryCode", a.CountryCode)
	}
	if c := p.Contact; c != nil {
		v.maxLen(path+".contact.contactName", c.ContactName, 50)
		v.maxLen(path+".contact.emailAddress", c.EmailAddress, 70)
		v.maxLen(path+".contact.phoneNo", c.PhoneNo, 50)
		v.maxLen(path+".contact.smsNo", c.SmsNo, 50)
	}
}

// validateOwnItemID checks an id the customer allocated from its own
// series. Ids become barcodes and ZPL, so only letters and digits pass.
func validateOwnItemID(v *validator, path, id, idType string) {
	switch strings.ToUpper(idType) {
	case "SSCC":
		if !label.ValidSSCC(id) {
			v.add(faultInvalid, "Invalid SSCC (length or GS1 check digit)", path, id)
		}
		return
	case "S10":
		if !label.ValidS10(id) {
			v.add(faultInvalid, "Invalid S10 id (format or check digit)", path, id)
		}
		return
	}
	ok := len(id) <= 35
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
	}
	if !ok {
		v.add(faultInvalid, "Item id must be 1-35 letters and digits", path, id)
	}
}

// euMembers is the EU's customs territory; a shipment that crosses its
// border needs a customs declaration (README facts page: Norway is
// outside the EU).
var euMembers = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true, "FI": true,
	"FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
}

// validateCustoms refuses what PostNord's customs checks refuse: a
// shipment across the EU border without a declaration, or a customs
// invoice line without HS code, origin, value or weight; and MyPack
// Collect to Norway or Finland without its optional service point (A7 is
// mandatory there, General Descriptions "19").
func validateCustoms(v *validator, path string, s *ediShipment) {
	if s.Parties == nil || s.Parties.Consignor == nil || s.Parties.Consignor.Party == nil || s.Parties.Consignor.Party.Address == nil ||
		s.Parties.Consignee == nil || s.Parties.Consignee.Party == nil || s.Parties.Consignee.Party.Address == nil {
		return
	}
	from, to := s.Parties.Consignor.Party.Address.CountryCode, s.Parties.Consignee.Party.Address.CountryCode
	if s.Service != nil && s.Service.BasicServiceCode == "19" && (to == "NO" || to == "FI") && servicePointID(s) == "" {
		v.add(faultInvalid, "Service 19 to "+to+" requires additional service A7 and a deliveryParty with a service point id", path+".parties.deliveryParty", "")
	}
	if from == to || (euMembers[from] && euMembers[to]) || outboundServices[serviceCode(s)] == "" {
		return
	}
	if s.CustomsInvoice == nil && s.CN22 == nil && s.CN23 == nil {
		v.add(faultMissing, fmt.Sprintf("Customs declaration is mandatory for shipments from %s to %s", from, to), path+".customsInvoice", "")
		return
	}
	if ci := s.CustomsInvoice; ci != nil {
		if ci.Seller == nil || strings.TrimSpace(ci.Seller.VATNo) == "" {
			v.add(faultMissing, "Missing parameter", path+".customsInvoice.seller.vatNo", "")
		}
		if len(ci.DetailedDescription) == 0 {
			v.add(faultMissing, "Missing parameter", path+".customsInvoice.detailedDescription", "")
		}
		for i, d := range ci.DetailedDescription {
			p := fmt.Sprintf("%s.customsInvoice.detailedDescription[%d]", path, i)
			v.required(p+".content", d.Content)
			v.required(p+".countryOfOrigin", d.CountryOfOrigin)
			if hs := d.HSTariffNumber; v.required(p+".hsTariffNumber", hs) && (len(hs) < 6 || len(hs) > 10 || strings.Trim(hs, "0123456789") != "") {
				v.add(faultInvalid, "HS tariff number must be 6-10 digits", p+".hsTariffNumber", hs)
			}
			if d.Quantity <= 0 {
				v.add(faultInvalid, "Quantity must be positive", p+".quantity", fmt.Sprint(d.Quantity))
			}
			if d.ItemValue == nil || d.ItemValue.Amount <= 0 || len(d.ItemValue.Currency) != 3 {
				v.add(faultInvalid, "Item value with currency is mandatory", p+".itemValue", "")
			}
			if d.NetWeight == nil || d.NetWeight.Value <= 0 {
				v.add(faultInvalid, "Net weight is mandatory", p+".netWeight", "")
			}
		}
	}
}

func serviceCode(s *ediShipment) string {
	if s.Service == nil {
		return ""
	}
	return s.Service.BasicServiceCode
}
