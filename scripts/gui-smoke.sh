#!/bin/bash
# Smoke-test the real GUI under Xvfb with real X keyboard and mouse events,
# and take screenshots for a look by eye. Not run by go test; `make screenshot` runs it.
#
#   go build -o /tmp/labelstation ./cmd/labelstation
#   xvfb-run -a -s "-screen 0 1280x800x24" scripts/gui-smoke.sh /tmp/labelstation /tmp/shots   (or: make screenshot)
#
# Uses the demo setup (in-process PostNord sandbox, simulated scale, file
# printer) in a fresh data directory (also its HOME, so Fyne's own
# preferences file is its own), and the demo orders DEMO-1001…1003.
# Needs xdotool and ImageMagick's import.
set -euo pipefail
bin=${1:?usage: xvfb-smoke.sh BINARY OUTDIR}
out=${2:?usage: xvfb-smoke.sh BINARY OUTDIR}
mkdir -p "$out"
# start_station DIR WHAT: a station on data directory DIR with its own
# HOME (so Fyne's preferences file is its own) in the background ($pid),
# and its window ($wid); WHAT names the step when no window comes.
start_station() {
	HOME="$1" LABELSTATION_SKIP_SETUP=1 "$bin" --data "$1" >>"$out/gui.log" 2>&1 &
	pid=$!
	wid=
	for _ in $(seq 50); do
		wid=$(xdotool search --name labelstation 2>/dev/null | head -1 || true)
		[ -n "$wid" ] && break
		sleep 0.2
	done
	[ -n "$wid" ] || { echo "no labelstation window $2"; exit 1; }
}

: >"$out/gui.log"
data=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
start_station "$data" "for the pack screen"
sleep 1.5 # first frame, status poll, live weight
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"

scan() { xdotool type --delay 20 "$1"; xdotool key Return; }

scan DEMO-1001; sleep 1.5
import -window root "$out/1-scanned.png"
xdotool key F9; sleep 3 # the scale settles, the sandbox books, the label prints
import -window root "$out/2-printed.png"
scan NOPE-9; sleep 1
import -window root "$out/3-error-banner.png"
scan DEMO-1002; sleep 1
xdotool key F9 # Print; the focus stays in the scan field
sleep 0.3
scan DEMO-1003; sleep 3             # typed while DEMO-1002 prints, without clicking the field
import -window root "$out/4-next-while-printing.png"
xdotool key F10; sleep 1.5
import -window root "$out/5-reprinted.png"

# Offline first: switch "Work offline" on (F11), pack one
# order (a label from the demo's own id series), open the queue, press Sync
# now while switched (nothing is sent), then switch back online: the
# background sync books the parcel and it is listed as sent late.
# Every action has a key (the window's menus list them); the script uses
# the keys, as a packer at a bench with a scanner and a keyboard would.
# Coordinates (for the few clicks left) are the 1100×700 window's, at 0,0
# without a window manager.
click() { xdotool mousemove "$1" "$2" click 1; }
xdotool key F11; sleep 2.5 # Work offline; the status bar follows
scan DEMO-1004; sleep 1
xdotool key F9; sleep 3
import -window root "$out/6-offline-label.png"
xdotool key F5; sleep 1.5 # Queue…
import -window root "$out/7-queue.png"
# (The offline strip under the status bar makes the window taller, so the
# dialog sits lower than when online.)
xdotool key ctrl+s; sleep 2 # Sync now
import -window root "$out/8-sync-while-offline.png"
xdotool key ctrl+w; sleep 0.5 # Close
xdotool key F11; sleep 4   # Work offline off: the background sync books the parcel
import -window root "$out/9-back-online.png"
xdotool key F5; sleep 1.5 # Queue…
xdotool key ctrl+t; sleep 1  # the next tab: "Sent late today"
import -window root "$out/10-sent-late.png"
ls "$data/labels"
xdotool key ctrl+w; sleep 0.5 # Close

# The supervisor's dashboard over 30 days of real demo work: demo-history
# packs and tracks parcels against the sandbox on a moving clock, then the
# station opens on that data and the Dashboard… button opens its window.
kill $pid; wait $pid 2>/dev/null || true
hist=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$hist"' EXIT
"$bin" --data "$hist" demo-history --days 30 --per-day 20 >"$out/demo-history.log" 2>&1
start_station "$hist" "on the history"
sleep 2
xdotool key F8; sleep 4 # Dashboard…
import -window root "$out/11-dashboard.png"
xdotool mousemove 640 500 click --repeat 12 --delay 50 5; sleep 1 # scroll to the countries and problem parcels
import -window root "$out/12-dashboard-problems.png"
# Stop the station while the X server is still up, so its log stays clean.
kill $pid; wait $pid 2>/dev/null || true

# Returns (F7) and the queue view's WMS tab, in a station of their own so
# that nothing the steps above left open can swallow the keys: ship
# DEMO-1001, create a return for it (the reason picked with Ctrl+1), find
# it on the Receive tab by the order's reference (its one open return),
# see it on the open list, scan it again to confirm it received, close
# with Escape, then the Queue… dialog's WMS tab. Coordinates are the
# 1100×700 window's, as above; the returns dialog is 1040×670, centred.
ret=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$hist" "$ret"' EXIT
start_station "$ret" "for the returns"
sleep 1.5
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
scan DEMO-1001; sleep 1.5
xdotool key F9; sleep 3 # shipped: now it can come back
xdotool key F7; sleep 1 # Returns…: the Create tab, its scan field focused
scan DEMO-1001; sleep 1.5
xdotool key ctrl+1; sleep 0.3 # the first reason: "Wrong size"
import -window root "$out/13-return-create.png"
xdotool key ctrl+l; sleep 4 # Create return label: the sandbox books it, the label prints
import -window root "$out/14-return-created.png"
xdotool key F7; sleep 0.5 # the Receive tab
scan DEMO-1001; sleep 1.5
import -window root "$out/15-return-receive.png"
xdotool key F7; sleep 1 # the Open returns tab
import -window root "$out/16-open-returns.png"
scan DEMO-1001; sleep 2 # a scan on the list goes to Receive; the same code again confirms it
import -window root "$out/17-return-received.png"
xdotool key Escape; sleep 0.5 # closes the dialog; the pack screen has its keys back
xdotool key F5; sleep 2 # Queue…
xdotool key ctrl+t ctrl+t; sleep 1 # past "Sent late today" to the WMS tab
import -window root "$out/18-queue-wms.png"
ls "$ret/labels" || true
kill $pid; wait $pid 2>/dev/null || true

# Notifications (F6), in a station of its own like the returns: the demo
# ships its notification setup (templates in five languages, rules that
# start disabled) and writes messages to files in DATA/messages instead of
# sending them. For a log with something in it, two smoke-only rules on
# "booked" are added to the demo's and enabled before the station starts:
# one that sends at any hour, one (SMS) whose quiet hours are now, so the
# log shows a sent and a held message. Ship DEMO-1001 (both rules fire),
# then F6 opens the Notifications window (1100×700 at the window's own
# position, read with xdotool): the Rules tab; F6 to the Preview tab (its
# first rule is picked, the scan field focused), scan the shipped order:
# the e-mail as a mail and, scrolled down, the SMS bubble with its length
# and parts; F6 to the Log (after Send now) and the Per day tab; Escape
# closes the window. Each step only looks: a miss here spoils a picture,
# not the run.
ntf=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$hist" "$ret" "$ntf"' EXIT
demo_notify="$(dirname "$0")/../assets/demo-notify.toml"
quiet="$(date +%H:%M)-$(date -d '+2 hours' +%H:%M)"
{
	cat "$demo_notify"
	printf '\n[[rules]]\nid = "booked-smoke"\nname = "Booked (smoke test only)"\ntrigger = "booked"\nchannel = "both"\n'
	printf 'template = "on-its-way"\nrecipients = [{ kind = "receiver" }]\nquiet_hours = "off"\n'
	printf '\n[[rules]]\nid = "booked-smoke-quiet"\nname = "Booked, in quiet hours (smoke test only)"\ntrigger = "booked"\n'
	printf 'channel = "sms"\ntemplate = "on-its-way"\nrecipients = [{ kind = "receiver" }]\nquiet_hours = "%s"\n' "$quiet"
} >"$ntf.toml"
if "$bin" --data "$ntf" notify import "$ntf.toml" >>"$out/gui.log" 2>&1; then
	"$bin" --data "$ntf" notify enable booked-smoke >>"$out/gui.log" 2>&1 || true
	"$bin" --data "$ntf" notify enable booked-smoke-quiet >>"$out/gui.log" 2>&1 || true
else
	echo "notify import failed: the Rules tab shows the demo's own setup, the log stays empty"
fi
rm -f "$ntf.toml"
start_station "$ntf" "for the notifications"
sleep 1.5
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
scan DEMO-1001; sleep 1.5
xdotool key F9; sleep 3 # shipped: the booked rules fire, the preview has a tracking number
xdotool key F6; sleep 2  # Notifications…: its own window
nwid=
for _ in $(seq 25); do
	nwid=$(xdotool search --name '^Notifications$' 2>/dev/null | head -1 || true)
	[ -n "$nwid" ] && break
	sleep 0.2
done
if [ -z "$nwid" ]; then
	echo "F6 opened no Notifications window"
	import -window root "$out/19-notifications-missing.png"
else
	xdotool windowfocus --sync "$nwid" 2>/dev/null || true
	eval "$(xdotool getwindowgeometry --shell "$nwid")" # X Y WIDTH HEIGHT
	import -window root "$out/19-notify-rules.png"
	xdotool key F6; sleep 0.5 # the Preview tab, its first rule picked
	scan DEMO-1001; sleep 2
	import -window root "$out/20-notify-preview-email.png"
	xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT - 120)) click --repeat 12 --delay 50 5; sleep 1 # down to the SMS
	import -window root "$out/21-notify-preview-sms.png"
	xdotool key F6; sleep 0.5 # the Log tab
	xdotool key ctrl+s; sleep 3 # Send now
	import -window root "$out/22-notify-log.png"
	xdotool key F6; sleep 0.5 # the Per day tab
	import -window root "$out/23-notify-per-day.png"
	xdotool key Escape; sleep 0.5
fi
ls -R "$ntf/messages" || true
kill $pid; wait $pid 2>/dev/null || true
# The e-mail the booked rule wrote, as its receiver would see it.
eml=$(find "$ntf/messages" -name '*.eml' 2>/dev/null | sort | head -1)
if [ -n "$eml" ]; then
	"$(dirname "$0")/render-email.sh" "$eml" "$out/24-email-as-received.png" || echo "the e-mail did not render"
else
	echo "no e-mail was written to $ntf/messages"
fi

# Packer and supervisor modes, in a station of its own: a fresh install
# has no PIN (the status bar says SUPERVISOR · no PIN set, in red); Set
# PIN… asks for it twice; Lock goes to packer mode; Printer… then asks for
# the PIN, a wrong one says how many tries are left, the right one opens
# the dialog. Coordinates are the 1100×700 window's, as above (the mode
# sits at the status bar's right end). Each step only looks.
sup=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$hist" "$ret" "$ntf" "$sup"' EXIT
start_station "$sup" "for the supervisor PIN"
sleep 2
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
xdotool key alt+p; sleep 1 # Set PIN…: the first PIN, typed twice
xdotool type --delay 30 2580; xdotool key Return
xdotool type --delay 30 2580; xdotool key Return; sleep 1.5
import -window root "$out/25-supervisor-mode.png"
xdotool key F12; sleep 1 # Lock: packer mode
xdotool key F3; sleep 1 # Printer…: a supervisor's, so the PIN dialog
import -window root "$out/26-pin-dialog.png"
xdotool type --delay 30 1111; xdotool key Return; sleep 2 # a wrong PIN: tries left
import -window root "$out/27-wrong-pin.png"
xdotool type --delay 30 2580; xdotool key Return; sleep 2.5 # the right one: the Printer dialog
import -window root "$out/28-printer-as-supervisor.png"
kill $pid; wait $pid 2>/dev/null || true

# The first-run wizard and the settings window. A fresh station with no
# config file and nothing in its data file opens the wizard ("Set up this
# bench", 900×640 at 0,0): choose PostNord (a click on its choice), type a
# key and a customer number, Ctrl+N to the printer and on to the scale
# step, whose weight follows the simulated scale live; Ctrl+Q leaves
# without saving. The same in Swedish (the computer's locale). Then a demo
# station's Settings… (F2): the Bench page, the PostNord page after Test
# connection (Ctrl+T, against the sandbox in the station), the Sender page
# with a wrong country marked in red; and the settings in Swedish. The
# settings window is 1060×760 at 0,0, its pages listed on the left. Each
# step only looks.
wait_window() { # NAME: sets $wid to the newest window whose name matches
	wid=
	for _ in $(seq 50); do
		wid=$(xdotool search --name "$1" 2>/dev/null | tail -1 || true)
		[ -n "$wid" ] && return 0
		sleep 0.2
	done
	echo "no window named $1"
	return 1
}
wizard_shots() { # DIR LANG WINDOWNAME CARRIER.png SCALE.png
	HOME="$1" LANG="$2" LC_ALL= "$bin" --data "$1" >>"$out/gui.log" 2>&1 &
	pid=$!
	if wait_window "$3"; then
		sleep 1.5
		xdotool windowfocus --sync "$wid" 2>/dev/null || true
		click 70 184; sleep 0.5 # PostNord
		click 500 337; xdotool type --delay 20 "pn-demo-key-0000"
		click 500 415; xdotool type --delay 20 20876966; sleep 0.5
		import -window root "$out/$4"
		xdotool key ctrl+n; sleep 1 # the printer step
		xdotool key ctrl+n; sleep 3 # the scale step: the live weight
		import -window root "$out/$5"
		xdotool key ctrl+q; sleep 0.5
	fi
	kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
}
wz1=$(mktemp -d)
wz2=$(mktemp -d)
set1=$(mktemp -d)
set2=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$hist" "$ret" "$ntf" "$sup" "$wz1" "$wz2" "$set1" "$set2"' EXIT
wizard_shots "$wz1" en_US.UTF-8 "Set up this bench" 29-wizard-carrier.png 30-wizard-scale.png
wizard_shots "$wz2" sv_SE.UTF-8 "Ställ in packbordet" 31-wizard-carrier-sv.png 32-wizard-scale-sv.png
settings_shots() { # DIR LANG WINDOWNAME FIRST
	HOME="$1" LABELSTATION_SKIP_SETUP=1 LANG="$2" LC_ALL= "$bin" --data "$1" >>"$out/gui.log" 2>&1 &
	pid=$!
	wait_window labelstation || return 0
	sleep 2
	xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
	xdotool key F2; sleep 2
	wait_window "^$3\$" || { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; return 0; }
	xdotool windowfocus --sync "$wid" 2>/dev/null || true
	import -window root "$out/$4-settings-bench.png"
	click 60 87; sleep 0.5 # the PostNord page
	xdotool key ctrl+t; sleep 4
	import -window root "$out/$(($4 + 1))-settings-postnord-tested.png"
	click 60 165; sleep 0.5 # the Sender page
	click 700 287; xdotool key ctrl+a; xdotool type --delay 20 Sweden; sleep 0.5 # the country
	import -window root "$out/$(($4 + 2))-settings-sender-invalid.png"
	kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
}
settings_shots "$set1" en_US.UTF-8 Settings 33
settings_shots "$set2" sv_SE.UTF-8 Inställningar 36
