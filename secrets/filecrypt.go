package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// The encrypted file, DATA/secrets.enc (integers big-endian):
//
//	offset  size  what
//	0       8     magic "LSSECv1\n"
//	8       4     argon2id passes (t)
//	12      4     argon2id memory, KiB (m)
//	16      1     argon2id lanes (p)
//	17      16    salt, random, made once with the file
//	33      12    AES-GCM nonce, random, new at every write
//	45      …     AES-256-GCM sealed JSON object {"name": "value", …}
//
// The first 45 bytes are the additional data of the seal, so nobody can
// change the parameters or the salt unnoticed. The key is
// argon2id(passphrase, salt, t, m, p, 32 bytes). The parameters are kept
// in the file so they can be raised later without losing old files.
const (
	cryptMagic     = "LSSECv1\n"
	cryptHeaderLen = 8 + 4 + 4 + 1 + saltLen + nonceLen
	saltLen        = 16
	nonceLen       = 12
	keyLen         = 32
)

// kdfParams are argon2id's costs.
type kdfParams struct {
	time    uint32 // passes over the memory
	memory  uint32 // KiB
	threads uint8  // lanes
}

// defaultKDF is RFC 9106's second recommended option for argon2id
// (section 4): t=3 passes, m=64 MiB, p=4 lanes, with a 128-bit salt and a
// 256-bit key — about a third of a second on a bench PC, once per start.
// Tests lower it.
var defaultKDF = kdfParams{time: 3, memory: 64 * 1024, threads: 4}

// Bounds on the parameters read from a file, so a damaged or hostile
// header cannot ask for gigabytes.
func (p kdfParams) sane() bool {
	return p.time >= 1 && p.time <= 16 && p.memory >= 8 && p.memory <= 1024*1024 && p.threads >= 1 && p.threads <= 64
}

// MinPassphraseLen is the shortest passphrase a new file is made with.
const MinPassphraseLen = 8

// cryptFile is the file backend. key is nil while locked.
type cryptFile struct {
	path   string
	key    []byte
	salt   []byte
	params kdfParams
	values map[string]string
	stamp  fileStamp // of the file the values were read from
	// envPass is LABELSTATION_SECRETS_PASSPHRASE, tried at the first use.
	envPass string
}

type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	return fileStamp{fi.Size(), fi.ModTime()}, true
}

func openCryptFile(path string) (*cryptFile, error) {
	f := &cryptFile{path: path}
	if _, err := os.Stat(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{Msg: fmt.Sprintf("cannot read %s: %v", path, err), Hint: "check the data directory's permissions", Err: err}
	}
	return f, nil
}

// locked reports whether a passphrase is needed: none was given, nor is
// one waiting in the environment.
func (f *cryptFile) locked() bool { return f.key == nil && f.envPass == "" }

// ensure unlocks with the environment's passphrase if that is still to
// be tried; a locked file is an error.
func (f *cryptFile) ensure() error {
	if f.key != nil {
		return nil
	}
	if f.envPass == "" {
		return f.lockedErr()
	}
	pass := f.envPass
	f.envPass = ""
	err := f.unlock(pass)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrWrongPassphrase):
		return &Error{Msg: fmt.Sprintf("%s does not open %s", PassphraseEnv, f.path), Hint: "set " + PassphraseEnv + " to the passphrase the secrets were stored with", Err: ErrWrongPassphrase}
	case errors.Is(err, ErrBadValue):
		return &Error{Msg: fmt.Sprintf("%s is shorter than %d characters", PassphraseEnv, MinPassphraseLen), Hint: "choose a longer passphrase for the new secrets file", Err: ErrBadValue}
	}
	return err
}

func lockedHint(f *cryptFile) string {
	if !exists(f.path) {
		return "give the passphrase the new encrypted file " + f.path + " is to be made with: set " + PassphraseEnv + ", or run labelstation secret set at a terminal, which asks for it"
	}
	return "give its passphrase: set " + PassphraseEnv + " (a service), or type it when the station asks (a terminal or the window)"
}

func (f *cryptFile) lockedErr() error {
	return &Error{Msg: fmt.Sprintf("the secrets in %s are locked", f.path), Hint: lockedHint(f), Err: ErrLocked}
}

// unlock derives the key from passphrase: the file's key when it exists
// (checked by opening it), else a new key with a new salt for the file
// the first Set makes.
func (f *cryptFile) unlock(passphrase string) error {
	f.envPass = "" // a passphrase given wins over the environment's
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		if utf8.RuneCountInString(passphrase) < MinPassphraseLen {
			return &Error{Msg: fmt.Sprintf("the passphrase is shorter than %d characters", MinPassphraseLen), Hint: "choose a longer passphrase; the supervisor will type it at every start of a station without " + PassphraseEnv, Err: ErrBadValue}
		}
		salt := make([]byte, saltLen)
		if _, err := rand.Read(salt); err != nil {
			return err
		}
		f.params, f.salt = defaultKDF, salt
		f.key = derive(passphrase, salt, f.params)
		f.values, f.stamp = map[string]string{}, fileStamp{}
		return nil
	}
	if err != nil {
		return &Error{Msg: fmt.Sprintf("cannot read %s: %v", f.path, err), Hint: "check the data directory's permissions", Err: err}
	}
	params, salt, err := f.header(data)
	if err != nil {
		return err
	}
	key := derive(passphrase, salt, params)
	values, err := f.open(data, key)
	if err != nil {
		return err
	}
	f.key, f.salt, f.params, f.values = key, salt, params, values
	f.stamp, _ = stampOf(f.path)
	return nil
}

func derive(passphrase string, salt []byte, p kdfParams) []byte {
	return argon2.IDKey([]byte(passphrase), salt, p.time, p.memory, p.threads, keyLen)
}

func (f *cryptFile) corrupt(why string) error {
	return &Error{Msg: fmt.Sprintf("%s is not a labelstation secrets file (%s)", f.path, why),
		Hint: "restore it from a backup; if it is lost, delete it and set the secrets again (labelstation secret set NAME)", Err: ErrCorrupt}
}

func (f *cryptFile) header(data []byte) (kdfParams, []byte, error) {
	if len(data) < cryptHeaderLen+16 || string(data[:8]) != cryptMagic {
		return kdfParams{}, nil, f.corrupt("no header")
	}
	p := kdfParams{time: binary.BigEndian.Uint32(data[8:12]), memory: binary.BigEndian.Uint32(data[12:16]), threads: data[16]}
	if !p.sane() {
		return kdfParams{}, nil, f.corrupt("unusable key parameters")
	}
	return p, bytes.Clone(data[17 : 17+saltLen]), nil
}

// open decrypts data with key. A wrong passphrase and a changed file look
// the same to AES-GCM: both are said as a wrong passphrase.
func (f *cryptFile) open(data, key []byte) (map[string]string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := data[17+saltLen : cryptHeaderLen]
	plain, err := aead.Open(nil, nonce, data[cryptHeaderLen:], data[:cryptHeaderLen])
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("the passphrase does not open %s", f.path),
			Hint: "give the passphrase the secrets were stored with; if it is lost, delete the file and set the secrets again", Err: ErrWrongPassphrase}
	}
	values := map[string]string{}
	if err := json.Unmarshal(plain, &values); err != nil {
		// Never quote the decoder's message: it may show part of a value.
		return nil, f.corrupt("unreadable contents")
	}
	return values, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// refresh reads the file again when another process changed it since.
func (f *cryptFile) refresh() error {
	st, ok := stampOf(f.path)
	if !ok || st == f.stamp {
		return nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return &Error{Msg: fmt.Sprintf("cannot read %s: %v", f.path, err), Hint: "check the data directory's permissions", Err: err}
	}
	params, salt, err := f.header(data)
	if err != nil {
		return err
	}
	if params != f.params || subtle.ConstantTimeCompare(salt, f.salt) != 1 {
		// Made anew with another passphrase: the key in hand is not its key.
		f.key, f.values = nil, nil
		return &Error{Msg: fmt.Sprintf("%s was made anew while the station ran", f.path), Hint: lockedHint(f), Err: ErrLocked}
	}
	values, err := f.open(data, f.key)
	if err != nil {
		return err
	}
	f.values, f.stamp = values, st
	return nil
}

// absent: no file and no key, so nothing is stored — reading needs no
// passphrase.
func (f *cryptFile) absent() bool { return f.key == nil && f.envPass == "" && !exists(f.path) }

func (f *cryptFile) get(name string) (string, bool, error) {
	if f.absent() {
		return "", false, nil
	}
	if err := f.ensure(); err != nil {
		return "", false, err
	}
	if err := f.refresh(); err != nil {
		return "", false, err
	}
	v, ok := f.values[name]
	return v, ok, nil
}

func (f *cryptFile) set(name, value string) error {
	if err := f.ensure(); err != nil {
		return err
	}
	if err := f.refresh(); err != nil {
		return err
	}
	next := make(map[string]string, len(f.values)+1)
	for k, v := range f.values {
		next[k] = v
	}
	next[name] = value
	return f.write(next)
}

func (f *cryptFile) del(name string) error {
	if !f.absent() {
		if err := f.ensure(); err != nil {
			return err
		}
		if err := f.refresh(); err != nil {
			return err
		}
	}
	if _, ok := f.values[name]; !ok {
		return &Error{Msg: fmt.Sprintf("no secret %s is stored in %s", name, f.path), Hint: "labelstation secret list shows what is stored", Err: ErrNotFound}
	}
	next := make(map[string]string, len(f.values))
	for k, v := range f.values {
		if k != name {
			next[k] = v
		}
	}
	return f.write(next)
}

func (f *cryptFile) names() ([]string, error) {
	if f.absent() {
		return nil, nil
	}
	if err := f.ensure(); err != nil {
		return nil, err
	}
	if err := f.refresh(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(f.values))
	for k := range f.values {
		out = append(out, k)
	}
	return out, nil
}

// write seals values under a new nonce and replaces the file atomically.
func (f *cryptFile) write(values map[string]string) error {
	plain, err := json.Marshal(values)
	if err != nil {
		return err
	}
	header := make([]byte, cryptHeaderLen, cryptHeaderLen+len(plain)+16)
	copy(header, cryptMagic)
	binary.BigEndian.PutUint32(header[8:12], f.params.time)
	binary.BigEndian.PutUint32(header[12:16], f.params.memory)
	header[16] = f.params.threads
	copy(header[17:], f.salt)
	if _, err := rand.Read(header[17+saltLen : cryptHeaderLen]); err != nil {
		return err
	}
	aead, err := newAEAD(f.key)
	if err != nil {
		return err
	}
	aad, nonce := bytes.Clone(header), bytes.Clone(header[17+saltLen:cryptHeaderLen])
	data := aead.Seal(header, nonce, plain, aad)
	clear(plain)
	if err := writeAtomic(f.path, data); err != nil {
		return err
	}
	f.values = values
	f.stamp, _ = stampOf(f.path)
	return nil
}
