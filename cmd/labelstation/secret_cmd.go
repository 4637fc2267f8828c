package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"labelstation/config"
	"labelstation/secrets"
	"labelstation/station"
)

// The secrets: `labelstation secret …` keeps the API keys and passwords in
// the secrets store (package secrets), and fillSecrets hands them to the
// config at every start. A value is read from stdin (a terminal is asked
// without echo), never from the command line, and never printed.

const secretUsage = "labelstation secret set NAME (the value on stdin) | list | delete NAME | import-config"

// cmdSecret is `labelstation secret`.
func cmdSecret(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(secretUsage, "secret needs a subcommand")
	}
	switch args[0] {
	case "set":
		return secretSet(ctx, g, args[1:])
	case "list":
		return secretList(ctx, g, args[1:])
	case "delete":
		return secretDelete(ctx, g, args[1:])
	case "import-config":
		return secretImportConfig(ctx, g, args[1:])
	}
	return usage(secretUsage, "unknown secret subcommand %q", args[0])
}

// fillSecrets opens the secrets store of cfg's data directory and fills
// from it the secrets cfg uses that neither a flag, the environment nor
// the config file at path gave. When one is needed and the store is an
// encrypted file without its passphrase, a terminal is asked for it. The
// store is returned for the order lookup's headers (secretLookup) and the
// status bar (secretWarnings).
func fillSecrets(g *globals, cfg *config.Config, path string) (*secrets.Store, error) {
	st, err := openSecrets(g.resolveDataDir(*cfg), path)
	if err != nil {
		return nil, err
	}
	ctx := context.Background() // Ctrl-C still ends a prompt
	if err := cfg.FillSecrets(promptingGet(ctx, g, st)); err != nil {
		hint := firstSet(station.Hint(err), secrets.HintOf(err), "labelstation secret list shows what is stored; labelstation secret set NAME stores one")
		return st, &station.Problem{Msg: err.Error(), Hint: hint, Err: err}
	}
	return st, nil
}

// secretLookup is st's Get for cfg.OrderHeaders, or nil without a store.
func secretLookup(st *secrets.Store) func(string) (string, bool, error) {
	if st == nil {
		return nil
	}
	return st.Get
}

// secretWarnings are what the status bar and doctor show about secrets:
// the store's own warning (plain text, locked), and each secret still
// written in the config file at path.
func secretWarnings(st *secrets.Store, cfg config.Config, path string) []string {
	var out []string
	if st != nil {
		if w := st.Warning(); w != "" {
			out = append(out, w)
		}
	}
	for _, name := range cfg.PlainSecretsInFile(path) {
		out = append(out, fmt.Sprintf("move %s out of the config file %s: labelstation secret import-config (or labelstation secret set %s), then delete it from the file", name, path, name))
	}
	return out
}

// secretValues are the values in st — and the WMS headers they make —
// for the log's and the doctor's redactor: the config's own fields hold
// the filled ones already, but not a header's ${secret:…}. Nothing when
// the store is locked or was not opened.
func secretValues(st *secrets.Store, cfg config.Config) []string {
	if st == nil || st.Locked() {
		return nil
	}
	var out []string
	for _, name := range st.Names() {
		v, ok, err := st.Get(name)
		if err != nil || !ok {
			continue
		}
		out = append(out, v)
		// "Bearer TOKEN" stored whole: the token alone may show too.
		if _, tok, found := strings.Cut(v, " "); found && strings.HasPrefix(name, secrets.HeaderPrefix) && len(tok) >= 8 {
			out = append(out, tok)
		}
	}
	if cfg.Orders.Source == config.OrderSourceHTTP {
		if h, err := cfg.OrderHeaders(secretLookup(st)); err == nil {
			for _, v := range h {
				out = append(out, v)
			}
		}
	}
	return out
}

// secretsDoctorCheck is the doctor's "Secrets" line: where the secrets
// are kept and which are stored (names only), WARN for secrets in plain
// text — the plain file, or still in the config file at path — and for a
// locked file.
func secretsDoctorCheck(st *secrets.Store, cfg config.Config, path string) station.DoctorCheck {
	c := station.DoctorCheck{Name: "Secrets", State: station.DoctorOK}
	if st == nil {
		c.State, c.Words = station.DoctorWarn, "the secrets store was not opened"
		c.Hint = "labelstation secret list says why"
		return c
	}
	c.Words = "kept in " + st.Where()
	switch names, err := st.NamesErr(); {
	case err != nil:
		c.State, c.Hint = station.DoctorWarn, secrets.HintOf(err)
		c.Words += ", which cannot be listed: " + err.Error()
	case len(names) == 0:
		c.Words += ": none stored"
	default:
		c.Words += ": " + strings.Join(names, ", ")
	}
	if w := secretWarnings(st, cfg, path); len(w) > 0 {
		c.State = station.DoctorWarn
		c.Words += "; " + strings.Join(w, "; ")
		if c.Hint == "" {
			c.Hint = `keep the secrets in the OS keyring, or in the encrypted file ([secrets] backend = "file" with ` + secrets.PassphraseEnv + `), and none in the config file`
		}
	}
	return c
}

// configFile is the config file the station reads.
func configFile(g *globals) (path string, explicit bool) {
	if g.configPath != "" {
		return g.configPath, true
	}
	return config.DefaultPath(), false
}

// openSecrets opens the store for dataDir with the [secrets] table of the
// config file at path, read on its own: the secret commands must work
// while the rest of the config is not valid yet for want of a secret.
func openSecrets(dataDir, path string) (*secrets.Store, error) {
	_, sc, err := config.ReadSecretsSettings(path)
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: "fix the [secrets] table of the config file", Err: err}
	}
	st, err := secrets.Open(dataDir, secrets.Config{Backend: sc.Backend, KeyringService: sc.KeyringService})
	if err != nil {
		return nil, secretProblem(err)
	}
	return st, nil
}

// secretStore is openSecrets for the secret commands: the data directory
// from --data, else the config file's data_dir, else the default.
func secretStore(g *globals) (*secrets.Store, string, error) {
	path, explicit := configFile(g)
	if explicit {
		if _, err := os.Stat(path); err != nil {
			return nil, path, &station.Problem{Msg: fmt.Sprintf("read config: %v", err), Hint: "give an existing config file with --config, or leave --config out", Err: err}
		}
	}
	dataDir, _, err := config.ReadSecretsSettings(path)
	if err != nil {
		return nil, path, &station.Problem{Msg: err.Error(), Hint: "fix the config file first", Err: err}
	}
	st, err := openSecrets(g.resolveDataDir(config.Config{DataDir: dataDir}), path)
	return st, path, err
}

func secretProblem(err error) error {
	var p *station.Problem
	if err == nil || errors.As(err, &p) {
		return err
	}
	return &station.Problem{Msg: err.Error(), Hint: secrets.HintOf(err), Err: err}
}

// promptingGet is st.Get that asks a terminal for the passphrase the
// first time a secret is needed from a locked file.
func promptingGet(ctx context.Context, g *globals, st *secrets.Store) func(string) (string, bool, error) {
	return func(name string) (string, bool, error) {
		v, ok, err := st.Get(name)
		if errors.Is(err, secrets.ErrLocked) && secrets.IsTerminal(g.stdin) {
			if uerr := unlockSecrets(ctx, g, st, false); uerr != nil {
				return "", false, uerr
			}
			v, ok, err = st.Get(name)
		}
		return v, ok, err
	}
}

// unlockSecrets gives a locked store its passphrase from the terminal:
// twice for a new file (only to write one: an absent file holds nothing
// to read), up to three tries for an existing one.
func unlockSecrets(ctx context.Context, g *globals, st *secrets.Store, write bool) error {
	if !st.Locked() || (!write && st.NewFile()) {
		return nil
	}
	where := st.Where()
	if !secrets.IsTerminal(g.stdin) {
		return &station.Problem{Msg: "the secrets in " + where + " are locked",
			Hint: "set " + secrets.PassphraseEnv + " to the passphrase, or run the command at a terminal, which asks for it", Err: secrets.ErrLocked}
	}
	if st.NewFile() {
		p1, err := secrets.ReadSecret(ctx, g.stdin, g.stderr, fmt.Sprintf("new passphrase for %s (at least %d characters): ", where, secrets.MinPassphraseLen))
		if err != nil {
			return err
		}
		p2, err := secrets.ReadSecret(ctx, g.stdin, g.stderr, "the same passphrase again: ")
		if err != nil {
			return err
		}
		if p1 != p2 {
			return &station.Problem{Msg: "the two passphrases differ: nothing was stored", Hint: "run the command again and type the same passphrase twice"}
		}
		return secretProblem(st.Unlock(p1))
	}
	for try := 1; ; try++ {
		p, err := secrets.ReadSecret(ctx, g.stdin, g.stderr, "passphrase for "+where+": ")
		if err != nil {
			return err
		}
		err = st.Unlock(p)
		if err == nil || !errors.Is(err, secrets.ErrWrongPassphrase) || try == 3 {
			return secretProblem(err)
		}
		fmt.Fprintln(g.stderr, "that passphrase does not open it; try again")
	}
}

// secretName checks the NAME argument: a usage mistake otherwise.
func secretName(cmd string, pos []string) (string, error) {
	switch {
	case len(pos) == 0:
		return "", usage("labelstation secret "+cmd+" NAME, e.g. postnord.apikey (labelstation secret list shows the names)", "secret %s needs the secret's NAME", cmd)
	case len(pos) > 1 && cmd == "set":
		// Never quote the extra argument: it is likely the value.
		return "", usage("labelstation secret set NAME, then type the value (it is not shown), or pipe it: labelstation secret set NAME < FILE",
			"secret set takes only the NAME: the value is read from stdin, never from the command line, where the shell's history and other users would see it")
	case len(pos) > 1:
		return "", usage("labelstation secret "+cmd+" NAME", "secret %s takes one NAME", cmd)
	}
	if err := secrets.ValidName(pos[0]); err != nil {
		return "", usage(secrets.HintOf(err), "%v", err)
	}
	return pos[0], nil
}

// secretNotes warns when name has a value that wins over the store.
func secretNotes(g *globals, name, path string) []string {
	var out []string
	if env := config.SecretEnv[name]; env != "" {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			out = append(out, fmt.Sprintf("%s is set in this environment and wins over the store for %s", env, name))
		}
	}
	if name == "postnord.apikey" && g.postnordKey != "" {
		out = append(out, "the --postnord-apikey flag wins over the store for postnord.apikey")
	}
	plain, _ := config.ReadPlainSecrets(path)
	for _, p := range plain {
		if p.Name == name {
			out = append(out, fmt.Sprintf("the config file %s still holds %s, and the file wins over the store: %s", path, name, p.Fix()))
		}
	}
	return out
}

func warn(g *globals, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(g.stderr, "labelstation: warning: %s\n", w)
	}
}

// secretResult is the JSON of set, delete and import-config: names and
// places, never a value.
type secretResult struct {
	Names    []string `json:"names"`
	Backend  string   `json:"backend"`
	Where    string   `json:"where"`
	Fix      []string `json:"fix,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

func secretSet(ctx context.Context, g *globals, args []string) error {
	st, name, path, err := openSecretNamed(ctx, g, "set", args, true)
	if err != nil {
		return err
	}
	value, err := secrets.ReadSecret(ctx, g.stdin, g.stderr, fmt.Sprintf("value of %s (not shown): ", name))
	if err != nil {
		return fmt.Errorf("read the value of %s: %w", name, err)
	}
	value = strings.TrimSpace(value)
	if err := st.Set(name, value); err != nil {
		return secretProblem(err)
	}
	return secretChanged(g, st, name, path, fmt.Sprintf("stored %s in %s", name, st.Where()))
}

func secretDelete(ctx context.Context, g *globals, args []string) error {
	st, name, path, err := openSecretNamed(ctx, g, "delete", args, false)
	if err != nil {
		return err
	}
	if err := st.Delete(name); err != nil {
		return secretProblem(err)
	}
	return secretChanged(g, st, name, path, fmt.Sprintf("deleted %s from %s", name, st.Where()))
}

// openSecretNamed is secret set's and delete's start: the one NAME in
// args, and the store unlocked (write: a new encrypted file may be made).
func openSecretNamed(ctx context.Context, g *globals, cmd string, args []string, write bool) (st *secrets.Store, name, path string, err error) {
	pos, err := parseArgs(newFlagSet("secret "+cmd, g), args)
	if err != nil {
		return nil, "", "", err
	}
	if name, err = secretName(cmd, pos); err != nil {
		return nil, "", "", err
	}
	if st, path, err = secretStore(g); err != nil {
		return nil, "", "", err
	}
	if err := unlockSecrets(ctx, g, st, write); err != nil {
		return nil, "", "", err
	}
	return st, name, path, nil
}

// secretChanged reports a set or delete of name: done in words, or the
// JSON, and the warnings.
func secretChanged(g *globals, st *secrets.Store, name, path, done string) error {
	warnings := secretNotes(g, name, path)
	if w := st.Warning(); w != "" {
		warnings = append(warnings, w)
	}
	if g.json {
		warn(g, warnings)
		return printJSON(g, secretResult{Names: []string{name}, Backend: st.Backend(), Where: st.Where(), Warnings: warnings})
	}
	fmt.Fprintln(g.stdout, done)
	warn(g, warnings)
	return nil
}

// secretRow is one line of secret list: where a secret is and which of
// its places the station uses (a flag, then the environment, then the
// config file, then the store).
type secretRow struct {
	Name     string `json:"name"`
	Stored   bool   `json:"stored"`
	Env      string `json:"env,omitempty"`            // the variable, when it is set
	InConfig bool   `json:"in_config_file,omitempty"` // in plain text
	UsedFrom string `json:"used_from"`                // flag, environment, config file, store
}

func secretList(ctx context.Context, g *globals, args []string) error {
	pos, err := parseArgs(newFlagSet("secret list", g), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage("labelstation secret list", "secret list takes no arguments")
	}
	st, path, err := secretStore(g)
	if err != nil {
		return err
	}
	if err := unlockSecrets(ctx, g, st, false); err != nil {
		return err
	}
	stored, err := st.NamesErr()
	if err != nil {
		return secretProblem(err)
	}
	plain, err := config.ReadPlainSecrets(path)
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "fix the config file first", Err: err}
	}
	rows := map[string]*secretRow{}
	row := func(name string) *secretRow {
		if rows[name] == nil {
			rows[name] = &secretRow{Name: name}
		}
		return rows[name]
	}
	for _, n := range stored {
		row(n).Stored = true
	}
	for _, p := range plain {
		row(p.Name).InConfig = true
	}
	for name, env := range config.SecretEnv {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			row(name).Env = env
		}
	}
	if g.postnordKey != "" {
		row("postnord.apikey")
	}
	var list []secretRow
	for _, r := range rows {
		switch {
		case r.Name == "postnord.apikey" && g.postnordKey != "":
			r.UsedFrom = "flag"
		case r.Env != "":
			r.UsedFrom = "environment"
		case r.InConfig:
			r.UsedFrom = "config file"
		default:
			r.UsedFrom = "store"
		}
		list = append(list, *r)
	}
	slices.SortFunc(list, func(a, b secretRow) int {
		if d := secretOrder(a.Name) - secretOrder(b.Name); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	var warnings []string
	if w := st.Warning(); w != "" {
		warnings = append(warnings, w)
	}
	if len(plain) > 0 {
		warnings = append(warnings, fmt.Sprintf("the config file %s holds %d secret(s) in plain text: labelstation secret import-config moves them into the store", path, len(plain)))
	}
	if g.json {
		warn(g, warnings)
		if list == nil {
			list = []secretRow{}
		}
		return printJSON(g, struct {
			Backend  string      `json:"backend"`
			Where    string      `json:"where"`
			Secrets  []secretRow `json:"secrets"`
			Warnings []string    `json:"warnings,omitempty"`
		}{st.Backend(), st.Where(), list, warnings})
	}
	fmt.Fprintf(g.stdout, "secrets store: %s (backend %s)\n", st.Where(), st.Backend())
	if len(list) == 0 {
		fmt.Fprintln(g.stdout, "no secrets are stored; labelstation secret set NAME stores one")
	} else {
		tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTORED\tUSED FROM")
		for _, r := range list {
			stored, used := "-", r.UsedFrom
			if r.Stored {
				stored = "yes"
			}
			switch r.UsedFrom {
			case "flag":
				used = "the --postnord-apikey flag"
			case "environment":
				used = r.Env + " (the environment wins)"
			case "config file":
				used = "the config file, in plain text: labelstation secret import-config"
			case "store":
				used = "the store"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, stored, used)
		}
		tw.Flush()
	}
	warn(g, warnings)
	return nil
}

// secretOrder lists the fixed secrets first, in the README's order.
func secretOrder(name string) int {
	if i := slices.Index(secrets.Fixed, name); i >= 0 {
		return i
	}
	return len(secrets.Fixed)
}

func secretImportConfig(ctx context.Context, g *globals, args []string) error {
	pos, err := parseArgs(newFlagSet("secret import-config", g), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage("labelstation [--config FILE] secret import-config", "secret import-config takes no arguments (the config file is --config, or the default)")
	}
	path, _ := configFile(g)
	if _, err := os.Stat(path); err != nil {
		return &station.Problem{Msg: fmt.Sprintf("no config file at %s", path), Hint: "give the config file with --config FILE", Err: err}
	}
	plain, err := config.ReadPlainSecrets(path)
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "fix the config file first", Err: err}
	}
	if len(plain) == 0 {
		if g.json {
			return printJSON(g, secretResult{Names: []string{}})
		}
		fmt.Fprintf(g.stdout, "the config file %s holds no secrets in plain text: nothing to import\n", path)
		return nil
	}
	st, _, err := secretStore(g)
	if err != nil {
		return err
	}
	if err := unlockSecrets(ctx, g, st, true); err != nil {
		return err
	}
	res := secretResult{Backend: st.Backend(), Where: st.Where()}
	for _, p := range plain {
		if err := st.Set(p.Name, strings.TrimSpace(p.Value)); err != nil {
			if len(res.Names) > 0 {
				fmt.Fprintf(g.stderr, "labelstation: moved %s before this failure\n", strings.Join(res.Names, ", "))
			}
			return secretProblem(err)
		}
		res.Names = append(res.Names, p.Name)
		res.Fix = append(res.Fix, p.Fix())
	}
	if w := st.Warning(); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
	if g.json {
		warn(g, res.Warnings)
		return printJSON(g, res)
	}
	fmt.Fprintf(g.stdout, "copied %d secret(s) from %s into %s: %s\n", len(res.Names), path, st.Where(), strings.Join(res.Names, ", "))
	fmt.Fprintf(g.stdout, "now edit %s (the station does not rewrite it): while a secret is in the file, the file's value wins over the store\n", path)
	for _, f := range res.Fix {
		fmt.Fprintf(g.stdout, "  %s\n", f)
	}
	warn(g, res.Warnings)
	return nil
}
