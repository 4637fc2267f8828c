package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/pelletier/go-toml/v2"
)

// plainFile is the last resort: DATA/secrets.toml, mode 0600, one
// quoted key per secret. Store.Warning says so while it holds any.
type plainFile struct {
	path      string
	values    map[string]string
	stamp     fileStamp
	looseMode bool // others may read it and chmod could not fix that
}

const plainHeader = "# labelstation secrets in PLAIN TEXT: this computer has no keyring session and\n" +
	"# no passphrase was given. Only this user may read this file (mode 0600).\n" +
	"# Better: [secrets] backend = \"file\" with LABELSTATION_SECRETS_PASSPHRASE.\n\n"

func openPlainFile(path string) (*plainFile, error) {
	p := &plainFile{path: path}
	if err := p.load(); err != nil {
		return nil, err
	}
	return p, nil
}

// inUse reports whether the file holds secrets.
func (p *plainFile) inUse() bool { return len(p.values) > 0 }

func (p *plainFile) load() error {
	data, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		p.values, p.stamp = map[string]string{}, fileStamp{}
		return nil
	}
	if err != nil {
		return &Error{Msg: fmt.Sprintf("cannot read %s: %v", p.path, err), Hint: "check the data directory's permissions", Err: err}
	}
	var doc map[string]any
	values := map[string]string{}
	bad := toml.Unmarshal(data, &doc) != nil
	if !bad {
		// "postnord.apikey" = … as written; postnord.apikey = … (a dotted
		// key, as a person may write it) nests: both read the same.
		bad = !flatten("", doc, values)
	}
	if bad {
		// Never quote the decoder's message: it may show part of a value.
		return &Error{Msg: fmt.Sprintf("%s is not a labelstation secrets file (not TOML with one string per secret)", p.path),
			Hint: "fix or delete it and set the secrets again (labelstation secret set NAME)", Err: ErrCorrupt}
	}
	p.values = values
	p.stamp, _ = stampOf(p.path)
	p.looseMode = false
	if fi, err := os.Stat(p.path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if os.Chmod(p.path, 0o600) != nil {
			p.looseMode = true
		}
	}
	return nil
}

func (p *plainFile) refresh() error {
	if st, _ := stampOf(p.path); st != p.stamp {
		return p.load()
	}
	return nil
}

func (p *plainFile) get(name string) (string, bool, error) {
	if err := p.refresh(); err != nil {
		return "", false, err
	}
	v, ok := p.values[name]
	return v, ok, nil
}

func (p *plainFile) set(name, value string) error {
	if err := p.refresh(); err != nil {
		return err
	}
	next := map[string]string{name: value}
	for k, v := range p.values {
		if k != name {
			next[k] = v
		}
	}
	return p.write(next)
}

func (p *plainFile) del(name string) error {
	if err := p.refresh(); err != nil {
		return err
	}
	if _, ok := p.values[name]; !ok {
		return &Error{Msg: fmt.Sprintf("no secret %s is stored in %s", name, p.path), Hint: "labelstation secret list shows what is stored", Err: ErrNotFound}
	}
	next := map[string]string{}
	for k, v := range p.values {
		if k != name {
			next[k] = v
		}
	}
	if len(next) == 0 {
		// Nothing left in plain text: no file, and no warning.
		if err := os.Remove(p.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return &Error{Msg: fmt.Sprintf("cannot remove %s: %v", p.path, err), Hint: "check the data directory's permissions", Err: err}
		}
		p.values, p.stamp = next, fileStamp{}
		return nil
	}
	return p.write(next)
}

func (p *plainFile) names() ([]string, error) {
	if err := p.refresh(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(p.values))
	for k := range p.values {
		out = append(out, k)
	}
	return out, nil
}

func (p *plainFile) write(values map[string]string) error {
	var buf bytes.Buffer
	buf.WriteString(plainHeader)
	if err := toml.NewEncoder(&buf).Encode(values); err != nil {
		return err
	}
	if err := writeAtomic(p.path, buf.Bytes()); err != nil {
		return err
	}
	p.values, p.looseMode = values, false
	p.stamp, _ = stampOf(p.path)
	return nil
}

// flatten puts doc's strings into out under dotted names; false when a
// value is neither a string nor a table.
func flatten(prefix string, doc map[string]any, out map[string]string) bool {
	for k, v := range doc {
		switch v := v.(type) {
		case string:
			out[prefix+k] = v
		case map[string]any:
			if !flatten(prefix+k+".", v, out) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
