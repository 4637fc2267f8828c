// Package secrets owns where the station keeps its secrets — the carriers'
// API keys and client secrets, the WMS webhook secret, the SMTP and SMS
// passwords, and the WMS order lookup's header values — so that none of
// them has to sit in the config file.
//
// A Store keeps them in one of three backends, chosen by Open:
//
//   - keyring: the OS keyring (Windows Credential Manager, macOS Keychain,
//     the Secret Service over D-Bus on Linux), service "labelstation",
//     user = the secret's name;
//   - file: DATA/secrets.enc, encrypted with AES-256-GCM under a key
//     derived with argon2id from a passphrase the supervisor gives
//     (LABELSTATION_SECRETS_PASSPHRASE, or typed once: Unlock), for kiosk
//     PCs without a keyring session;
//   - plain: DATA/secrets.toml with mode 0600, the last resort, which
//     Warning says out loud.
//
// The names are the config keys the secrets belong to (postnord.apikey,
// orders.http.headers.Authorization, …): see Fixed, HeaderPrefix and
// ValidName. Values never appear in an error, a log line or anything the
// package prints; ReadSecret reads one from a terminal without echo.
package secrets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Backends.
const (
	BackendKeyring = "keyring"
	BackendFile    = "file"
	BackendPlain   = "plain"
)

// Environment variables Open reads.
const (
	// PassphraseEnv holds the passphrase of the encrypted file, for a
	// station that runs as a service.
	PassphraseEnv = "LABELSTATION_SECRETS_PASSPHRASE"
	// BackendEnv forces a backend, over [secrets] backend.
	BackendEnv = "LABELSTATION_SECRETS_BACKEND"
)

// DefaultService is the keyring service the secrets are kept under.
const DefaultService = "labelstation"

// File names in the data directory.
const (
	EncryptedFile = "secrets.enc"
	PlainFile     = "secrets.toml"
)

// MaxValueLen bounds one secret (bytes). Keyrings take less on some
// systems (Windows: 2560 bytes); they say so.
const MaxValueLen = 8192

// Config chooses the backend.
type Config struct {
	// Backend is "" (automatic), "keyring", "file" or "plain".
	// LABELSTATION_SECRETS_BACKEND wins over it.
	Backend string
	// KeyringService is the keyring service name (default "labelstation");
	// two stations on one PC with different carrier accounts set their own.
	KeyringService string
}

// Errors, for errors.Is. The package's errors carry one of them, and an
// *Error in the chain carries what to do (HintOf).
var (
	// ErrLocked: the encrypted file needs its passphrase first (Unlock).
	ErrLocked = errors.New("the secrets are locked")
	// ErrWrongPassphrase: the passphrase does not open the encrypted file.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNoKeyring: the OS keyring cannot be used from this session.
	ErrNoKeyring = errors.New("no keyring session")
	// ErrNotFound: Delete of a secret that is not stored.
	ErrNotFound = errors.New("secret not stored")
	// ErrBadName: a name that is not a secret's config key.
	ErrBadName = errors.New("not a secret's name")
	// ErrBadValue: an empty, multi-line or oversized value.
	ErrBadValue = errors.New("not a usable secret value")
	// ErrCorrupt: the secrets file cannot be read as one.
	ErrCorrupt = errors.New("damaged secrets file")
)

// Error is a failure with what to do about it. It never holds a value.
type Error struct {
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// HintOf returns the hint of the first *Error in err's chain, or "".
func HintOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// Fixed are the names of the secrets with a field of their own in the
// config; HeaderPrefix + a header name are the WMS order lookup's headers.
var Fixed = []string{
	"postnord.apikey",
	"postnord.client_secret",
	"stg.client_secret",
	"wms.webhooks.secret",
	"notify.email.password",
	"notify.sms.password",
	"fleet.postgres_password",
}

// HeaderPrefix starts the names of [orders.http.headers] values.
const HeaderPrefix = "orders.http.headers."

// ValidName checks that name is a secret's config key.
func ValidName(name string) error {
	if slices.Contains(Fixed, name) {
		return nil
	}
	if h, ok := strings.CutPrefix(name, HeaderPrefix); ok && isToken(h) {
		return nil
	}
	what := "that is not the name of a secret"
	if looksLikeName(name) {
		// Quote it only when it looks like a key: a value typed where the
		// name goes must not be echoed into a log.
		what = fmt.Sprintf("%q is not the name of a secret", name)
	}
	return &Error{Msg: what,
		Hint: "use one of " + strings.Join(Fixed, ", ") + ", or " + HeaderPrefix + "NAME for a WMS header (e.g. " + HeaderPrefix + "Authorization)",
		Err:  ErrBadName}
}

// looksLikeName: short, lowercase, dotted, as a config key is written.
func looksLikeName(name string) bool {
	if name == "" || len(name) > 48 {
		return false
	}
	if strings.HasPrefix(name, HeaderPrefix) {
		return true
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// isToken reports whether h is an HTTP header name (RFC 9110 token).
func isToken(h string) bool {
	if h == "" {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}

// checkValue refuses what cannot be a secret, without quoting it.
func checkValue(name, v string) error {
	switch {
	case v == "":
		return &Error{Msg: fmt.Sprintf("the value for %s is empty: nothing was stored", name), Hint: "to remove a secret: labelstation secret delete " + name, Err: ErrBadValue}
	case strings.ContainsAny(v, "\r\n\x00"):
		return &Error{Msg: fmt.Sprintf("the value for %s has more than one line: nothing was stored", name), Hint: "a secret is one line; give it without line breaks", Err: ErrBadValue}
	case len(v) > MaxValueLen:
		return &Error{Msg: fmt.Sprintf("the value for %s is %d bytes, more than %d: nothing was stored", name, len(v), MaxValueLen), Hint: "check that the right value was given", Err: ErrBadValue}
	}
	return nil
}

// backend is one place the secrets are kept. The Store serialises calls.
type backend interface {
	get(name string) (string, bool, error)
	set(name, value string) error
	del(name string) error
	names() ([]string, error)
}

// Store is the station's secrets. Its methods are safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	kind   string // BackendKeyring, BackendFile or BackendPlain; "" until chosen
	where  string // for people: "the OS keyring (service labelstation)", a path
	reason string // why an automatic choice passed the keyring by, or ""
	b      backend
	file   *cryptFile // the file backend, for Unlock
	plain  *plainFile // the plain backend, for Warning
	// broken is why a choice made at first use failed: every call says so.
	broken error
	// pending holds an automatic choice that depends on asking the
	// keyring, made at the first use: a station that needs no secret
	// never wakes the keyring (nor its unlock prompt).
	pending *choice
}

// choice is what Open found, for choosing a backend.
type choice struct {
	service, encPath, plainPath string
	passphrase                  string // from the environment, "" if none
}

// Open opens the secrets of the station whose data directory is dir. The
// backend is cfg.Backend (or LABELSTATION_SECRETS_BACKEND); automatic
// picks, in this order, the one the data directory already uses
// (secrets.enc, then secrets.toml), the OS keyring when this session has
// one, the encrypted file when LABELSTATION_SECRETS_PASSPHRASE is set, and
// the plain file. An encrypted file is unlocked with
// LABELSTATION_SECRETS_PASSPHRASE when it is set, else it stays locked
// until Unlock. Nothing is written until Set or Delete.
func Open(dir string, cfg Config) (*Store, error) {
	kind := strings.ToLower(strings.TrimSpace(cfg.Backend))
	if v, ok := os.LookupEnv(BackendEnv); ok && strings.TrimSpace(v) != "" {
		kind = strings.ToLower(strings.TrimSpace(v))
	}
	c := &choice{service: cfg.KeyringService, encPath: filepath.Join(dir, EncryptedFile), plainPath: filepath.Join(dir, PlainFile),
		passphrase: os.Getenv(PassphraseEnv)}
	if strings.TrimSpace(c.service) == "" {
		c.service = DefaultService
	}
	s := &Store{}
	switch kind {
	case "", "auto":
		switch {
		case exists(c.encPath):
			return s.opened(s.use(BackendFile, c))
		case exists(c.plainPath):
			return s.opened(s.use(BackendPlain, c))
		}
		if sessionCheck != nil {
			if err := sessionCheck(); err != nil {
				return s.opened(s.fallBack(c, err))
			}
		}
		s.pending = c
		return s, nil
	case BackendKeyring:
		if sessionCheck != nil {
			if err := sessionCheck(); err != nil {
				return nil, noKeyringErr(err)
			}
		}
		return s.opened(s.use(BackendKeyring, c))
	case BackendFile, BackendPlain:
		return s.opened(s.use(kind, c))
	}
	return nil, &Error{Msg: fmt.Sprintf("[secrets] backend is %q", kind), Hint: `use "keyring", "file", "plain", or leave it out to choose automatically`, Err: ErrBadName}
}

func (s *Store) opened(err error) (*Store, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

func noKeyringErr(err error) error {
	return &Error{Msg: fmt.Sprintf("[secrets] backend is keyring, but %v", err),
		Hint: `log in to a desktop session with a keyring, or set [secrets] backend = "file" and give the passphrase in ` + PassphraseEnv,
		Err:  err}
}

// fallBack is the automatic choice without a keyring: the encrypted file
// when a passphrase is given, else the plain file.
func (s *Store) fallBack(c *choice, why error) error {
	s.reason = why.Error()
	if c.passphrase != "" {
		return s.use(BackendFile, c)
	}
	return s.use(BackendPlain, c)
}

// ready makes a pending automatic choice: the keyring if it answers.
func (s *Store) ready() error {
	c := s.pending
	if c == nil {
		return s.broken
	}
	s.pending = nil
	if err := keyringAvailable(c.service); err != nil {
		s.broken = s.fallBack(c, err)
	} else {
		s.broken = s.use(BackendKeyring, c)
	}
	return s.broken
}

// use sets the backend up.
func (s *Store) use(kind string, c *choice) error {
	s.kind = kind
	switch kind {
	case BackendKeyring:
		s.b, s.where = &keyringStore{service: c.service}, fmt.Sprintf("the OS keyring (service %q)", c.service)
	case BackendFile:
		f, err := openCryptFile(c.encPath)
		if err != nil {
			return err
		}
		// The passphrase from the environment is tried at the first use, so
		// a command that needs no secret does not pay for argon2id.
		f.envPass = c.passphrase
		s.b, s.file, s.where = f, f, c.encPath+" (encrypted)"
	case BackendPlain:
		p, err := openPlainFile(c.plainPath)
		if err != nil {
			return err
		}
		s.b, s.plain, s.where = p, p, c.plainPath+" (plain text)"
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Backend is "keyring", "file" or "plain". An automatic choice not made
// yet is made now.
func (s *Store) Backend() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready()
	return s.kind
}

// Where says where the secrets are kept, for people: "the OS keyring
// (service "labelstation")", "/…/secrets.enc (encrypted)".
func (s *Store) Where() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready()
	return s.where
}

// String says which backend, never a value.
func (s *Store) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending != nil {
		return "secrets store (not chosen yet)"
	}
	return "secrets store: " + s.where
}

// GoString is String: %#v of a Store never prints a value.
func (s *Store) GoString() string { return s.String() }

// Warning is what the status bar and doctor show about the store, or "":
// secrets kept in plain text, or an encrypted file still locked.
func (s *Store) Warning() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.plain != nil && s.plain.inUse():
		w := "secrets are kept in plain text in " + s.plain.path
		if s.plain.looseMode {
			w += ", which other users can read: chmod 600 " + s.plain.path
		} else {
			w += " (only this user can read it)"
		}
		if s.reason != "" {
			w += "; " + s.reason
		}
		w += `; to encrypt them, set [secrets] backend = "file" with a passphrase in ` + PassphraseEnv + " and set them again"
		return w
	case s.file != nil && s.file.locked() && exists(s.file.path):
		return "secrets are locked: " + lockedHint(s.file)
	}
	return ""
}

// Locked reports whether the encrypted file still needs its passphrase.
func (s *Store) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file != nil && s.file.locked()
}

// NewFile reports whether the encrypted file does not exist yet: the
// passphrase given to Unlock will be the one it is made with (ask twice).
func (s *Store) NewFile() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file != nil && !exists(s.file.path)
}

// Unlock opens the encrypted file with passphrase. For a file that does
// not exist yet, passphrase becomes its passphrase (MinPassphraseLen
// characters at least) when the first secret is stored. The other
// backends need no passphrase: Unlock does nothing.
func (s *Store) Unlock(passphrase string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	return s.file.unlock(passphrase)
}

// Get returns the secret called name; ok is false when it is not stored.
func (s *Store) Get(name string) (value string, ok bool, err error) {
	if err := ValidName(name); err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(); err != nil {
		return "", false, err
	}
	return s.b.get(name)
}

// Set stores value as the secret called name, replacing what was there.
func (s *Store) Set(name, value string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := checkValue(name, value); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(); err != nil {
		return err
	}
	return s.b.set(name, value)
}

// Delete removes the secret called name; ErrNotFound when it is not there.
func (s *Store) Delete(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(); err != nil {
		return err
	}
	return s.b.del(name)
}

// Names returns the names of the stored secrets, sorted, never values. A
// locked file or an unreachable keyring lists nothing: NamesErr says why.
func (s *Store) Names() []string {
	n, _ := s.NamesErr()
	return n
}

// NamesErr is Names with the error that kept it from listing.
func (s *Store) NamesErr() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(); err != nil {
		return nil, err
	}
	n, err := s.b.names()
	slices.Sort(n)
	return slices.Compact(n), err
}

// keyringTimeout bounds one keyring call: a keyring that shows an unlock
// prompt nobody answers must not hang the station. probeTimeout bounds
// the first look, when Open chooses automatically.
var (
	keyringTimeout = 30 * time.Second
	probeTimeout   = 5 * time.Second
)
