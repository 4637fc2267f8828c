package station

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"labelstation/carrier"
	"labelstation/printer"
)

// The settings window's "Test connection": the doctor's checks run on
// parts that are not (yet) the station's — a carrier client, printer or
// scale made from settings on screen and not saved. Each check books,
// prints and sends nothing, as the doctor's do.

// CheckCarrier runs the doctor's checks of one carrier (reachable, and its
// credentials accepted per API product) on c, a client made from settings
// not yet saved. home and defaultService pick the transit-time question
// as the doctor does; host names the carrier in the words ("PostNord
// api2.postnord.com").
func CheckCarrier(ctx context.Context, c carrier.Carrier, home carrier.Consignor, defaultService, host string) []DoctorCheck {
	if c == nil {
		return []DoctorCheck{{Name: "Carrier", State: DoctorFail, Words: "no carrier is configured", Hint: "set the carrier's address and key",
			ID: "doctor.carrier.none"}}
	}
	s := &Station{cfg: Config{Consignor: home, DefaultService: defaultService, CarrierName: host}}
	return s.doctorCarrier(ctx, c.Name(), c)
}

// CheckPrinterAt opens the printer at uri, asks its state in words, and
// closes it again.
func CheckPrinterAt(ctx context.Context, uri string) DoctorCheck {
	uri = strings.TrimSpace(uri)
	return timed(func() DoctorCheck {
		const name = "Printer"
		if uri == "" {
			return DoctorCheck{Name: name, State: DoctorOK, ID: "doctor.printer.none",
				Words: "no printer address: labels are saved as files in the data directory (a preview printer)"}
		}
		p, err := printer.Open(uri)
		if err != nil {
			return DoctorCheck{Name: name, State: DoctorFail, ID: "doctor.printer.bad_address", Data: map[string]any{"URI": uri, "Error": err.Error()},
				Words: fmt.Sprintf("%s: %v", uri, err), Hint: "printer addresses look like " + printerURIHelp}
		}
		defer p.Close()
		st, err := printer.StatusOf(ctx, p)
		switch {
		case errors.Is(err, printer.ErrNoStatus) && (strings.HasPrefix(uri, "file://") || strings.HasPrefix(uri, "pdf://")):
			return DoctorCheck{Name: name, State: DoctorOK, ID: "doctor.printer.preview", Data: map[string]any{"URI": uri},
				Words: fmt.Sprintf("%s: labels are saved as files (a preview printer)", uri)}
		case errors.Is(err, printer.ErrNoStatus):
			return DoctorCheck{Name: name, State: DoctorOK, ID: "doctor.printer.no_status", Data: map[string]any{"URI": uri},
				Words: fmt.Sprintf("%s cannot be asked for its state", uri)}
		case err != nil:
			return DoctorCheck{Name: name, State: DoctorFail, ID: "doctor.printer.no_answer", Data: map[string]any{"URI": uri, "Error": err.Error()},
				Words: fmt.Sprintf("%s: %v", uri, err),
				Hint:  "check that the printer is on, connected, the head closed and labels loaded, and that the address is right"}
		case !st.Ready():
			return DoctorCheck{Name: name, State: DoctorFail, ID: "doctor.printer.not_ready", Data: map[string]any{"URI": uri, "Status": st.Message()},
				Words: fmt.Sprintf("%s: %s", uri, st.Message()), Hint: "the printer answers, but is not ready: fix what it says"}
		}
		return DoctorCheck{Name: name, State: DoctorOK, ID: "doctor.printer.ready", Data: map[string]any{"URI": uri, "Status": st.Message()},
			Words: fmt.Sprintf("%s: %s", uri, st.Message())}
	})
}

// CheckScaleAt reads the scale at uri as the doctor does (an answer
// within 5 seconds, up to 2 more for a stable weight), opening and
// closing it.
func CheckScaleAt(ctx context.Context, uri string) DoctorCheck {
	s := &Station{}
	return s.doctorScale(ctx, strings.TrimSpace(uri))[0]
}

// CheckEndpoint connects to a service the station sends to (TCP only,
// nothing is sent), as the doctor does.
func CheckEndpoint(ctx context.Context, ep DoctorEndpoint) DoctorCheck {
	return timed(func() DoctorCheck { return dialCheck(ctx, ep) })
}
