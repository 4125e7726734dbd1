package textscan

import (
	"strings"
	"sync"
	"unsafe"
)

// Mentions reports whether name occurs in text as whole words, both folded
// as message texts are (NFKC, case, accents, look-alike letters): "cafe zoe"
// mentions "Café Zoë", "receiving" does not mention "ING". A blank name is
// mentioned nowhere.
func Mentions(text, name string) bool { return MentionsAny(text, name) }

// MentionsAny reports whether one of names occurs in text (see Mentions).
// Every decision asks it of the opt-in wording, so it folds into pooled
// buffers and allocates nothing.
func MentionsAny(text string, names ...string) bool {
	b := mentionBufs.Get().(*mentionBuf)
	defer mentionBufs.Put(b)
	b.text, b.origin, _ = fold(b.text[:0], b.origin[:0], text)
	t := bytesString(b.text)
	for _, name := range names {
		b.name, b.origin, _ = fold(b.name[:0], b.origin[:0], name)
		if n := strings.TrimSpace(bytesString(b.name)); n != "" && mentionsFolded(t, n) {
			return true
		}
	}
	return false
}

// mentionBuf holds the folded text and name of one MentionsAny call.
type mentionBuf struct {
	text, name []byte
	origin     []int32
}

var mentionBufs = sync.Pool{New: func() any { return new(mentionBuf) }}

// bytesString views b as a string without copying; b must not change while
// the string is in use.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// mentionsFolded reports whether the folded name n occurs in the folded
// text t on word boundaries.
func mentionsFolded(t, n string) bool {
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
