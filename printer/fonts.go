package printer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// FileLister is a printer that can list the objects (fonts, graphics,
// formats) stored on it. ZPL printers on TCP, USB and read-back device
// nodes can.
type FileLister interface {
	// Files lists the stored objects matching a ^HW pattern such as
	// "E:*.TTF" or "E:*.*", as "E:ARI000.TTF".
	Files(ctx context.Context, pattern string) ([]string, error)
}

// ErrNoFileList is returned for printers that cannot be asked for their
// stored files (preview folders, CUPS queues, the Windows spooler).
var ErrNoFileList = errors.New("this printer cannot be asked which fonts it has")

// MissingFonts returns the fonts (as "E:ARI000.TTF") that the printer
// does not hold, asking it one ^HW directory listing per device. Names
// compare case-insensitively, as the printer's file system does. For a
// printer that cannot be asked the error wraps ErrNoFileList: print
// anyway, there is nothing to check against.
func MissingFonts(ctx context.Context, p Printer, fonts []string) ([]string, error) {
	fl, ok := p.(FileLister)
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, ErrNoFileList)
	}
	held := map[string]map[string]bool{} // device → names
	var missing []string
	for _, f := range fonts {
		f = normaliseObject(f)
		dev, _, _ := strings.Cut(f, ":")
		if held[dev] == nil {
			names, err := fl.Files(ctx, dev+":*.*")
			if err != nil {
				return nil, err
			}
			held[dev] = map[string]bool{}
			for _, n := range names {
				held[dev][normaliseObject(n)] = true
			}
		}
		if !held[dev][f] && !slices.Contains(missing, f) {
			missing = append(missing, f)
		}
	}
	return missing, nil
}

// ReferencedFonts lists the stored fonts a ZPL label calls by name, in
// the order they first appear: ^CW (assign a font to a letter),
// ^A@ (use a font by name) and ^FL (font linking, both fonts). A name
// without a device is on R:, the printer's default for these commands.
// Built-in bitmap fonts (^A0, ^AA …) need no file and are not listed.
// A label that changes the command prefix with ^CC is read with '^'.
func ReferencedFonts(zpl []byte) []string {
	var out []string
	add := func(name string) {
		name = strings.TrimSpace(name)
		if name == "" || !strings.Contains(name, ".") {
			return
		}
		name = normaliseObject(name)
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	cmds := strings.Split(string(zpl), "^")
	for _, c := range cmds[1:] {
		if len(c) < 2 {
			continue
		}
		// Parameters end where a tilde command or a line break begins.
		params := c[2:]
		if i := strings.IndexAny(params, "~\r\n"); i >= 0 {
			params = params[:i]
		}
		args := strings.Split(params, ",")
		switch strings.ToUpper(c[:2]) {
		case "CW": // ^CWa,d:o.x
			if len(args) >= 2 {
				add(args[1])
			}
		case "A@": // ^A@o,h,w,d:o.x
			if len(args) >= 4 {
				add(args[3])
			}
		case "FL": // ^FLext,base,link
			if len(args) >= 2 {
				add(args[0])
				add(args[1])
			}
		}
	}
	return out
}

// normaliseObject upper-cases a stored object name and gives it the R:
// device when it has none.
func normaliseObject(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !strings.Contains(s, ":") {
		s = "R:" + s
	}
	return s
}

// ParseDirectory reads a printer's answer to ^HWd:o.x as the ZPL II guide
// lays it out:
//
//	<STX><CR><LF>
//	- DIR E:*.TTF<CR><LF>
//	* E:ARI000.TTF   318740  <CR><LF>
//	…
//	<CR><LF>
//	-  2817024 bytes free<CR><LF>
//	<ETX>
//
// Object lines start with '*'; a name listed without its device gets the
// device of the DIR line. Names are returned upper-case, as "E:ARI000.TTF".
func ParseDirectory(b []byte) ([]string, error) {
	fs := frames(b)
	if len(fs) == 0 {
		return nil, fmt.Errorf("printer directory answer has no <STX>…<ETX>: %q", clip(b))
	}
	dev := ""
	var out []string
	for _, line := range strings.Split(fs[0], "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "- DIR"), strings.HasPrefix(line, "-DIR"):
			f := strings.Fields(strings.TrimLeft(line, "- "))
			if len(f) >= 2 {
				if d, _, ok := strings.Cut(f[1], ":"); ok {
					dev = strings.ToUpper(d)
				}
			}
		case strings.HasPrefix(line, "*"):
			f := strings.Fields(line[1:])
			if len(f) == 0 {
				continue
			}
			name := strings.ToUpper(f[0])
			if !strings.Contains(name, ":") && dev != "" {
				name = dev + ":" + name
			}
			out = append(out, name)
		}
	}
	return out, nil
}
