package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"labelstation/scale/scaletest"
)

// A data directory the station cannot write (read-only, or a full disk)
// must stop a parcel before anything is booked or printed, say so in
// words with a hint, and lose nothing saved earlier: once the disk is
// writable again the same order packs normally.

const diskConfig = demoConsignorTOML + `
[postnord]
url = "http://$SANDBOX_ADDR"
apikey = "disk-test-key"

[station]
default_service = "19"
`

const diskOrders = `order_ref,name,street1,postcode,city,country,item_description,item_quantity,item_value,item_currency
DF-1,Åsa Öberg,Storgatan 1,11455,Stockholm,SE,Mössa,1,249,SEK
DF-2,Bo Ek,Kungsgatan 2,11143,Stockholm,SE,Vantar,1,199,SEK
DF-3,Cecilia Lund,Drottninggatan 3,11151,Stockholm,SE,Halsduk,1,299,SEK
`

// savedState is what the station has saved, as its commands show it.
type savedState struct {
	orders    string // orders list
	shipments []string
}

// diskRig is a station with three orders imported and DF-1 packed
// (booked and printed): the things that must survive.
func diskRig(t *testing.T) (*rig, savedState) {
	t.Helper()
	r := newRig(t, rigOptions{config: diskConfig})
	orders := filepath.Join(r.dir, "orders.csv")
	if err := os.WriteFile(orders, []byte(diskOrders), 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustRun("orders", "import", orders)
	if res := r.mustRun("pack", "DF-1", "--weight", "1.2kg", "--printer", r.sink.URI()); !strings.HasPrefix(res.stdout, "printed DF-1") {
		t.Fatalf("%s", res)
	}
	if n := len(r.sink.WaitLabels(1, 3*time.Second)); n != 1 || len(r.sb.Bookings()) != 1 {
		t.Fatalf("after packing DF-1: %d labels, %d bookings", n, len(r.sb.Bookings()))
	}
	return r, r.saved()
}

func (r *rig) saved() savedState {
	r.t.Helper()
	s := savedState{orders: r.mustRun("orders", "list").stdout}
	var rep struct {
		Shipments []struct {
			OrderRef   string    `json:"order_ref"`
			TrackingID string    `json:"tracking_id"`
			PrintedAt  time.Time `json:"printed_at"`
		} `json:"shipments"`
	}
	res := r.mustRun("report", "--format", "json")
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		r.t.Fatalf("report: %v\n%s", err, res.stdout)
	}
	for _, sh := range rep.Shipments {
		s.shipments = append(s.shipments, sh.OrderRef+" "+sh.TrackingID+" printed "+sh.PrintedAt.Format(time.RFC3339Nano))
	}
	return s
}

// refusedCleanly checks a pack the disk stopped: exit 1 (not a signal),
// the reason in words and a hint, nothing printed, nothing sent to the
// carrier.
func (r *rig) refusedCleanly(res result, labels, requests int, reason ...string) {
	r.t.Helper()
	if res.signal == syscall.SIGXFSZ {
		r.t.Fatalf("labelstation was killed by SIGXFSZ instead of reporting the full disk:\n%s", res)
	}
	if res.code != 1 {
		r.t.Fatalf("want exit 1:\n%s", res)
	}
	for _, want := range reason {
		if !strings.Contains(res.stderr, want) {
			r.t.Errorf("the error does not say %q:\n%s", want, res)
		}
	}
	if !strings.Contains(res.stderr, "\nhint: ") {
		r.t.Errorf("no hint:\n%s", res)
	}
	if got := r.sink.WaitLabels(labels+1, 300*time.Millisecond); len(got) != labels {
		r.t.Errorf("the printer received %d labels, want still %d: a label printed although nothing could be saved", len(got), labels)
	}
	if got := len(r.sb.Requests()); got != requests {
		r.t.Errorf("the carrier received %d requests, want still %d: %+v", got, requests, r.sb.Requests()[requests:])
	}
}

// intactAndWorking checks that everything saved before is there, unchanged,
// and that the refused order now packs.
func (r *rig) intactAndWorking(before savedState, ref string) {
	r.t.Helper()
	after := r.saved()
	if after.orders != before.orders {
		r.t.Errorf("orders changed:\nbefore:\n%s\nafter:\n%s", before.orders, after.orders)
	}
	if strings.Join(after.shipments, "\n") != strings.Join(before.shipments, "\n") {
		r.t.Errorf("shipments changed:\nbefore: %q\nafter:  %q", before.shipments, after.shipments)
	}
	labels, bookings := len(r.sink.Labels()), len(r.sb.Bookings())
	res := r.mustRun("pack", ref, "--weight", "900g", "--printer", r.sink.URI())
	if !strings.HasPrefix(res.stdout, "printed "+ref+":") {
		r.t.Fatalf("%s", res)
	}
	if got := len(r.sink.WaitLabels(labels+1, 3*time.Second)); got != labels+1 || len(r.sb.Bookings()) != bookings+1 {
		r.t.Errorf("after packing %s: %d labels (want %d), %d bookings (want %d)", ref, got, labels+1, len(r.sb.Bookings()), bookings+1)
	}
}

// TestReadOnlyDataDir packs with the data directory on a read-only
// mount: a read-only bind mount in a user and mount namespace (root's
// chmod stops nothing), or, where namespaces are not allowed, chmod for a
// user who is not root.
func TestReadOnlyDataDir(t *testing.T) {
	r, before := diskRig(t)
	labels, requests := len(r.sink.Labels()), len(r.sb.Requests())
	args := []string{"pack", "DF-2", "--weight", "1kg", "--printer", r.sink.URI()}

	readOnly := []string{"unshare", "-rm", "sh", "-c",
		`mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"`, r.data}
	probe := exec.Command(readOnly[0], append(readOnly[1:], "touch", filepath.Join(r.data, "probe"))...)
	out, err := probe.CombinedOutput()
	switch {
	case err != nil && strings.Contains(string(out), "Read-only file system"):
		res := r.runWrapped(readOnly, args...)
		r.refusedCleanly(res, labels, requests, "the file system is read-only", r.dataFile())
	case os.Geteuid() != 0:
		t.Logf("no read-only mount here (%v: %s); using chmod", err, strings.TrimSpace(string(out)))
		os.Chmod(r.dataFile(), 0o400)
		os.Chmod(r.data, 0o500)
		res := r.run(args...)
		os.Chmod(r.data, 0o700)
		os.Chmod(r.dataFile(), 0o600)
		r.refusedCleanly(res, labels, requests, "the station may not write there", r.dataFile())
	default:
		t.Skipf("cannot make the data directory read-only: unshare -rm is not permitted here (%v: %s) and root ignores chmod", err, strings.TrimSpace(string(out)))
	}
	r.intactAndWorking(before, "DF-2")
}

// TestDiskFull packs with writes to the data file failing as on a full
// disk: RLIMIT_FSIZE below the file's size makes every write beyond it
// fail with EFBIG, as bbolt sees a disk that is full. First from the
// start (opening writes nothing, the pack's first commit fails; reading
// commands still work), then from the
// moment the station weighs the parcel, so the commit of the new outbox
// entry is the write that fails.
func TestDiskFull(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("prlimit (util-linux) is not installed")
	}
	const limit = "8192"
	r, before := diskRig(t)
	if fi, err := os.Stat(r.dataFile()); err != nil || fi.Size() <= 8192 {
		t.Fatalf("the data file must be larger than the limit: %v %v", fi, err)
	}
	labels, requests := len(r.sink.Labels()), len(r.sb.Requests())

	t.Run("from the start", func(t *testing.T) {
		r.t = t
		res := r.runWrapped([]string{"prlimit", "--fsize=" + limit}, "pack", "DF-2", "--weight", "1kg", "--printer", r.sink.URI())
		r.refusedCleanly(res, labels, requests, "the file may not grow any larger (disk full or a file size limit)", r.dataFile())
		t.Logf("%s", res)
		// Reading needs no write: on the full disk the supervisor still
		// sees the orders and the queue.
		for _, args := range [][]string{{"orders", "list"}, {"queue", "list", "--all"}, {"report"}} {
			if res := r.runWrapped([]string{"prlimit", "--fsize=" + limit}, args...); res.code != 0 || !strings.Contains(res.stdout, "DF-") {
				t.Errorf("%v on a full disk: %s", args, res)
			}
		}
	})

	t.Run("at the outbox commit", func(t *testing.T) {
		r.t = t
		// The scale is a pty the test writes to: the station opens it
		// after its store (and the store's own writes at start), then
		// waits for a weight. While it waits, the disk fills up.
		pty := scaletest.NewPty(t)
		port, err := filepath.EvalSymlinks(pty.Host)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"pack", "DF-3", "--scale", "serial://" + pty.Host + "?protocol=continuous", "--printer", r.sink.URI()}
		cmd := r.command(nil, args...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		for !holdsDataFile(cmd.Process.Pid, port) {
			select {
			case err := <-done:
				t.Fatalf("labelstation ended before opening the scale: %v\n%s%s", err, out.String(), errb.String())
			case <-time.After(time.Millisecond):
			}
			if time.Since(start) > 30*time.Second {
				cmd.Process.Kill()
				t.Fatal("labelstation did not open the scale within 30s")
			}
		}
		if out, err := exec.Command("prlimit", "--pid", strconv.Itoa(cmd.Process.Pid), "--fsize="+limit+":"+limit).CombinedOutput(); err != nil {
			cmd.Process.Kill()
			t.Fatalf("prlimit --pid: %v: %s", err, out)
		}
		// Now the parcel lies still on the scale: 1.300 kg, stable.
		dev, err := os.OpenFile(pty.Device, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer dev.Close()
		var waitErr error
	feed:
		for {
			select {
			case waitErr = <-done:
				break feed
			case <-time.After(50 * time.Millisecond):
				dev.Write([]byte("ST,GS,  1.300kg\r\n"))
			}
			if time.Since(start) > 30*time.Second {
				cmd.Process.Kill()
				t.Fatal("labelstation did not end within 30s")
			}
		}
		res := result{args: args, stdout: out.String(), stderr: errb.String()}
		res.code, res.signal = exitOf(t, waitErr)
		checkNoRace(t, res)
		r.refusedCleanly(res, labels, requests,
			"order DF-3 was not packed: the file may not grow any larger (disk full or a file size limit), so the station cannot save the booking ("+r.dataFile()+")",
			"hint: nothing was booked or printed and everything saved earlier is kept")
		t.Logf("%s", res)
	})

	r.t = t
	r.intactAndWorking(before, "DF-2")
	r.mustRun("pack", "DF-3", "--weight", "1.3kg", "--printer", r.sink.URI())
	if n := len(r.sb.Bookings()); n != 3 {
		t.Errorf("%d bookings at the end, want 3 (DF-1, DF-2, DF-3 once each)", n)
	}
}
