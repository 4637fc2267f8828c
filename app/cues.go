package app

// Cues are the bench's sounds: a packer with eyes on the parcel hears
// whether the label printed. cmd hands in the sound package's player;
// without one the screen is silent.
type Cues interface {
	// Success: a label was printed (or reprinted).
	Success()
	// Problem: the banner turned red (nothing was printed).
	Problem()
	// Attention: an amber banner: the bench needs a look, a label may
	// still come (offline label queued, printer out of paper).
	Attention()
}

type silentCues struct{}

func (silentCues) Success()   {}
func (silentCues) Problem()   {}
func (silentCues) Attention() {}

// WithCues gives the screen its sounds.
func WithCues(c Cues) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.cues = c
		}
	}
}
