#!/bin/bash
# Render an e-mail as its receiver sees it: the HTML part, with the inline
# images (cid:…) it references, under a mail client's header (subject,
# from, to, date), to a PNG. Used by `make screenshot` and by the channel
# package's rendering test (LABELSTATION_EMAIL_OUT=DIR go test
# ./station/notify/channel/ -run TestRenderReceiverEmail); not by `make test`.
#
#   scripts/render-email.sh MAIL.eml [OUT.png]     (default: MAIL.png next to it)
#
# Needs Go (to take the MIME apart with the standard library) and
# wkhtmltoimage (Debian: apt-get install -y wkhtmltopdf). Runs headless
# (Qt's offscreen platform) when there is no display.
set -euo pipefail
eml=${1:?usage: render-email.sh MAIL.eml [OUT.png]}
out=${2:-${eml%.*}.png}
[ -r "$eml" ] || { echo "render-email: cannot read $eml" >&2; exit 1; }
command -v wkhtmltoimage >/dev/null || { echo "render-email: wkhtmltoimage is missing: apt-get install -y wkhtmltopdf" >&2; exit 1; }
command -v go >/dev/null || { echo "render-email: go is missing" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tool" "$work/page"
cat >"$work/tool/go.mod" <<'EOF'
module renderemail

go 1.22
EOF
cat >"$work/tool/main.go" <<'EOF'
// Takes an e-mail apart: writes DIR/page.html (the HTML part, cid: links
// pointing at the inline parts saved next to it, under a header block like
// a mail client's) and the inline parts.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

type found struct {
	html, text string
	inline     map[string]string // content id → file name
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: renderemail MAIL.eml DIR")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	check(err)
	dir := os.Args[2]
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	check(err)
	f := &found{inline: map[string]string{}}
	walk(f, dir, textproto(msg.Header), msg.Body)
	body := f.html
	if body == "" {
		body = "<html><body><pre style=\"font:15px/1.5 sans-serif;white-space:pre-wrap;margin:24px\">" + html.EscapeString(f.text) + "</pre></body></html>"
	}
	for cid, name := range f.inline {
		body = strings.ReplaceAll(body, "cid:"+cid, name)
	}
	dec := new(mime.WordDecoder)
	h := func(k string) string {
		v, err := dec.DecodeHeader(msg.Header.Get(k))
		if err != nil {
			v = msg.Header.Get(k)
		}
		return html.EscapeString(v)
	}
	bar := `<div style="font-family:Helvetica,Arial,sans-serif;background:#fff;border-bottom:1px solid #d0d7de;padding:16px 24px;margin:0;color:#1d2733">` +
		`<div style="font-size:21px;font-weight:bold;margin-bottom:8px">` + h("Subject") + `</div>` +
		`<div style="font-size:13px;line-height:1.6"><b>Från:</b> ` + h("From") + `<br><b>Till:</b> ` + h("To") +
		`<br><b>Datum:</b> ` + h("Date") + `</div></div>`
	if loc := regexp.MustCompile(`(?is)<body[^>]*>`).FindStringIndex(body); loc != nil {
		body = body[:loc[1]] + bar + body[loc[1]:]
	} else {
		body = bar + body
	}
	if !regexp.MustCompile(`(?i)<meta[^>]+charset`).MatchString(body) {
		body = `<meta charset="utf-8">` + body
	}
	check(os.WriteFile(filepath.Join(dir, "page.html"), []byte(body), 0o644))
}

type header map[string][]string

func (h header) Get(k string) string {
	for hk, v := range h {
		if strings.EqualFold(hk, k) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func textproto(h mail.Header) header { return header(h) }

func walk(f *found, dir string, h header, body io.Reader) {
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	check(err)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			check(err)
			walk(f, dir, header(p.Header), p)
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &noSpace{r: body})
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	check(err)
	switch {
	case mt == "text/html" && f.html == "":
		f.html = string(b)
	case mt == "text/plain" && f.text == "":
		f.text = string(b)
	default:
		cid := strings.Trim(h.Get("Content-ID"), "<> ")
		if cid == "" {
			return
		}
		ext := ".bin"
		if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
			ext = exts[0]
		}
		name := "inline-" + regexp.MustCompile(`[^A-Za-z0-9._-]`).ReplaceAllString(cid, "_") + ext
		check(os.WriteFile(filepath.Join(dir, name), b, 0o644))
		f.inline[cid] = name
	}
}

// noSpace drops the line breaks of a base64 body.
type noSpace struct{ r io.Reader }

func (n *noSpace) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "render-email:", err)
		os.Exit(1)
	}
}
EOF
eml_abs=$(cd "$(dirname "$eml")" && pwd)/$(basename "$eml")
(cd "$work/tool" && GOWORK=off GOFLAGS=-mod=mod go run . "$eml_abs" "$work/page")

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
	export QT_QPA_PLATFORM=offscreen
fi
mkdir -p "$(dirname "$out")"
wkhtmltoimage --quiet --enable-local-file-access --format png --quality 40 --width 760 \
	"$work/page/page.html" "$out"
echo "$out"
