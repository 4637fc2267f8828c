package postnord

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"labelstation/carrier"
)

// Customs. A shipment that crosses the EU's customs border (Sweden,
// Denmark or Finland to Norway, anything to or from a country outside the
// EU) needs a customs declaration built from the order lines: a customs
// invoice for parcels, CN22/CN23 for letters (README.md facts page;
// booking.swagger.json definitions/customsInvoice, customsDeclarationCN22
// and CN23). Missing data is refused before booking, naming each field.

// euMembers are the EU's customs territory by ISO code. Åland (AX), the
// Faroe Islands (FO) and Greenland (GL) are outside it.
var euMembers = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true, "FI": true,
	"FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
}

// NeedsCustoms reports whether goods sent from one country to another
// cross a customs border and so need a customs declaration.
func NeedsCustoms(from, to string) bool {
	from, to = strings.ToUpper(from), strings.ToUpper(to)
	if from == to || from == "" || to == "" {
		return false
	}
	return !euMembers[from] || !euMembers[to]
}

// letterServices are the services that carry letters, which take a
// CN22/CN23 declaration instead of a customs invoice.
var letterServices = map[string]bool{"34": true} // Tracked Varubrev

// nokPer is a rough value of one unit of each currency in Norwegian
// kroner. It only decides two thresholds — the VOEC low-value limit and
// CN22 versus CN23 — never an amount that is declared.
var nokPer = map[string]float64{"NOK": 1, "SEK": 1, "DKK": 1.6, "EUR": 11.7, "USD": 10.8, "GBP": 13.8, "CHF": 12.3, "ISK": 0.08}

const (
	// voecLimitNOK: the VOEC scheme covers goods worth less than NOK 3,000
	// per item (Skatteetaten); above it the receiver clears them.
	voecLimitNOK = 3000
	// cn22LimitNOK approximates the UPU's 300 SDR limit of a CN22.
	cn22LimitNOK = 4000
	// reasonSale is the export procedure code for a permanent export
	// (definitions/reasonForExportation "1000").
	reasonSale = "1000"
)

// norwegianReturnTerminal is where PostNord returns undeliverable parcels
// bound for Norway unless the merchant has its own Norwegian address (GD
// "Return Party"). Parcels for delivery party 0413898 (label routing POS)
// go to PostensGodssenter instead.
func norwegianReturnParty(merchant string, deliveryPartyID string) party {
	street, postcode := "Alfaset 3. Industrivei 25", "0668"
	if deliveryPartyID == "0413898" {
		street, postcode = "PostensGodssenter", "0068"
	}
	return party{
		NameIdentification: nameIdentification{Name: truncateRunes(merchant, maxName), CompanyName: "PostNord AS"},
		Address:            address{Streets: []string{"c/o PostNord AS", street}, PostalCode: postcode, City: "OSLO", CountryCode: "NO"},
	}
}

// addCustoms adds the customs declaration sh needs, or faults naming
// everything that is missing.
func addCustoms(ck *checker, sh *shipmentCustomsv2, req carrier.BookingRequest, now time.Time) {
	from := strings.ToUpper(strings.TrimSpace(req.Consignor.Address.Country))
	to := strings.ToUpper(strings.TrimSpace(req.Receiver.Country))
	if !NeedsCustoms(from, to) {
		return
	}
	why := fmt.Sprintf("customs data for %s → %s", from, to)
	if !euMembers[to] {
		why += fmt.Sprintf(" (%s is outside the EU)", to)
	}

	type line struct {
		carrier.Line
		field string
	}
	var lines []line
	var totalGross carrier.Weight
	for i, p := range req.Parcels {
		totalGross += p.Weight
		for j, l := range p.Contents {
			lines = append(lines, line{l, fmt.Sprintf("parcels[%d].contents[%d]", i, j)})
		}
	}
	if len(lines) == 0 {
		ck.add("parcels[0].contents", "customs_required",
			"%s: the order has no lines; customs needs each item's description, quantity, HS code, origin, value and weight", why)
		return
	}

	currency := ""
	var total, totalNet float64
	for n, l := range lines {
		var missing []string
		desc := strings.TrimSpace(l.Description)
		if desc == "" {
			missing = append(missing, "description")
		}
		if l.Quantity <= 0 {
			missing = append(missing, "quantity")
		}
		hs := strings.ReplaceAll(strings.TrimSpace(l.HSCode), ".", "")
		if hs == "" {
			missing = append(missing, "HS code")
		} else if !isDigits(hs) || len(hs) < 6 || len(hs) > 10 {
			ck.add(l.field+".hs_code", "invalid", "%s: line %d (%s): HS code %q must be 6 to 10 digits", why, n+1, desc, l.HSCode)
		}
		origin := strings.ToUpper(strings.TrimSpace(l.Origin))
		if origin == "" {
			missing = append(missing, "origin country")
		} else if len(origin) != 2 || !isUpperLetters(origin) {
			ck.add(l.field+".origin", "invalid", "%s: line %d (%s): origin %q is not a two-letter country code", why, n+1, desc, l.Origin)
		}
		if l.Value <= 0 {
			missing = append(missing, "value")
		}
		cur := strings.ToUpper(strings.TrimSpace(l.Currency))
		if cur == "" {
			missing = append(missing, "currency")
		} else if currency == "" {
			currency = cur
		} else if cur != currency {
			ck.add(l.field+".currency", "invalid", "%s: line %d (%s) is in %s, line 1 in %s; one customs invoice has one currency", why, n+1, desc, cur, currency)
		}
		if l.WeightKg <= 0 {
			missing = append(missing, "weight")
		}
		for _, m := range missing {
			ck.add(l.field+"."+customsFieldName(m), "customs_required", "%s: line %d (%s) has no %s", why, n+1, orDash(desc), m)
		}
		if utf8.RuneCountInString(desc) > 1025 {
			ck.maxLen(l.field+".description", desc, "item description", 1025)
		}
		total += l.Value * float64(max(l.Quantity, 0))
		totalNet += l.WeightKg * float64(max(l.Quantity, 0))
	}

	c := req.Consignor
	vat := strings.TrimSpace(c.Customs.VATNumber)
	eori := strings.TrimSpace(c.Customs.EORI)
	if vat == "" {
		// definitions/seller requires vatNo.
		ck.add("consignor.customs.vat_number", "customs_required", "%s: the consignor's VAT number is missing (config [consignor] vat_number)", why)
	} else if utf8.RuneCountInString(vat) > 18 {
		ck.maxLen("consignor.customs.vat_number", vat, "VAT number", 18)
	}
	if eori == "" {
		// definitions/eoriNo: "required in all customs declarations".
		ck.add("consignor.customs.eori", "customs_required", "%s: the consignor's EORI number is missing (config [consignor] eori)", why)
	} else if utf8.RuneCountInString(eori) > 35 {
		ck.maxLen("consignor.customs.eori", eori, "EORI number", 35)
	}
	if strings.TrimSpace(c.Address.Phone) == "" {
		// definitions/contacts requires phoneNo for the seller.
		ck.add("consignor.address.phone", "customs_required", "%s: the consignor's phone number is missing (config [consignor] phone)", why)
	}
	if strings.TrimSpace(req.Receiver.Phone) == "" {
		// definitions/contacts requires phoneNo for the buyer.
		ck.add("receiver.phone", "customs_required", "%s: the receiver's phone number is missing", why)
	}
	if len(ck.faults) > 0 {
		return
	}

	// VOEC: a merchant registered in Norway's VAT On E-Commerce scheme
	// states its number on low-value goods, so the receiver is not charged
	// Norwegian VAT a second time. Without one, the receiver pays VAT on
	// delivery: not an error.
	voec := ""
	if to == "NO" && c.Customs.VOEC != "" {
		low := true
		rate, known := nokPer[currency]
		for _, l := range lines {
			if !known || l.Value*rate >= voecLimitNOK {
				low = false
			}
		}
		if low {
			voec = strings.TrimSpace(c.Customs.VOEC)
		}
	}

	kg := func(v float64) weight { return weight{Value: math.Round(v*1000) / 1000, Unit: unitKilogram} }
	round2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	gross := totalGross.Kilograms()
	if gross < totalNet {
		gross = totalNet
	}

	if letterServices[sh.Service.BasicServiceCode] {
		var dd []detailedDescription
		for _, l := range lines {
			dd = append(dd, detailedDescription{
				Content: strings.TrimSpace(l.Description), Quantity: &quantity{Value: l.Quantity},
				GrossWeight: ptr(kg(l.WeightKg * float64(l.Quantity))), Value: &amount{Amount: round2(l.Value * float64(l.Quantity)), Currency: currency},
				HSTariffNumber: strings.ReplaceAll(strings.TrimSpace(l.HSCode), ".", ""), CountryCode: strings.ToUpper(strings.TrimSpace(l.Origin)),
			})
		}
		cat := &categoryOfItem{CategoryType: []string{"SALE OF GOODS"}}
		tv := amount{Amount: round2(total), Currency: currency}
		if total*nokPer[currency] <= cn22LimitNOK {
			sh.CustomsDeclarationCN22 = &customsDeclarationCN22{EORIorPersonalIDNumber: eori, VOEC: voec, CategoryOfItem: cat,
				DetailedDescription: dd, TotalGrossWeight: ptr(kg(gross)), TotalValue: tv}
		} else {
			sh.CustomsDeclarationCN23 = &customsDeclarationCN23{EORIorPersonalIDNumber: eori, VOEC: voec, CategoryOfItem: cat,
				DetailedDescription: dd, TotalGrossWeight: ptr(kg(gross)), TotalValue: tv, PostalCharges: amount{Amount: 0, Currency: currency}}
		}
		return
	}

	inv := &customsInvoice{
		Type: "COMMERCIAL",
		VOEC: voec,
		Seller: customsSeller{
			PartyIdentification: partyIdentification{PartyID: strings.TrimSpace(c.CustomerNumber), PartyIDType: partyIDTypeCustomer},
			VATNo:               vat, EORINo: eori,
			Name:        sh.Parties.Consignor.Party.NameIdentification.Name,
			Streets:     sh.Parties.Consignor.Party.Address.Streets,
			City:        sh.Parties.Consignor.Party.Address.City,
			PostalCode:  sh.Parties.Consignor.Party.Address.PostalCode,
			CountryCode: sh.Parties.Consignor.Party.Address.CountryCode,
			Contacts:    customsContacts{Name: truncateRunes(sh.Parties.Consignor.Party.NameIdentification.Name, maxName), PhoneNo: strings.TrimSpace(c.Address.Phone), EmailAddress: strings.TrimSpace(c.Address.Email)},
		},
		Buyer: customsBuyer{
			Name:        sh.Parties.Consignee.Party.NameIdentification.Name,
			Streets:     sh.Parties.Consignee.Party.Address.Streets,
			City:        sh.Parties.Consignee.Party.Address.City,
			PostalCode:  sh.Parties.Consignee.Party.Address.PostalCode,
			CountryCode: sh.Parties.Consignee.Party.Address.CountryCode,
			Contacts:    customsContacts{Name: truncateRunes(sh.Parties.Consignee.Party.NameIdentification.Name, maxName), PhoneNo: strings.TrimSpace(req.Receiver.Phone), EmailAddress: strings.TrimSpace(req.Receiver.Email), SmsNo: strings.TrimSpace(req.Receiver.Phone)},
		},
		Invoice: invoiceInfo{
			InvoiceNo:            firstNonEmpty(strings.TrimSpace(req.OrderRef), "1"),
			ShippingDate:         now.In(stockholm).Format("2006-01-02"),
			ReasonForExportation: reasonSale,
		},
		TotalGrossWeight:  kg(gross),
		TotalNetWeight:    ptr(kg(totalNet)),
		TotalNumberOfPkgs: &quantity{Value: len(req.Parcels)},
		InvoiceTotal:      amount{Amount: round2(total), Currency: currency},
	}
	for _, l := range lines {
		inv.DetailedDescription = append(inv.DetailedDescription, detailedDescriptionCustomsInvoice{
			Quantity:        l.Quantity,
			HSTariffNumber:  strings.ReplaceAll(strings.TrimSpace(l.HSCode), ".", ""),
			Content:         strings.TrimSpace(l.Description),
			CountryOfOrigin: strings.ToUpper(strings.TrimSpace(l.Origin)),
			NetWeight:       kg(l.WeightKg * float64(l.Quantity)),
			ItemValue:       amount{Amount: round2(l.Value * float64(l.Quantity)), Currency: currency},
		})
	}
	sh.CustomsInvoice = inv
}

func customsFieldName(what string) string {
	switch what {
	case "HS code":
		return "hs_code"
	case "origin country":
		return "origin"
	case "weight":
		return "weight_kg"
	}
	return what
}

func orDash(s string) string {
	if s == "" {
		return "without description"
	}
	return s
}

func ptr[T any](v T) *T { return &v }
