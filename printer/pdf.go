package printer

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// PDF is a preview printer for PDF labels (pdf:///dir): each job is saved
// as <name>-<sequence>.pdf, for an office printer or a folder a print
// service watches. It refuses ZPL jobs rather than saving them beside the
// PDFs, because whatever watches the folder would try to print ZPL as a
// document; a station that gets ZPL from the carrier needs a ZPL printer
// (or file:///dir to keep both).
type PDF struct{ *File }

// NewPDF returns a PDF preview printer writing into dir.
func NewPDF(dir string) (*PDF, error) {
	f, err := NewFile(dir)
	if err != nil {
		return nil, err
	}
	return &PDF{f}, nil
}

// String describes the printer for a status bar.
func (p *PDF) String() string { return "pdf://" + strings.TrimPrefix(p.File.String(), "file://") }

// Print saves a PDF job; other formats are refused, with what to do.
func (p *PDF) Print(ctx context.Context, job Job) error {
	if !strings.EqualFold(strings.TrimSpace(job.Format), "pdf") {
		return fmt.Errorf("label %q is %s, but printer %s saves PDF labels only: set the label format to pdf in the settings, or use a ZPL printer (tcp://, usb://) or file:///%s for this label", job.Name, strings.ToUpper(job.Format), p, strings.TrimPrefix(p.Dir(), "/"))
	}
	return p.File.Print(ctx, job)
}

func openPDF(raw string, u *url.URL) (Printer, error) {
	if len(u.Query()) > 0 {
		return nil, fmt.Errorf("printer address %q: pdf printers take no options: %s", raw, acceptedForms)
	}
	dir, err := localPath(raw, u, "folder")
	if err != nil {
		return nil, err
	}
	return NewPDF(dir)
}
