package sound

// #cgo pkg-config: alsa
//
// #include <alsa/asoundlib.h>
//
// static void quietALSAError(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
//
// static void quietALSA(void) { snd_lib_error_set_handler(quietALSAError); }
import "C"

// quietALSA stops ALSA printing its own error lines on stderr (a PC at a
// bench without a sound card would print "ALSA lib … cannot find card"
// into the terminal): the error oto returns says the same, and the
// station logs it once.
func quietALSA() { C.quietALSA() }
