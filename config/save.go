package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pelletier/go-toml/v2"
)

// Save writes c to path as TOML, atomically: a temporary file in the
// same directory is written, synced and renamed over path, so a crash or
// a full disk leaves either the old file or the new one, never half of
// one. Secrets are never written (they live in the secrets store or the
// environment): the file is the source of truth for everything else.
// Comments in an existing file are not kept.
func Save(path string, c Config) error {
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.toml")
	if err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up a failure
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // the rename itself, on file systems that need it
		d.Close()
	}
	return nil
}

// Marshal is c as the TOML Save writes: validated first (a config the
// station would refuse at start is never written), secrets left out.
func Marshal(c Config) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithoutSecrets()
	var buf bytes.Buffer
	buf.WriteString("# labelstation settings (written by labelstation; secrets are kept in the\n# secrets store or the environment, never here)\n\n")
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(true)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("save config: %w", err)
	}
	return buf.Bytes(), nil
}

// WithoutSecrets is c with every secret emptied.
func (c Config) WithoutSecrets() Config {
	c.PostNord.APIKey, c.PostNord.ClientSecret = "", ""
	c.STG.ClientSecret = ""
	c.WMS.Webhooks.Secret = ""
	c.Notify.Email.Password, c.Notify.SMS.Password = "", ""
	c.Fleet.Password = ""
	if len(c.Orders.HTTP.Headers) > 0 {
		// Header values are secrets unless they only name environment
		// variables (${WMS_TOKEN}): those stay, the variable keeps the value.
		h := map[string]string{}
		for k, v := range c.Orders.HTTP.Headers {
			if os.Expand(v, func(string) string { return "" }) == "" || onlyEnvRefs(v) {
				h[k] = v
			}
		}
		c.Orders.HTTP.Headers = h
	}
	return c
}

// onlyEnvRefs reports whether v's only secret parts are ${NAME}
// references (the rest, e.g. "Bearer ", is not secret).
func onlyEnvRefs(v string) bool {
	rest := os.Expand(v, func(string) string { return "" })
	return len(rest) < len(v) && len(rest) <= len("Bearer ")
}
