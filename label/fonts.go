package label

import (
	_ "embed"
	"fmt"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// The TrueType fonts drawn into PDF and PNG labels: DejaVu Sans Condensed
// (Bitstream Vera licence, see fonts/LICENSE), chosen for its full Latin
// coverage (Å Ä Ö Æ Ø Ü and the rest of the Nordic letters) and, being
// condensed, a width close to the printers' font 0, so long names keep
// about the same length in every output.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegularTTF []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBoldTTF []byte
)

// FontTTF returns the embedded DejaVu Sans Condensed regular and bold
// TrueType files, for other PDFs the station draws (the daily report), so
// the binary carries one font with the Nordic letters, not two. The
// slices are shared: do not modify them.
func FontTTF() (regular, bold []byte) { return fontRegularTTF, fontBoldTTF }

var (
	fontsOnce         sync.Once
	fontReg, fontBold *sfnt.Font
	fontsErr          error
)

// parsedFonts parses the embedded fonts once; sfnt.Font is safe for
// concurrent use (each user brings its own sfnt.Buffer).
func parsedFonts() (regular, bold *sfnt.Font, err error) {
	fontsOnce.Do(func() {
		if fontReg, fontsErr = sfnt.Parse(fontRegularTTF); fontsErr != nil {
			fontsErr = fmt.Errorf("label: embedded regular font: %w", fontsErr)
			return
		}
		if fontBold, fontsErr = sfnt.Parse(fontBoldTTF); fontsErr != nil {
			fontsErr = fmt.Errorf("label: embedded bold font: %w", fontsErr)
		}
	})
	return fontReg, fontBold, fontsErr
}
