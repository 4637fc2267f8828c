// Package roles is the bench's two roles: packer (the default) and
// supervisor, behind a PIN. It hashes the supervisor PIN with argon2id,
// checks it with a durable lock-out after repeated wrong PINs, and keeps
// the supervisor session that ends after a while idle or on Lock.
//
// What each role may do is the GUI's to decide (app/roles.go); the
// station's facade (station/supervisor.go) words the errors. The CLI is
// the site IT's tool on the machine and is not gated.
package roles

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PIN length, in digits.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// Params are argon2id's cost parameters, kept in every hash so a hash
// made with older parameters still verifies after they change.
type Params struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32 // memory, in KiB
	Threads   uint8  // lanes
	SaltLen   uint32 // random salt, bytes
	KeyLen    uint32 // derived key, bytes
}

// DefaultParams are RFC 9106's second recommended option for argon2id
// (section 4: t=3 passes, m=64 MiB, p=4 lanes, 128-bit salt, 256-bit
// key). About 0.3 s on a two-core bench PC, so a wrong PIN costs a
// guesser that too, and 64 MiB per attempt makes a GPU search of a
// stolen data file slow. (A 4-digit PIN has only 10,000 values: the
// hash keeps the PIN from being read off the file and reused; against
// guessing at the bench the lock-out is the guard.)
var DefaultParams = Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4, SaltLen: 16, KeyLen: 32}

// Errors. WrongPINError and LockedError carry the details and match
// ErrWrongPIN and ErrLockedOut with errors.Is.
var (
	ErrWrongPIN  = errors.New("wrong PIN")
	ErrLockedOut = errors.New("supervisor PIN locked out")
	ErrNoPIN     = errors.New("no supervisor PIN is set")
	ErrPINFormat = errors.New("a PIN is 4 to 12 digits")
	ErrWeakPIN   = errors.New("PIN too easy to guess")
	ErrBadHash   = errors.New("unreadable PIN hash")
)

// CheckFormat says whether pin can be a PIN at all: 4 to 12 ASCII digits.
func CheckFormat(pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return ErrPINFormat
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ErrPINFormat
		}
	}
	return nil
}

// CheckNew says whether pin may be chosen as the new PIN: the format,
// and not one digit repeated (0000) or a straight run up or down (1234,
// 9876), the first PINs anyone tries.
func CheckNew(pin string) error {
	if err := CheckFormat(pin); err != nil {
		return err
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if same || up || down {
		return ErrWeakPIN
	}
	return nil
}

// HashPIN derives an argon2id key from pin with a fresh random salt and
// encodes it in the PHC string format that libsodium and the reference
// implementation use: $argon2id$v=19$m=65536,t=3,p=4$SALT$KEY (base64,
// no padding).
func HashPIN(pin string, p Params) (string, error) {
	if p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 || p.SaltLen == 0 || p.KeyLen == 0 {
		return "", fmt.Errorf("argon2id parameters %+v: none may be 0", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("PIN salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPIN reports whether pin matches the encoded hash. The keys are
// compared in constant time (keysEqual).
func VerifyPIN(encoded, pin string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pin), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return keysEqual(got, key), nil
}

// keysEqual compares two derived keys in time that depends only on their
// length, never on where they first differ, so the time a wrong PIN takes
// tells nothing about how close it was.
func keysEqual(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// ParamsOf reads the parameters a hash was made with.
func ParamsOf(encoded string) (Params, error) {
	p, _, _, err := decodeHash(encoded)
	return p, err
}

func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id hash", ErrBadHash)
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: argon2 version %q", ErrBadHash, parts[2])
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &threads); err != nil {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	if p.MemoryKiB == 0 || p.Time == 0 || threads == 0 || threads > 255 || p.MemoryKiB > 4<<20 || p.Time > 64 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q out of range", ErrBadHash, parts[3])
	}
	p.Threads = uint8(threads)
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("%w: key", ErrBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
