package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/station"
	"labelstation/station/wms"
)

func webhookEntries() []station.WebhookEntry {
	now := time.Now()
	return []station.WebhookEntry{
		{Seq: 11, EventID: "label_created/10001/1", Type: wms.EventLabelCreated, OrderRef: "10001", State: "pending",
			Created: now.Add(-2 * time.Minute), Updated: now.Add(-2 * time.Minute)},
		{Seq: 12, EventID: "status_changed/10002/3", Type: wms.EventStatusChanged, OrderRef: "10002", State: "pending", Attempts: 3,
			LastStatus: 503, LastError: "WMS answered 503 Service Unavailable", Created: now.Add(-40 * time.Minute), Updated: now.Add(-time.Minute),
			Action: "sent again by itself when the WMS answers"},
		{Seq: 13, EventID: "return_registered/10003/ret-1", Type: wms.EventReturnRegistered, OrderRef: "10003", State: "failed", Attempts: 1,
			LastStatus: 400, LastError: "WMS refused it: unknown order 10003", Created: now.Add(-20 * time.Minute), Updated: now.Add(-20 * time.Minute),
			Action: "the WMS refused it: fix the order in the WMS, then Retry; or Discard"},
		{Seq: 9, EventID: "return_received/9001/ret-0", Type: wms.EventReturnReceived, OrderRef: "9001", State: "sent", Attempts: 1,
			LastStatus: 200, Created: now.Add(-3 * time.Hour), SentAt: now.Add(-3 * time.Hour)},
	}
}

// openWMS opens the queue view and waits for the WMS tab's rows.
func openWMS(t *testing.T, ps *PackScreen, loop *uiLoop, rows int) (*queueView, *webhookTab) {
	t.Helper()
	v := openQueue(t, ps, loop, 0)
	if v.wms == nil {
		t.Fatal("no WMS tab for a station with a webhook queue")
	}
	loop.until(t, "WMS listed", func() bool { return len(v.wms.rows) == rows })
	return v, v.wms
}

// The WMS tab lists the open deliveries with the event in words, the
// order, the state in words and colour, attempts, the WMS's last answer
// and what to do; its title counts them. Retry and Discard (with a
// reason, confirmed) call the station with the row's seq, Send now calls
// SyncWebhooks, and the list and the count follow.
func TestWebhookTabListsAndActs(t *testing.T) {
	st := newFakeDesk()
	st.hooks = webhookEntries()
	ps, w, loop := newTestScreen(t, st)
	v, wt := openWMS(t, ps, loop, 3)

	if len(v.tabs.Items) != 3 || v.tabs.Items[2] != wt.tab {
		t.Fatalf("queue view tabs %d, WMS last: %v", len(v.tabs.Items), v.tabs.Items[len(v.tabs.Items)-1] == wt.tab)
	}
	if wt.tab.Text != "WMS (3)" {
		t.Errorf("tab title %q, want WMS (3)", wt.tab.Text)
	}
	if wt.summary.Text != "Waiting for the WMS: 2 · Refused by the WMS: 1" ||
		wt.summary.Importance != widget.DangerImportance {
		t.Errorf("summary %q (%v)", wt.summary.Text, wt.summary.Importance)
	}
	for seq, want := range map[uint64][]string{
		11: {"WAITING", "Label created · Order 10001", "attempts: 0", "since "},
		12: {"RETRYING", "Status changed · Order 10002", "attempts: 3", "WMS answered HTTP 503", "503 Service Unavailable", "Sent again by itself"},
		13: {"REFUSED", "Return registered · Order 10003", "HTTP 400", "unknown order 10003", "The WMS refused it: fix the order in the WMS, then Retry"},
	} {
		r := wt.rows[seq]
		if r == nil {
			t.Fatalf("no row for seq %d", seq)
		}
		text := strings.Join([]string{r.state.Text, r.title.Text, r.detail.Text, r.action.Text}, " | ")
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("row %d = %q lacks %q", seq, text, s)
			}
		}
	}
	for seq, imp := range map[uint64]widget.Importance{11: widget.MediumImportance, 12: widget.WarningImportance, 13: widget.DangerImportance} {
		if got := wt.rows[seq].state.Importance; got != imp {
			t.Errorf("row %d state colour %v, want %v", seq, got, imp)
		}
	}

	// Retry the refused one: delivered, it leaves the list.
	test.Tap(wt.rows[13].retry)
	loop.until(t, "retry answered", func() bool { return strings.HasPrefix(v.result.Text, "Delivered to the WMS") })
	if retries, _, _ := st.hookCalls(); len(retries) != 1 || retries[0] != 13 {
		t.Fatalf("RetryWebhook calls %v, want [13]", retries)
	}
	if v.result.Text != "Delivered to the WMS: Return registered, order 10003." {
		t.Errorf("result %q", v.result.Text)
	}
	loop.until(t, "delivered one gone", func() bool { return len(wt.rows) == 2 && wt.tab.Text == "WMS (2)" })

	// Discard asks a reason; nothing happens without one.
	test.Tap(wt.rows[12].discard)
	if wt.discardForm == nil {
		t.Fatal("Discard asked nothing")
	}
	confirm := findButton(w.Canvas(), "Discard message")
	if confirm == nil || !confirm.Disabled() {
		t.Fatalf("confirm button %v: want it shown and disabled without a reason", confirm)
	}
	wt.discardForm.Submit()
	loop.drain()
	if _, discards, _ := st.hookCalls(); len(discards) != 0 {
		t.Fatalf("discarded without a reason: %v", discards)
	}
	wt.discardReason.SetText("status set in the WMS by hand")
	test.Tap(confirm)
	loop.until(t, "discard answered", func() bool { return strings.HasPrefix(v.result.Text, "Discarded") })
	if _, discards, _ := st.hookCalls(); len(discards) != 1 || discards[0] != (hookDiscard{12, "status set in the WMS by hand"}) {
		t.Fatalf("DiscardWebhook calls %+v", discards)
	}
	loop.until(t, "discarded one gone", func() bool { return len(wt.rows) == 1 && wt.tab.Text == "WMS (1)" })

	// Discard asked and kept: no call.
	test.Tap(wt.rows[11].discard)
	test.Tap(findButton(w.Canvas(), "Keep it"))
	loop.drain()
	if _, discards, _ := st.hookCalls(); len(discards) != 1 {
		t.Fatalf("Keep it discarded: %+v", discards)
	}

	// Send now delivers the waiting one.
	test.Tap(wt.sendBtn)
	loop.until(t, "send answered", func() bool { return strings.HasPrefix(v.result.Text, "Sent to the WMS") })
	if _, _, syncs := st.hookCalls(); syncs != 1 {
		t.Fatalf("SyncWebhooks calls %d", syncs)
	}
	if !strings.Contains(v.result.Text, "messages delivered: 1") || !strings.Contains(v.result.Text, "nothing waits") {
		t.Errorf("send result %q", v.result.Text)
	}
	loop.until(t, "empty", func() bool { return len(wt.rows) == 0 && wt.tab.Text == "WMS (0)" })
	if wt.summary.Text != "Nothing waits for the WMS." || wt.summary.Importance != widget.SuccessImportance {
		t.Errorf("summary %q", wt.summary.Text)
	}

	// Show sent today: the delivered ones come back as SENT, without
	// buttons to press.
	test.Tap(wt.showAll)
	loop.until(t, "all listed", func() bool { return len(wt.rows) == 4 })
	r := wt.rows[9]
	if r.state.Text != "SENT" || r.state.Importance != widget.SuccessImportance || !r.retry.Disabled() || !r.discard.Disabled() {
		t.Errorf("sent row %q (%v), retry off %v, discard off %v", r.state.Text, r.state.Importance, r.retry.Disabled(), r.discard.Disabled())
	}
	if d := wt.rows[12]; d.state.Text != "DISCARDED" || !d.retry.Disabled() {
		t.Errorf("discarded row %q", d.state.Text)
	}
	if wt.tab.Text != "WMS (0)" {
		t.Errorf("tab title %q counts closed messages", wt.tab.Text)
	}
}

// A Retry the WMS does not take shows the station's message and hint in
// red, and the row stays with its buttons back on.
func TestWebhookRetryErrorShowsHint(t *testing.T) {
	st := newFakeDesk()
	st.hooks = webhookEntries()
	st.hookRetryErr = &station.Problem{Msg: "the WMS refused the message again: 400 unknown order 10003",
		Hint: "fix the order in the WMS, then Retry; or Discard it"}
	ps, _, loop := newTestScreen(t, st)
	v, wt := openWMS(t, ps, loop, 3)
	test.Tap(wt.rows[13].retry)
	loop.until(t, "retry answered", func() bool { return strings.Contains(v.result.Text, "refused the message again") })
	if !strings.Contains(v.result.Text, "Fix the order in the WMS, then Retry") || v.result.Importance != widget.DangerImportance {
		t.Errorf("result %q (%v)", v.result.Text, v.result.Importance)
	}
	if retries, _, _ := st.hookCalls(); len(retries) != 1 || retries[0] != 13 {
		t.Fatalf("RetryWebhook calls %v", retries)
	}
	loop.drain()
	if r := wt.rows[13]; r == nil || r.retry.Disabled() {
		t.Error("refused message gone or its Retry still off after the error")
	}
}

// The WMS tab follows the background delivery without a click, like the
// other tabs.
func TestWebhookTabRefreshes(t *testing.T) {
	st := newFakeDesk()
	st.hooks = webhookEntries()
	ps, _, loop := newTestScreen(t, st, QueueEvery(50*time.Millisecond))
	_, wt := openWMS(t, ps, loop, 3)
	st.dmu.Lock()
	st.hooks[0].State = "sent"
	st.dmu.Unlock()
	loop.until(t, "refreshed by the timer", func() bool { return len(wt.rows) == 2 && wt.tab.Text == "WMS (2)" })
}

func TestWebhookReportText(t *testing.T) {
	got := webhookReportText(station.WebhookReport{Sent: 2, Waiting: 1, Failed: 1, Errors: []string{"dial tcp 10.0.0.5:443: connection refused"}})
	for _, want := range []string{"messages delivered: 2", "refused by the WMS: 1 (Retry or Discard)", "messages still waiting: 1", "connection refused"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

// TestWebhookScreenshot writes name-queue-wms.png with PACK_SCREENSHOT.
func TestWebhookScreenshot(t *testing.T) {
	st := newFakeDesk()
	st.hooks = webhookEntries()
	st.entries = queueEntries()
	ps, w, loop := newTestScreen(t, st)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	v := openQueue(t, ps, loop, 4)
	loop.until(t, "WMS listed", func() bool { return len(v.wms.rows) == 3 })
	v.tabs.Select(v.wms.tab)
	if out := os.Getenv("PACK_SCREENSHOT"); out != "" {
		writePNG(t, strings.TrimSuffix(out, ".png")+"-queue-wms.png", w.Canvas())
	}
}

// Every event type the station sends to the WMS has its words, in every
// language: the words shown are the catalogue's for queue.wms.event.<type>.
func TestEveryWMSEventHasWords(t *testing.T) {
	t.Cleanup(func() { i18n.Use("en") })
	for _, code := range []string{"en", "sv"} {
		if _, err := i18n.Use(code); err != nil {
			t.Fatal(err)
		}
		cat, err := i18n.Catalogue(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range wms.EventTypes {
			want, ok := cat["queue.wms.event."+typ]
			if !ok {
				t.Errorf("%s: no words for the WMS event %s (queue.wms.event.%s)", code, typ, typ)
				continue
			}
			if got := eventWords(typ); got != want {
				t.Errorf("%s: event %s says %q, the catalogue %q", code, typ, got, want)
			}
		}
	}
}

// In Swedish the WMS tab says its events, states, summary and buttons in
// Swedish.
func TestWebhookTabInSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	st := newFakeDesk()
	st.hooks = webhookEntries()
	ps, _, loop := newTestScreen(t, st)
	v, wt := openWMS(t, ps, loop, 3)
	for seq, want := range map[uint64][2]string{
		11: {"VÄNTAR", "Etikett skapad · Order 10001"},
		12: {"FÖRSÖKER IGEN", "Status ändrad · Order 10002"},
		13: {"AVVISAT", "Retur registrerad · Order 10003"},
	} {
		if r := wt.rows[seq]; r.state.Text != want[0] || r.title.Text != want[1] {
			t.Errorf("row %d: %q / %q, want %q / %q", seq, r.state.Text, r.title.Text, want[0], want[1])
		}
	}
	if d := wt.rows[12].detail.Text; !strings.HasPrefix(d, "försök: 3 · sedan ") || !strings.Contains(d, "WMS svarade HTTP 503") {
		t.Errorf("detail %q", d)
	}
	if wt.summary.Text != "Väntar på att gå till WMS: 2 · Avvisade av WMS: 1" {
		t.Errorf("summary %q", wt.summary.Text)
	}
	if wt.sendBtn.Text != "Skicka nu   Ctrl+E" || wt.showAll.Text != "Visa skickade i dag   Ctrl+H" || wt.rows[13].discard.Text != "Kasta" {
		t.Errorf("buttons %q, %q, %q", wt.sendBtn.Text, wt.showAll.Text, wt.rows[13].discard.Text)
	}
	test.Tap(wt.rows[13].retry)
	loop.until(t, "retry answered", func() bool { return strings.HasPrefix(v.result.Text, "Levererat till WMS") })
	if v.result.Text != "Levererat till WMS: Retur registrerad, order 10003." {
		t.Errorf("result %q", v.result.Text)
	}
}
