package textscan

import "strings"

// Mentions reports whether name occurs in text as whole words, both folded
// as message texts are (NFKC, case, accents, look-alike letters): "cafe zoe"
// mentions "Café Zoë", "receiving" does not mention "ING". A blank name is
// mentioned nowhere.
func Mentions(text, name string) bool {
	n := strings.TrimSpace(foldString(name))
	if n == "" {
		return false
	}
	t := foldString(text)
	for from := 0; ; {
		i := strings.Index(t[from:], n)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(n)
		if (!isWordAt(n, 0) || !isWordBefore(t, start)) && (!isWordBefore(n, len(n)) || !isWordAt(t, end)) {
			return true
		}
		from = start + 1
	}
}
