package channel

import (
	"context"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"labelstation/station/notify"
	"labelstation/store"
)

// The file channel writes an e-mail as the .eml a mail server would get,
// and an SMS as text.
func TestFileChannelWritesWhatWouldBeSent(t *testing.T) {
	dir := t.TempDir()
	f, err := NewFile(dir, "Demo Webshop <lager@demo.example>", []byte("\x89PNG fake"))
	if err != nil {
		t.Fatal(err)
	}
	o := notify.Outgoing{Channel: "email", To: "asa@example.se", Name: "Åsa Lindström", Language: "sv",
		Subject: "Ditt paket är på väg", Text: "Hej Åsa!", HTML: `<img src="cid:logo"><p>Hej Åsa!</p>`}
	answer, err := f.Send(context.Background(), store.Message{Seq: 7, ID: "notify:x:A-1:booked:email:asa@example.se", Channel: store.ChannelEmail}, o)
	if err != nil || !strings.Contains(answer, ".eml") {
		t.Fatalf("%q %v", answer, err)
	}
	path := strings.TrimPrefix(answer, "written to ")
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	msg, err := mail.ReadMessage(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	if subj != "Ditt paket är på väg" || !strings.Contains(msg.Header.Get("To"), "asa@example.se") || msg.Header.Get("Message-Id") == "" {
		t.Fatalf("header %v", msg.Header)
	}
	o = notify.Outgoing{Channel: "sms", To: "+46701234567", Text: "Ditt paket är på väg"}
	answer, err = f.Send(context.Background(), store.Message{Seq: 8, Channel: store.ChannelSMS}, o)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(strings.TrimPrefix(answer, "written to "))
	if !strings.Contains(string(data), "+46701234567") || !strings.Contains(string(data), "Ditt paket är på väg") {
		t.Fatalf("sms file %q", data)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*", "*")); len(matches) != 2 {
		t.Fatalf("files %v", matches)
	}
}
