package textscan

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalized is a text folded for matching, with a map back to the original.
type Normalized struct {
	// Text is the text after NFKC/NFKD compatibility mapping, with
	// zero-width characters stripped, accents removed, letters lower-cased,
	// every Unicode decimal digit made ASCII, letters confusable with Latin
	// ones (TR39 skeletons: Cyrillic "а", Greek "ο") made Latin, runs of
	// spaced single letters joined ("c-a-r-d" → "card"),
	// typographic apostrophes and dashes made ASCII, runs of blanks
	// collapsed to one space, the blank after a word's comma dropped and a
	// hyphen between letters made a space.
	Text string
	// Origin holds, for every byte of Text, the rune offset in the original
	// text of the character that produced it.
	Origin []int32
	// Runes is the number of runes in the original text.
	Runes int
}

// Span maps the byte range [start, end) of Text back to rune offsets in the
// original text.
func (n Normalized) Span(start, end int) Span {
	return originSpan(n.Origin, n.Runes, start, end)
}

// originSpan is Normalized.Span on the raw mapping so the hot path needs no
// Normalized value.
func originSpan(origin []int32, runes, start, end int) Span {
	if start >= len(origin) {
		return Span{Start: runes, End: runes}
	}
	if end <= start {
		s := int(origin[start])
		return Span{Start: s, End: s}
	}
	return Span{Start: int(origin[start]), End: int(origin[end-1]) + 1}
}

// Normalize folds text for matching and records where each byte came from.
func Normalize(text string) Normalized {
	buf, origin, runes := fold(make([]byte, 0, len(text)), make([]int32, 0, len(text)), text)
	return Normalized{Text: string(buf), Origin: origin, Runes: runes}
}

// foldString folds a lexicon phrase the same way message texts are folded,
// so phrases and texts meet in one alphabet.
func foldString(s string) string {
	buf, _, _ := fold(nil, nil, s)
	return string(buf)
}

// asciiFold maps an ASCII byte to its folded form: letters lower-cased,
// tabs and form feeds to a space, CR to a newline, other controls to 0
// (dropped).
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		case c == '\t' || c == '\v' || c == '\f':
			t[c] = ' '
		case c == '\r' || c == '\n':
			t[c] = '\n'
		case c < ' ' || c == 0x7f:
			t[c] = 0
		default:
			t[c] = byte(c)
		}
	}
	return t
}()

// asciiWord says which ASCII bytes fold to a letter or a digit.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isASCIIAlnum(asciiFold[c])
	}
	return t
}()

// fold appends the folded form of text to dst and the rune offset of each
// produced byte to origin.
func fold(dst []byte, origin []int32, text string) ([]byte, []int32, int) {
	dst = slices.Grow(dst, len(text))
	origin = slices.Grow(origin, len(text))
	base := len(dst)
	// wide records blanks that stood for two or more after a single letter,
	// where a run of spaced letters ends (see joinSpacedLetters).
	var wideBuf [8]int32
	wide := wideBuf[:0]
	spaced := false
	ri := int32(0)
	for i := 0; i < len(text); ri++ {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			f := asciiFold[c]
			n := len(dst)
			if n > 0 && asciiWord[c] && isASCIIAlnum(dst[n-1]) {
				// Inside a word, a letter or digit and those after it need
				// none of the checks below.
				dst, origin = append(dst, f), append(origin, ri)
				for i < len(text) && text[i] < utf8.RuneSelf && asciiWord[text[i]] {
					ri++
					dst, origin = append(dst, asciiFold[text[i]]), append(origin, ri)
					i++
				}
				continue
			}
			switch {
			case f >= 'a' && f <= 'z':
				// A hyphen between two letters reads as a space, so
				// "envoyez-nous" and "envoyez nous" match alike.
				// A hyphen after a one-letter word may spell a word out
				// ("c-a-r-d"): joinSpacedLetters decides.
				if n > 0 && dst[n-1] < 'a' { // the letter starts a word
					if n >= 2 && dst[n-1] == '-' && isASCIILetter(dst[n-2]) {
						if afterSingleLetter(dst[:n-1]) {
							spaced = true
						} else {
							dst[n-1] = ' '
						}
					}
					// Only a letter after a one-letter word may spell on.
					if !spaced && n-base >= 4 && dst[n-3] == dst[n-1] {
						spaced = spellsOn(dst, base)
					}
				}
			case f == ' ':
				if skipBlank(dst) {
					if n >= 2 && dst[n-1] == ' ' && isASCIILetter(dst[n-2]) && (n == 2 || !isWordByte(dst[n-3])) && len(wide) < cap(wide) {
						wide = append(wide, int32(n-1))
					}
					continue
				}
			case f == '\n':
				// "\r\n" is one line break, and a blank before a line break adds nothing.
				if c == '\n' && i >= 2 && text[i-2] == '\r' {
					continue
				}
				if n > 0 && dst[n-1] == ' ' {
					dst, origin = dst[:n-1], origin[:n-1]
				}
			case f == 0:
				continue
			}
			dst, origin = append(dst, f), append(origin, ri)
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if mapped, ok := mapSpecial(r); ok {
			i += size
			if mapped != 0 {
				dst, origin = appendFolded(dst, origin, ri, mapped)
			}
			continue
		}
		n := len(dst)
		p := norm.NFKD.PropertiesString(text[i:])
		i += size
		if d := p.Decomposition(); d != nil {
			for j := 0; j < len(d); {
				dr, ds := utf8.DecodeRune(d[j:])
				j += ds
				dst, origin = appendRune(dst, origin, ri, dr)
			}
		} else {
			dst, origin = appendRune(dst, origin, ri, r)
		}
		// A character may fold to a letter that continues a spelled-out
		// word ("c a r é").
		if !spaced && len(dst) > n && isASCIILetter(dst[len(dst)-1]) {
			spaced = spellsOn(dst[:len(dst)-1], base)
		}
	}
	if spaced {
		dst, origin = joinSpacedLetters(dst, origin, base, wide)
	}
	return dst, origin, int(ri)
}

// spellsOn reports whether a letter appended to dst would be the third
// of a run of one-letter words, each after the same separator ("c a " or
// "c-a-"): only then has joinSpacedLetters something to join. (A run of
// "-" is also found where the hyphen after the first letter is kept.)
func spellsOn(dst []byte, base int) bool {
	n := len(dst)
	return n-base >= 4 && isLetterSeparator(dst[n-1]) && dst[n-3] == dst[n-1] &&
		isASCIILetter(dst[n-2]) && isASCIILetter(dst[n-4]) && (n-base == 4 || !isWordByte(dst[n-5]))
}

// joinSpacedLetters joins every run of at least three single letters
// separated by one blank, "-", "." or "_" into one word ("c-a-r-d" reads
// "card"), in place from byte base on. A blank in wide stood for two or
// more and separates two runs, so "c a r d  n u m b e r" reads "card number".
func joinSpacedLetters(dst []byte, origin []int32, base int, wide []int32) ([]byte, []int32) {
	n := len(dst)
	out := base
	for i := base; i < n; {
		c := dst[i]
		switch {
		case isASCIILetter(c) && i+1 < n && isLetterSeparator(dst[i+1]) && (i == base || !isWordByte(dst[i-1])):
			// A one-letter word before a separator: does a run start here?
			if j, letters := spelledRun(dst, base, wide, i); letters >= 3 {
				for k := i; k <= j; k += 2 {
					dst[out], origin[out] = dst[k], origin[k]
					out++
				}
				i = j + 1
				continue
			}
		case c == '-' && i > base && i+1 < n && isASCIILetter(dst[i-1]) && isASCIILetter(dst[i+1]):
			// A hyphen between letters that spell nothing out reads as a space.
			c = ' '
		}
		// Until the first change, every byte stays where it is.
		if out != i || c != dst[i] {
			dst[out], origin[out] = c, origin[i]
		}
		out++
		i++
	}
	return dst[:out], origin[:out]
}

// spelledRun follows the run of one-letter words that starts with the
// letter at i, each after the same separator as the first ("c-a-r-d"),
// and returns the index of its last letter and how many letters it has. A
// separator in wide stood for two or more blanks and ends the run.
func spelledRun(dst []byte, base int, wide []int32, i int) (last, letters int) {
	n := len(dst)
	sep := dst[i+1]
	last, letters = i, 1
	for k := i + 1; k+1 < n && dst[k] == sep && singleLetterAt(dst, base, k+1) && !slices.Contains(wide, int32(k)); k += 2 {
		last = k + 1
		letters++
	}
	return last, letters
}

// singleLetterAt reports whether dst[k] is a one-letter word.
func singleLetterAt(dst []byte, base, k int) bool {
	return isASCIILetter(dst[k]) && (k == base || !isWordByte(dst[k-1])) && (k+1 == len(dst) || !isWordByte(dst[k+1]))
}

// isLetterSeparator reports whether c may separate spelled-out letters.
func isLetterSeparator(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '_' }

// afterSingleLetter reports whether dst ends with a one-letter word.
func afterSingleLetter(dst []byte) bool {
	n := len(dst)
	return n >= 1 && isASCIILetter(dst[n-1]) && (n == 1 || !isWordByte(dst[n-2]))
}

// isWordByte reports whether a folded byte belongs to a word: an ASCII
// letter or digit, or part of a non-ASCII character.
func isWordByte(c byte) bool { return isASCIIAlnum(c) || c >= utf8.RuneSelf }

// mapSpecial handles the characters the compatibility decomposition leaves
// alone but that obfuscate or vary text: zero-width and bidi controls are
// dropped (mapped to 0), typographic punctuation becomes ASCII.
func mapSpecial(r rune) (byte, bool) {
	switch {
	case r == 0xAD, r == 0x180E, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x2069, r == 0xFEFF:
		return 0, true
	case r == 0x2018, r == 0x2019, r == 0x201B, r == 0x2032, r == 0x02BC, r == 0x00B4:
		return '\'', true
	case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE63, r == 0xFF0D:
		return '-', true
	case r == 0x2028, r == 0x2029, r == 0x85:
		return '\n', true
	case r == 0xBF, r == 0xA1: // ¿ ¡ open a clause; they carry no meaning for matching.
		return ' ', true
	case r == 0x2022, r == 0x25CF, r == 0x2217, r == 0x2731, r == 0xFF0A: // bullets and stars used as masks
		return '*', true
	}
	return 0, false
}

// appendRune lower-cases r, drops combining marks and expands the few
// letters that have no decomposition but a common ASCII spelling.
func appendRune(dst []byte, origin []int32, ri int32, r rune) ([]byte, []int32) {
	if r < utf8.RuneSelf {
		return appendFolded(dst, origin, ri, byte(r))
	}
	if unicode.Is(unicode.Mn, r) {
		return dst, origin
	}
	if d, ok := digitValue(r); ok {
		return appendFolded(dst, origin, ri, '0'+d)
	}
	if c, ok := latinLookalikes()[r]; ok {
		return appendFolded(dst, origin, ri, c)
	}
	if unicode.IsSpace(r) {
		return appendFolded(dst, origin, ri, ' ')
	}
	var exp string
	switch r {
	case 'ß', 'ẞ':
		exp = "ss"
	case 'æ', 'Æ':
		exp = "ae"
	case 'œ', 'Œ':
		exp = "oe"
	case 'ø', 'Ø':
		exp = "o"
	case 'đ', 'Đ':
		exp = "d"
	case 'ł', 'Ł':
		exp = "l"
	case 'ı':
		exp = "i"
	}
	if exp != "" {
		for k := 0; k < len(exp); k++ {
			dst, origin = appendFolded(dst, origin, ri, exp[k])
		}
		return dst, origin
	}
	r = unicode.ToLower(r)
	if r < utf8.RuneSelf {
		return appendFolded(dst, origin, ri, byte(r))
	}
	n := len(dst)
	dst = utf8.AppendRune(dst, r)
	for k := n; k < len(dst); k++ {
		origin = append(origin, ri)
	}
	return dst, origin
}

// appendFolded appends one ASCII byte produced by a non-ASCII character
// (a mapped space, dash or apostrophe, or a decomposed letter), applying
// the same blank collapsing and hyphen rule as fold.
func appendFolded(dst []byte, origin []int32, ri int32, c byte) ([]byte, []int32) {
	c = asciiFold[c]
	n := len(dst)
	switch {
	case c == 0:
		return dst, origin
	case c == ' ' && skipBlank(dst):
		return dst, origin
	case c >= 'a' && c <= 'z' && n >= 2 && dst[n-1] == '-' && isASCIILetter(dst[n-2]):
		dst[n-1] = ' '
	}
	return append(dst, c), append(origin, ri)
}

// skipBlank reports whether a blank after dst adds nothing: at the start,
// after another blank or a newline, or after a comma that follows a word.
// The automaton reads such a comma as a blank, so "por favor, indique"
// matches "por favor indique" while the comma still marks a pause.
func skipBlank(dst []byte) bool {
	n := len(dst)
	return n == 0 || dst[n-1] == ' ' || dst[n-1] == '\n' ||
		(dst[n-1] == ',' && n >= 2 && isASCIILetter(dst[n-2]))
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIIAlnum(c byte) bool { return isASCIILetter(c) || isDigit(c) }

// isWordAt reports whether the folded text has a letter or digit starting at
// byte i.
func isWordAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	if c < utf8.RuneSelf {
		return isASCIIAlnum(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isWordBefore reports whether the folded text has a letter or digit ending
// just before byte i.
func isWordBefore(s string, i int) bool {
	if i <= 0 || i > len(s) {
		return false
	}
	c := s[i-1]
	if c < utf8.RuneSelf {
		return isASCIIAlnum(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
