package channel

import (
	"context"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"labelstation/station/notify"
	"labelstation/store"
)

// File is a channel that writes each message to a file instead of sending
// it: what the preview printer is to labels, for a station with no mail
// server or SMS gateway (the demo). An e-mail is written as the .eml an
// SMTP server would have received (scripts/render-email.sh shows it as
// the receiver sees it); an SMS as a small text file.
type File struct {
	dir   string
	email *Email
}

// NewFile returns a file channel writing under dir (made if missing),
// with e-mails from from (e.g. "Shop <shop@example.com>") and the logo.
func NewFile(dir, from string, logo []byte) (*File, error) {
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("file channel: sender %q: %w", from, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("file channel: %w", err)
	}
	return &File{dir: dir, email: &Email{cfg: SMTPConfig{From: from, Logo: logo}, from: addr}}, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9@.+_-]+`)

// Send writes the message to DIR/YYYY-MM-DD/SEQ-CHANNEL-TO.(eml|txt).
func (f *File) Send(ctx context.Context, m store.Message, o notify.Outgoing) (string, error) {
	now := time.Now()
	day := filepath.Join(f.dir, now.Format("2006-01-02"))
	if err := os.MkdirAll(day, 0o755); err != nil {
		return "", newError(NotSent, 0, "cannot write the message file: %v", err)
	}
	base := filepath.Join(day, fmt.Sprintf("%06d-%s-%s", m.Seq, m.Channel, unsafeName.ReplaceAllString(o.To, "_")))
	if m.Channel == store.ChannelSMS {
		text := fmt.Sprintf("To: %s\nLanguage: %s\nRule: %s\n\n%s\n", o.To, o.Language, o.Rule, o.Text)
		if err := os.WriteFile(base+".txt", []byte(text), 0o644); err != nil {
			return "", newError(NotSent, 0, "cannot write the message file: %v", err)
		}
		return "written to " + base + ".txt", nil
	}
	msg, err := f.email.compose(m, o, now)
	if err != nil {
		return "", err
	}
	if err := msg.WriteToFile(base + ".eml"); err != nil {
		return "", newError(NotSent, 0, "cannot write the message file: %v", err)
	}
	return "written to " + base + ".eml", nil
}
