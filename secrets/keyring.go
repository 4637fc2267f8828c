package secrets

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// keyringStore keeps each secret as one keyring entry: service, user =
// the secret's name. A keyring cannot list its entries, so the names are
// kept in one more entry (indexUser) and the fixed names are asked for
// too: a secret stored with the OS's own tool (secret-tool, the
// Credential Manager) is listed as well.
type keyringStore struct {
	service string
}

// indexUser is the entry listing the names; not a valid secret name.
const indexUser = "_names"

// sessionCheck reports why this session has no keyring to talk to
// without trying it, or nil. On Linux it keeps go-keyring from starting a
// D-Bus daemon of its own (dbus-launch) where there is no session bus.
// Tests that use keyring.MockInit set it to nil.
var sessionCheck = noSessionBus

// keyringAvailable reports why the keyring cannot be used, or nil.
func keyringAvailable(service string) error {
	if sessionCheck != nil {
		if err := sessionCheck(); err != nil {
			return err
		}
	}
	_, err := keyringCall(probeTimeout, func() (string, error) { return keyring.Get(service, indexUser) })
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// keyringCall runs f with a time limit and words its failure. The call
// itself may go on after the limit; its result is then dropped.
func keyringCall(limit time.Duration, f func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err == nil || errors.Is(r.err, keyring.ErrNotFound) {
			return r.v, r.err
		}
		return "", keyringError(r.err)
	case <-time.After(limit):
		return "", noKeyring(fmt.Sprintf("the OS keyring did not answer within %s (is it waiting for someone to unlock it?)", limit))
	}
}

// noKeyring is a reason the keyring cannot be used; errors.Is ErrNoKeyring.
type noKeyring string

func (e noKeyring) Error() string { return string(e) }
func (e noKeyring) Unwrap() error { return ErrNoKeyring }

// keyringError words a keyring failure; the keyring's own errors never
// hold the value.
func keyringError(err error) error {
	switch {
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return noKeyring("this system has no OS keyring the station can use")
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &Error{Msg: "the OS keyring refuses a value this long", Hint: `use [secrets] backend = "file"`, Err: ErrBadValue}
	}
	msg := err.Error()
	if strings.Contains(msg, "dbus") || strings.Contains(msg, "org.freedesktop") {
		return noKeyring("no keyring session: no Secret Service on the D-Bus session bus (" + msg + ")")
	}
	return noKeyring("the OS keyring: " + msg)
}

func (k *keyringStore) get(name string) (string, bool, error) {
	v, err := keyringCall(keyringTimeout, func() (string, error) { return keyring.Get(k.service, name) })
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "", false, nil
	case err != nil:
		return "", false, k.fail("read "+name, err)
	}
	return v, true, nil
}

func (k *keyringStore) set(name, value string) error {
	if _, err := keyringCall(keyringTimeout, func() (string, error) { return "", keyring.Set(k.service, name, value) }); err != nil {
		return k.fail("store "+name, err)
	}
	return k.index(func(names []string) []string { return append(names, name) })
}

func (k *keyringStore) del(name string) error {
	_, err := keyringCall(keyringTimeout, func() (string, error) { return "", keyring.Delete(k.service, name) })
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		k.index(func(names []string) []string {
			return slices.DeleteFunc(names, func(n string) bool { return n == name })
		})
		return &Error{Msg: fmt.Sprintf("no secret %s is stored in the OS keyring (service %q)", name, k.service), Hint: "labelstation secret list shows what is stored", Err: ErrNotFound}
	case err != nil:
		return k.fail("delete "+name, err)
	}
	return k.index(func(names []string) []string {
		return slices.DeleteFunc(names, func(n string) bool { return n == name })
	})
}

func (k *keyringStore) names() ([]string, error) {
	out, err := k.readIndex()
	if err != nil {
		return nil, err
	}
	for _, n := range Fixed {
		if slices.Contains(out, n) {
			continue
		}
		if _, ok, err := k.get(n); err != nil {
			return out, err
		} else if ok {
			out = append(out, n)
		}
	}
	return out, nil
}

func (k *keyringStore) readIndex() ([]string, error) {
	v, err := keyringCall(keyringTimeout, func() (string, error) { return keyring.Get(k.service, indexUser) })
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, k.fail("list the secrets", err)
	}
	var out []string
	for _, n := range strings.Split(v, "\n") {
		if ValidName(n) == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// index rewrites the list of names with change applied.
func (k *keyringStore) index(change func([]string) []string) error {
	names, err := k.readIndex()
	if err != nil {
		return err
	}
	names = change(names)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		_, err = keyringCall(keyringTimeout, func() (string, error) { return "", keyring.Delete(k.service, indexUser) })
		if errors.Is(err, keyring.ErrNotFound) {
			err = nil
		}
	} else {
		_, err = keyringCall(keyringTimeout, func() (string, error) { return "", keyring.Set(k.service, indexUser, strings.Join(names, "\n")) })
	}
	if err != nil {
		return k.fail("update the list of secrets", err)
	}
	return nil
}

func (k *keyringStore) fail(what string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Msg: fmt.Sprintf("cannot %s in the OS keyring: %v", what, err),
		Hint: `unlock the keyring (log in to the desktop), or set [secrets] backend = "file" with a passphrase in ` + PassphraseEnv, Err: err}
}
