package scale

import "time"

// A serial scale sends bytes, not messages: a read may return half a
// frame, two frames, or a frame with line noise in front of it. Each
// protocol has a decoder that looks at the front of the received bytes
// and says what is there; the assembler keeps the bytes between reads and
// calls the decoder until it needs more. Decoders are pure functions of
// the bytes, so feeding a stream in any chunks gives the same frames as
// feeding it whole (the fuzz tests check exactly that).

// frameKind says what a decoded frame means to the driver.
type frameKind uint8

const (
	// frameReading carries a weight report (including over- and
	// underload) in frame.r.
	frameReading frameKind = iota + 1
	// frameStatus is a status-only answer (NCI "S"): frame.r has the
	// flags but no weight.
	frameStatus
	// frameAck: the command was carried out (MT-SICS "Z A", CAS ACK).
	frameAck
	// frameBusy: the scale cannot do it now (MT-SICS "S I", CAS NAK).
	frameBusy
	// frameUnknown: the scale does not know the command (MT-SICS "ES",
	// NCI "?").
	frameUnknown
	// frameError: the scale reports an error (MT-SICS "ET"/"EL", a unit
	// the station cannot convert, …); frame.text says which.
	frameError
)

// frame is one decoded message from a scale.
type frame struct {
	kind frameKind
	r    Reading
	cmd  string // MT-SICS: the command answered ("S", "Z", "T", "I4", …)
	text string // for errors and logs
}

// decodeResult is what a decoder found at the front of a buffer.
type decodeResult uint8

const (
	// needMore: the front may be the start of a frame; read more.
	needMore decodeResult = iota
	// gotFrame: a frame of n bytes.
	gotFrame
	// skip: n bytes of harmless filler (a lone line feed between frames).
	skip
	// garbage: n bytes that are no frame (line noise, a frame whose
	// checksum failed, a truncated frame); they are dropped and counted.
	garbage
)

// decodeFunc looks at the front of buf. For gotFrame, skip and garbage it
// also returns how many bytes that was (at least 1). It must decide only
// from bytes it has seen: never call the end of buf the end of a frame.
type decodeFunc func(buf []byte) (f frame, n int, res decodeResult)

// assembler collects bytes between reads and cuts frames from them.
type assembler struct {
	decode decodeFunc
	buf    []byte
	since  time.Time // when the oldest byte still in buf arrived

	garbageBytes int64 // bytes dropped as garbage since the start
	badFrames    int64 // runs of garbage (one per drop)
}

// feed adds p (received at now) and calls emit for every complete frame.
func (a *assembler) feed(p []byte, now time.Time, emit func(frame)) {
	if len(p) == 0 {
		return
	}
	if len(a.buf) == 0 {
		a.since = now
	}
	a.buf = append(a.buf, p...)
	for len(a.buf) > 0 {
		f, n, res := a.decode(a.buf)
		if res == needMore {
			break
		}
		if n <= 0 || n > len(a.buf) {
			n = 1 // a decoder bug must not stall the stream
		}
		switch res {
		case gotFrame:
			emit(f)
		case garbage:
			a.garbageBytes += int64(n)
			a.badFrames++
		}
		a.buf = a.buf[n:]
		a.since = now
	}
	if len(a.buf) == 0 {
		a.buf = a.buf[:0:0] // let a burst's buffer go
	}
}

// expire drops a partial frame that has waited longer than maxAge: the
// rest of it is never coming (the scale was switched off mid-frame, or it
// was noise that looked like a frame start). It reports whether it did.
func (a *assembler) expire(now time.Time, maxAge time.Duration) bool {
	if len(a.buf) == 0 || now.Sub(a.since) < maxAge {
		return false
	}
	a.garbageBytes += int64(len(a.buf))
	a.badFrames++
	a.buf = nil
	return true
}

// reset forgets buffered bytes (after the port was reopened).
func (a *assembler) reset() { a.buf = nil }

// decodeAll runs a decoder over a whole byte slice: for tests and fuzzing.
func decodeAll(dec decodeFunc, data []byte) (frames []frame, garbage int64) {
	a := assembler{decode: dec}
	a.feed(data, time.Time{}, func(f frame) { frames = append(frames, f) })
	return frames, a.garbageBytes
}
