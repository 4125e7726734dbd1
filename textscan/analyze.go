package textscan

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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
	// contextSchemes lists the schemes with an identifier_context word
	// anywhere in the text; the others need no closer look.
	contextSchemes []string
	ids            []foundID
	masked         []maskedRef
	codes          []codeCandidate
	cv             clauseView
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

	a.buf, a.origin, a.runes = fold(a.buf[:0], a.origin[:0], text)
	if string(a.buf) == text {
		a.text = text
	} else {
		a.text = string(a.buf)
	}
	a.clauses = splitClauses(a.text, a.clauses[:0])
	a.raw = l.ac.scan(a.text, a.raw[:0])
	a.hits = l.resolve(a.text, a.raw, a.hits[:0])
	a.contextSchemes = a.contextSchemes[:0]
	for _, h := range a.hits {
		if ph := &l.phrases[h.phrase]; ph.kind == kindContext && !slices.Contains(a.contextSchemes, ph.sub) {
			a.contextSchemes = append(a.contextSchemes, ph.sub)
		}
	}

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
		a.buf, a.origin = nil, nil
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
		a.out.Identifiers = append(a.out.Identifiers, Identifier{
			Type:   schemeTypes[id.scheme],
			Scheme: id.scheme,
			Masked: id.masked,
			Span:   a.span(id.start, id.end),
		})
	}
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
		a.out.Partials = append(a.out.Partials, Match{Kind: "partial", Term: a.text[m.start:m.end], Span: a.span(m.start, m.end)})
	}
}

// maskIdentifier keeps the last four characters of the compact identifier
// (and an IBAN's country code) and masks the rest.
func maskIdentifier(scheme, raw string) string {
	var compact [40]byte
	n := 0
	for i := 0; i < len(raw) && n < len(compact); i++ {
		if c := raw[i]; isASCIIAlnum(c) {
			compact[n] = byte(unicode.ToUpper(rune(c)))
			n++
		}
	}
	keep := max(n-4, 0)
	var b strings.Builder
	b.Grow(n + n/4 + 1)
	switch schemeTypes[scheme] {
	case "payment_card":
		for i := 0; i < keep; i++ {
			if i > 0 && i%4 == 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('*')
		}
		b.WriteByte(' ')
		b.Write(compact[keep:n])
	case "bank_account":
		for i := 0; i < n; i++ {
			if i > 0 && i%4 == 0 {
				b.WriteByte(' ')
			}
			if i < 2 || i >= keep {
				b.WriteByte(compact[i])
			} else {
				b.WriteByte('*')
			}
		}
	default:
		for i := 0; i < keep; i++ {
			b.WriteByte('*')
		}
		b.Write(compact[keep:n])
	}
	return b.String()
}

// IsOptOutKeyword reports whether s, trimmed and folded, is an opt-out keyword
// (or a short text starting with one), as a quick-reply button would say it.
func (l *Lexicon) IsOptOutKeyword(s string) bool {
	const maxRunes, maxExtraWords = 30, 3
	f := trimKeyword(foldString(s))
	if f == "" {
		return false
	}
	if l.optOut[f] {
		return true
	}
	if utf8.RuneCountInString(f) > maxRunes {
		return false
	}
	words := strings.Fields(f)
	for n := min(l.maxOptOutWords, len(words)-1); n >= 1; n-- {
		if len(words)-n <= maxExtraWords && l.optOut[strings.Join(words[:n], " ")] {
			return true
		}
	}
	return false
}

// trimKeyword reduces a folded text to its words separated by single
// spaces, so "STOP!", " stop. " and "opt-out" compare as keywords.
func trimKeyword(f string) string {
	return strings.Join(strings.FieldsFunc(f, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
