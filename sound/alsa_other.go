//go:build !linux

package sound

// quietALSA: only Linux's ALSA prints errors of its own.
func quietALSA() {}
