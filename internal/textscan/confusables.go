package textscan

import (
	"sync"
	"unicode"

	"github.com/mtibben/confusables"
)

// confusableRanges are the blocks whose letters TR39 finds confusable with
// Latin ones: Greek, Cyrillic, Armenian, IPA and phonetic letters,
// Cherokee. Other scripts have no letter that passes for a Latin one.
var confusableRanges = [][2]rune{
	{0x0250, 0x02AF}, {0x0370, 0x03FF}, {0x0400, 0x052F}, {0x0530, 0x058F},
	{0x13A0, 0x13FF}, {0x1C80, 0x1C8F}, {0x1D00, 0x1DBF}, {0x1F00, 0x1FFF},
	{0x2C60, 0x2C7F}, {0x2DE0, 0x2DFF}, {0xA640, 0xA69F}, {0xA720, 0xA7FF},
	{0xAB30, 0xABBF},
}

// latinLookalikes maps each letter of those blocks whose Unicode TR39
// skeleton is one Latin letter to that letter, lower-cased: Cyrillic "а",
// "с", "р" to a, c, p, Greek "Ο" to o. It is built once, from the TR39 table
// of github.com/mtibben/confusables, so that folding a text looks a letter
// up in a map instead of computing skeletons of whole strings.
var latinLookalikes = sync.OnceValue(func() map[rune]byte {
	m := map[rune]byte{}
	for _, rg := range confusableRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if !unicode.IsLetter(r) {
				continue
			}
			c := latinSkeleton(r)
			// Skeletons map I and l alike to "l"; the lower-case letter
			// tells which it stands for ("І" is an i).
			if c == 'l' {
				if lc := latinSkeleton(unicode.ToLower(r)); lc != 0 {
					c = lc
				}
			}
			if c != 0 {
				m[r] = c
			}
		}
	}
	return m
})

// latinSkeleton returns the lower-case ASCII letter r's skeleton is, or 0.
func latinSkeleton(r rune) byte {
	sk := confusables.Skeleton(string(r))
	if len(sk) != 1 {
		return 0
	}
	c := sk[0]
	switch {
	case c >= 'a' && c <= 'z':
		return c
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	}
	return 0
}

// digitValue returns the value of a Unicode decimal digit (general category
// Nd: Arabic-Indic, Devanagari, full-width, mathematical ...). Every Nd
// range runs from a zero to a nine, ten code points at a time.
func digitValue(r rune) (byte, bool) {
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return byte((r - lo) % 10), true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return byte((r - lo) % 10), true
		}
	}
	return 0, false
}
