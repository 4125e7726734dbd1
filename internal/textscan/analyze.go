package textscan

import (
	"cmp"
	"slices"
	"sync"
)

// hit is one occurrence of a lexicon phrase in the folded text.
type hit struct {
	phrase     int32
	start, end int32
}

// analysis is the per-call scratch state; it is pooled so the hot path
// reuses its buffers.
type analysis struct {
	lex     *Lexicon
	orig    string
	text    string
	origin  []int32
	runes   int
	buf     []byte
	raw     []rawHit
	hits    []hit
	clauses []clause
	groups  []digitGroup
	digits  []byte
	// ctxHits are the identifier_context hits; ctxAll has the bit of
	// every scheme among them and clauseCtx those of each clause.
	ctxHits   []hit
	ctxAll    uint32
	clauseCtx []uint32
	ids       []foundID
	masked    []maskedRef
	codes     []codeCandidate
	// codePass[i] says whether codes[i] was reported as a passcode.
	codePass []bool
	// maxHitLen is the longest hit, so searches by start can back up by it.
	maxHitLen int32
	cv        clauseView
	// cursorRune and cursorByte remember the last rune-to-byte offset
	// byteOffset worked out in orig.
	cursorRune, cursorByte int
	// runeBytes holds the byte offset of each rune of orig once
	// byteOffset has indexed them; empty until then.
	runeBytes []int32
	// out points at work, whose lists are reused between calls; Analyze
	// hands the caller exact-size copies.
	out  *Findings
	work Findings
}

var analysisPool = sync.Pool{New: func() any { return new(analysis) }}

// Analyze scans text once and reports everything the policies decide on.
func (l *Lexicon) Analyze(text string) *Findings {
	a := analysisPool.Get().(*analysis)
	defer a.release()
	a.lex, a.orig, a.out = l, text, &a.work
	a.cursorRune, a.cursorByte, a.runeBytes = 0, 0, a.runeBytes[:0]

	a.buf, a.origin, a.runes = fold(a.buf[:0], a.origin[:0], text)
	if string(a.buf) == text {
		a.text = text
	} else {
		a.text = string(a.buf)
	}
	a.clauses = splitClauses(a.text, a.clauses[:0])
	a.raw = l.ac.scan(a.text, a.raw[:0])
	a.hits = l.resolve(a.text, a.raw, a.hits[:0])
	a.maxHitLen = 0
	for _, h := range a.hits {
		a.maxHitLen = max(a.maxHitLen, h.end-h.start)
	}
	a.indexContext()

	a.scanIdentifiers()
	a.reportIdentifiers()
	a.findRequests()
	a.findPasscodes()
	a.findPromotions()
	a.findOptOuts()
	a.reportNoticesAndPartials()
	w := a.out
	return &Findings{
		Identifiers:        cloneOrNil(w.Identifiers),
		Requests:           cloneOrNil(w.Requests),
		Promotions:         cloneOrNil(dedupeMatches(w.Promotions)),
		Passcodes:          cloneOrNil(w.Passcodes),
		OptOutInstructions: cloneOrNil(dedupeMatches(w.OptOutInstructions)),
		Notices:            cloneOrNil(dedupeMatches(w.Notices)),
		Partials:           cloneOrNil(dedupeMatches(w.Partials)),
		Language:           a.language(),
	}
}

// cloneOrNil copies s to a slice of its exact length, or returns nil.
func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// dedupeMatches orders matches by position and keeps, of overlapping ones,
// the first and longest ("will never ask" over "never").
func dedupeMatches(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	byPosition := func(x, y Match) int {
		if c := cmp.Compare(x.Start, y.Start); c != 0 {
			return c
		}
		return cmp.Compare(y.End, x.End)
	}
	if !slices.IsSortedFunc(ms, byPosition) {
		slices.SortFunc(ms, byPosition)
	}
	n := 1
	for _, m := range ms[1:] {
		if m.Start >= ms[n-1].End {
			ms[n] = m
			n++
		}
	}
	return ms[:n]
}

// release clears references into the caller's data and returns a to the pool.
func (a *analysis) release() {
	a.lex, a.orig, a.text, a.out = nil, "", "", nil
	// Drop the strings (which may point into the caller's text) but keep
	// the capacity.
	w := &a.work
	clear(w.Identifiers)
	clear(w.Requests)
	clear(w.Promotions)
	clear(w.Passcodes)
	clear(w.OptOutInstructions)
	clear(w.Notices)
	clear(w.Partials)
	*w = Findings{
		Identifiers: w.Identifiers[:0], Requests: w.Requests[:0], Promotions: w.Promotions[:0],
		Passcodes: w.Passcodes[:0], OptOutInstructions: w.OptOutInstructions[:0],
		Notices: w.Notices[:0], Partials: w.Partials[:0],
	}
	a.ids = a.ids[:0]
	a.masked = a.masked[:0]
	a.codes = a.codes[:0]
	// Very large buffers from an unusual text are not worth keeping.
	if cap(a.buf) > 1<<16 {
		a.buf, a.origin, a.runeBytes = nil, nil, nil
	}
	analysisPool.Put(a)
}

// span maps folded byte offsets to a Span in the original text.
func (a *analysis) span(start, end int32) Span {
	return originSpan(a.origin, a.runes, int(start), int(end))
}

// addID records an identifier found at folded bytes [start, end).
func (a *analysis) addID(scheme string, start, end int32) {
	a.ids = append(a.ids, foundID{scheme: scheme, start: start, end: end, masked: maskIdentifier(scheme, a.text[start:end])})
}

func (a *analysis) reportIdentifiers() {
	for _, id := range a.ids {
		compact := ""
		if id.scheme == "iban" {
			compact = compactIBAN(a.text[id.start:id.end])
		}
		a.out.Identifiers = append(a.out.Identifiers, Identifier{
			Type:    schemeTypes[id.scheme],
			Scheme:  id.scheme,
			Masked:  id.masked,
			Compact: compact,
			Span:    a.span(id.start, id.end),
		})
	}
}

// compactIBAN writes a folded IBAN as one upper-case word.
func compactIBAN(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			b = append(b, c)
		case isASCIILetter(c):
			b = append(b, c-'a'+'A')
		}
	}
	return string(b)
}

func (a *analysis) reportNoticesAndPartials() {
	for _, h := range a.hits {
		switch ph := &a.lex.phrases[h.phrase]; ph.kind {
		case kindNotice:
			a.out.Notices = append(a.out.Notices, Match{Kind: "notice", Term: ph.term, Span: a.span(h.start, h.end)})
		case kindPartial:
			a.out.Partials = append(a.out.Partials, Match{Kind: "partial", Term: ph.term, Span: a.span(h.start, h.end)})
		}
	}
	for _, m := range a.masked {
		// The reference is already masked, so it is shown as written.
		sp := a.span(m.start, m.end)
		term := a.orig[a.byteOffset(sp.Start):a.byteOffset(sp.End)]
		a.out.Partials = append(a.out.Partials, Match{Kind: "partial", Term: term, Span: sp})
	}
}
