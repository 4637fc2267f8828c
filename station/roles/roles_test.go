package roles

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/store"
)

// The station keeps the record in its data file.
var _ Settings = (*store.Store)(nil)

// fastParams keep the tests quick; one test uses DefaultParams.
var fastParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 10, 14, 0, 0, 0, time.Local)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// memSettings is a Settings in memory, JSON like the store.
type memSettings struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
	fail error
}

func (s *memSettings) PutSetting(name string, v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[name] = b
	s.puts++
	return nil
}

func (s *memSettings) Setting(name string, v any) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[name]
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(b, v)
}

func newGuard(t *testing.T, st Settings, clk *fakeClock) *Guard {
	t.Helper()
	return NewGuard(st, Options{Params: fastParams, Now: clk.Now})
}

// guardWithPIN is a guard whose PIN is 2580, locked again (Lock) after
// setting it.
func guardWithPIN(t *testing.T, st Settings, clk *fakeClock) *Guard {
	t.Helper()
	g := newGuard(t, st, clk)
	if err := g.SetPIN("", "2580"); err != nil {
		t.Fatal(err)
	}
	g.Session().End()
	return g
}

func TestHashRoundTrip(t *testing.T) {
	// The real parameters, once.
	h, err := HashPIN("2580", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash %q is not an argon2id PHC string with the default parameters", h)
	}
	if strings.Contains(h, "2580") {
		t.Errorf("hash %q contains the PIN", h)
	}
	if p, err := ParamsOf(h); err != nil || p != DefaultParams {
		t.Errorf("ParamsOf = %+v, %v; want %+v", p, err, DefaultParams)
	}
	for pin, want := range map[string]bool{"2580": true, "2581": false, "25800": false, "0852": false} {
		got, err := VerifyPIN(h, pin)
		if err != nil || got != want {
			t.Errorf("VerifyPIN(%s) = %v, %v; want %v", pin, got, err, want)
		}
	}
	// A random salt: the same PIN never hashes the same twice.
	h2, err := HashPIN("2580", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	h3, _ := HashPIN("2580", fastParams)
	if h2 == h3 {
		t.Error("two hashes of one PIN are equal: the salt is not random")
	}
	if ok, _ := VerifyPIN(h3, "2580"); !ok {
		t.Error("a hash with other parameters does not verify: they are not read from the hash")
	}
}

func TestVerifyRefusesBadHashes(t *testing.T) {
	good, _ := HashPIN("2580", fastParams)
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"", "2580", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$" + parts[3] + "$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=0,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
	} {
		if ok, err := VerifyPIN(h, "2580"); ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("VerifyPIN(%q) = %v, %v; want ErrBadHash", h, ok, err)
		}
	}
}

func TestPINRules(t *testing.T) {
	for pin, want := range map[string]error{
		"2580": nil, "147036": nil, "290317481234": nil,
		"": ErrPINFormat, "258": ErrPINFormat, "2580147036925": ErrPINFormat, "25a0": ErrPINFormat, " 2580": ErrPINFormat, "２５８０": ErrPINFormat,
		"0000": ErrWeakPIN, "1234": ErrWeakPIN, "9876": ErrWeakPIN, "8901": ErrWeakPIN, "3210987": ErrWeakPIN, "55555555": ErrWeakPIN,
	} {
		if err := CheckNew(pin); !errors.Is(err, want) {
			t.Errorf("CheckNew(%q) = %v, want %v", pin, err, want)
		}
	}
	// A weak PIN is still a well-formed one: Unlock only checks the format.
	if err := CheckFormat("1234"); err != nil {
		t.Error(err)
	}
}

// Wrong PINs count down and are recorded before the answer.
func TestWrongPIN(t *testing.T) {
	clk, st := newClock(), &memSettings{}
	g := guardWithPIN(t, st, clk)
	for left := 4; left >= 1; left-- {
		err := g.Unlock("1111")
		var we *WrongPINError
		if !errors.As(err, &we) || !errors.Is(err, ErrWrongPIN) || we.Left != left || !we.LockedUntil.IsZero() {
			t.Fatalf("wrong PIN: %v (%+v), want %d tries left", err, we, left)
		}
		if we.NextLock != 5*time.Minute {
			t.Errorf("NextLock %v, want 5m", we.NextLock)
		}
		r, _ := g.Record()
		if r.Failures != 5-left {
			t.Errorf("stored failures %d, want %d", r.Failures, 5-left)
		}
		if on, _ := g.Session().Active(); on {
			t.Fatal("a wrong PIN started a session")
		}
	}
	// The right PIN clears the count.
	if err := g.Unlock("2580"); err != nil {
		t.Fatal(err)
	}
	if r, _ := g.Record(); r.Failures != 0 {
		t.Errorf("failures %d after the right PIN", r.Failures)
	}
	if on, until := g.Session().Active(); !on || !until.Equal(clk.Now().Add(10*time.Minute)) {
		t.Errorf("session %v until %v after the right PIN", on, until)
	}
	// A malformed PIN is refused and not counted.
	g.Session().End()
	if err := g.Unlock("25"); !errors.Is(err, ErrPINFormat) {
		t.Errorf("Unlock(25) = %v", err)
	}
	if r, _ := g.Record(); r.Failures != 0 {
		t.Errorf("a malformed PIN was counted: %d", r.Failures)
	}
}

// Five wrong PINs in a row lock the PIN for 5 minutes; during the
// lock-out even the right PIN is refused, unchecked and uncounted.
func TestLockoutAfterFive(t *testing.T) {
	clk, st := newClock(), &memSettings{}
	g := guardWithPIN(t, st, clk)
	for range 4 {
		g.Unlock("1111")
	}
	err := g.Unlock("1111")
	var we *WrongPINError
	if !errors.As(err, &we) || we.Left != 0 || !we.LockedUntil.Equal(clk.Now().Add(5*time.Minute)) {
		t.Fatalf("fifth wrong PIN: %v (%+v), want locked until %v", err, we, clk.Now().Add(5*time.Minute))
	}
	if err.Error() != "wrong PIN: locked until 14:05" {
		t.Errorf("message %q", err)
	}
	puts := st.puts
	clk.Add(4*time.Minute + 59*time.Second)
	err = g.Unlock("2580")
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLockedOut) || !le.Until.Equal(we.LockedUntil) {
		t.Fatalf("right PIN during the lock-out: %v, want LockedError until %v", err, we.LockedUntil)
	}
	if on, _ := g.Session().Active(); on {
		t.Fatal("the right PIN unlocked during a lock-out")
	}
	if st.puts != puts {
		t.Error("a PIN during the lock-out was counted")
	}
	// SetPIN is locked out the same way.
	if err := g.SetPIN("2580", "3690"); !errors.Is(err, ErrLockedOut) {
		t.Errorf("SetPIN during the lock-out: %v", err)
	}
	clk.Add(time.Second)
	if err := g.Unlock("2580"); err != nil {
		t.Fatalf("right PIN after the lock-out: %v", err)
	}
	if r, _ := g.Record(); r != (Record{Hash: r.Hash, SetAt: r.SetAt}) {
		t.Errorf("record after the right PIN %+v, want clean counters", r)
	}
}

// Each lock-out before a right PIN is twice as long as the one before,
// up to a day; a right PIN starts again at 5 minutes.
func TestLockoutDoubles(t *testing.T) {
	clk, st := newClock(), &memSettings{}
	g := guardWithPIN(t, st, clk)
	lockOut := func() time.Duration {
		t.Helper()
		start := clk.Now()
		var err error
		for range 5 {
			err = g.Unlock("1111")
		}
		var we *WrongPINError
		if !errors.As(err, &we) || we.LockedUntil.IsZero() {
			t.Fatalf("five wrong PINs: %v", err)
		}
		d := we.LockedUntil.Sub(start)
		clk.Add(d)
		return d
	}
	for i, want := range []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute} {
		if got := lockOut(); got != want {
			t.Errorf("lock-out %d lasted %v, want %v", i+1, got, want)
		}
	}
	// After the fifth lock-out, the error says how long the next would be.
	err := g.Unlock("1111")
	var we *WrongPINError
	if !errors.As(err, &we) || we.Left != 4 || we.NextLock != 160*time.Minute {
		t.Errorf("after five lock-outs: %v %+v, want 4 left and the next lock 160m", err, we)
	}
	for range 3 {
		g.Unlock("1111")
	}
	if err := g.Unlock("1111"); !errors.As(err, &we) || !we.LockedUntil.Equal(clk.Now().Add(160*time.Minute)) {
		t.Fatalf("sixth lock-out: %v, want 160m", err)
	}
	clk.Add(160 * time.Minute)
	for range 5 {
		lockOut()
	}
	if got := lockOut(); got != 24*time.Hour {
		t.Errorf("a long run of lock-outs lasts %v, want the 24h cap", got)
	}
	if err := g.Unlock("2580"); err != nil {
		t.Fatal(err)
	}
	if got := lockOut(); got != 5*time.Minute {
		t.Errorf("after a right PIN the lock-out lasts %v, want 5m again", got)
	}
}

// The counters live in the data file: closing and opening it again (a
// restart of the station) neither ends a lock-out nor gives back tries.
func TestLockoutSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	open := func() *store.Store {
		t.Helper()
		s, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	clk := newClock()
	s := open()
	g := guardWithPIN(t, s, clk)
	for range 3 {
		g.Unlock("1111")
	}
	s.Close()

	s = open()
	g = newGuard(t, s, clk)
	if on, _ := g.Session().Active(); on {
		t.Error("a new station starts in a supervisor session")
	}
	var we *WrongPINError
	if err := g.Unlock("1111"); !errors.As(err, &we) || we.Left != 1 {
		t.Fatalf("after a restart: %v, want 1 try left", err)
	}
	if err := g.Unlock("1111"); !errors.As(err, &we) || we.LockedUntil.IsZero() {
		t.Fatalf("fifth wrong PIN across a restart: %v, want a lock-out", err)
	}
	s.Close()

	s = open()
	defer s.Close()
	g = newGuard(t, s, clk)
	clk.Add(time.Minute)
	var le *LockedError
	if err := g.Unlock("2580"); !errors.As(err, &le) || !le.Until.Equal(we.LockedUntil) {
		t.Fatalf("right PIN after a restart during the lock-out: %v, want locked until %v", err, we.LockedUntil)
	}
	clk.Add(4 * time.Minute)
	if err := g.Unlock("2580"); err != nil {
		t.Fatal(err)
	}
	// The stored record holds the hash, never the PIN.
	var raw map[string]any
	if ok, err := s.Setting(SettingName, &raw); !ok || err != nil {
		t.Fatalf("setting %s: %v %v", SettingName, ok, err)
	}
	b, _ := json.Marshal(raw)
	if bytes.Contains(b, []byte("2580")) || !bytes.Contains(b, []byte("$argon2id$")) {
		t.Errorf("stored record %s", b)
	}
}

// A wrong PIN that cannot be counted unlocks nothing.
func TestWrongPINNotCountedIsStillRefused(t *testing.T) {
	clk, st := newClock(), &memSettings{}
	g := guardWithPIN(t, st, clk)
	st.fail = errors.New("disk full")
	if err := g.Unlock("1111"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("wrong PIN on a full disk: %v", err)
	}
	if err := g.Unlock("2580"); err != nil {
		t.Errorf("right PIN on a full disk: %v", err)
	}
}

func TestSetPIN(t *testing.T) {
	clk, st := newClock(), &memSettings{}
	g := newGuard(t, st, clk)
	if ok, _ := g.HasPIN(); ok {
		t.Fatal("a new guard has a PIN")
	}
	if err := g.Unlock("2580"); !errors.Is(err, ErrNoPIN) {
		t.Errorf("Unlock without a PIN: %v", err)
	}
	if err := g.SetPIN("", "1234"); !errors.Is(err, ErrWeakPIN) {
		t.Errorf("weak PIN: %v", err)
	}
	if err := g.SetPIN("", "2580"); err != nil {
		t.Fatal(err)
	}
	if on, _ := g.Session().Active(); !on {
		t.Error("setting the PIN did not start a session")
	}
	g.Session().End()
	// Once set, the old PIN is needed, and a wrong one counts.
	if err := g.SetPIN("", "3690"); !errors.Is(err, ErrPINFormat) {
		t.Errorf("SetPIN without the old PIN: %v", err)
	}
	var we *WrongPINError
	if err := g.SetPIN("1111", "3690"); !errors.As(err, &we) || we.Left != 4 {
		t.Errorf("SetPIN with a wrong old PIN: %v", err)
	}
	if err := g.SetPIN("2580", "3690"); err != nil {
		t.Fatal(err)
	}
	if err := g.Unlock("2580"); !errors.Is(err, ErrWrongPIN) {
		t.Errorf("the old PIN after a change: %v", err)
	}
	// IT's reset: no old PIN, and the lock-out is gone.
	for range 5 {
		g.Unlock("1111")
	}
	if err := g.ResetPIN("4711"); err != nil {
		t.Fatal(err)
	}
	g.Session().End()
	if err := g.Unlock("4711"); err != nil {
		t.Errorf("the reset PIN: %v", err)
	}
	// No data file, no PIN.
	if err := NewGuard(nil, Options{}).SetPIN("", "2580"); err == nil {
		t.Error("SetPIN without a data file worked")
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	clk := newClock()
	s := NewSession(10*time.Minute, clk.Now)
	if on, _ := s.Active(); on {
		t.Fatal("a new session is on")
	}
	if on, _ := s.Touch(); on {
		t.Fatal("Touch switched a session on")
	}
	start := clk.Now()
	if until := s.Start(); !until.Equal(start.Add(10 * time.Minute)) {
		t.Errorf("until %v", until)
	}
	clk.Add(9 * time.Minute)
	if on, until := s.Active(); !on || !until.Equal(start.Add(10*time.Minute)) {
		t.Errorf("after 9 min: %v until %v", on, until)
	}
	// A supervisor action extends it from now.
	if on, until := s.Touch(); !on || !until.Equal(clk.Now().Add(10*time.Minute)) {
		t.Errorf("Touch: %v until %v", on, until)
	}
	clk.Add(10*time.Minute - time.Second)
	if on, _ := s.Active(); !on {
		t.Error("off before 10 idle minutes")
	}
	clk.Add(time.Second)
	if on, _ := s.Active(); on {
		t.Error("on after 10 idle minutes")
	}
	// An action after the timeout does not revive it.
	if on, _ := s.Touch(); on {
		t.Error("Touch revived a timed-out session")
	}
	s.Start()
	s.End()
	if on, _ := s.Active(); on {
		t.Error("on after End (Lock)")
	}
}

// The derived keys are compared in constant time: the same answer as a
// plain compare, and no faster when the first byte differs than when
// the last does (a plain compare stops at the first difference).
func TestKeysEqualConstantTime(t *testing.T) {
	a := []byte("0123456789abcdef0123456789abcdef")
	for _, c := range []struct {
		b    []byte
		want bool
	}{
		{[]byte("0123456789abcdef0123456789abcdef"), true},
		{[]byte("X123456789abcdef0123456789abcdef"), false},
		{[]byte("0123456789abcdef0123456789abcdeX"), false},
		{[]byte("0123456789abcdef0123456789abcde"), false},
		{nil, false},
	} {
		if got := keysEqual(a, c.b); got != c.want {
			t.Errorf("keysEqual(%q, %q) = %v", a, c.b, got)
		}
	}

	// Long inputs make an early exit visible: bytes.Equal answers a
	// first-byte difference in nanoseconds and a last-byte one only
	// after reading 256 KiB.
	const n = 256 << 10
	x := bytes.Repeat([]byte{0x5a}, n)
	first, last := bytes.Clone(x), bytes.Clone(x)
	first[0]++
	last[n-1]++
	fastest := func(b []byte) time.Duration {
		best := time.Hour
		for range 30 {
			start := time.Now()
			keysEqual(x, b)
			best = min(best, time.Since(start))
		}
		return best
	}
	tFirst, tLast := fastest(first), fastest(last)
	if ratio := float64(tLast) / float64(tFirst); ratio > 3 || ratio < 1.0/3 {
		t.Errorf("keysEqual took %v when the first byte differs and %v when the last does: not constant time", tFirst, tLast)
	}
}
