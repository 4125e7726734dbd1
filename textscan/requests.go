package textscan

import (
	"slices"
	"strings"
)

// Partial markers qualify the nearest identifier noun after them ("last 4
// digits of your card") within partialAfterReach bytes, else the nearest
// before them ("card ending in 1234") within partialBeforeReach bytes.
const (
	partialAfterReach  = 30
	partialBeforeReach = 25
)

// clauseView holds one clause's lexicon hits by role while requests are
// worked out.
type clauseView struct {
	cues, notices, idNouns, docNouns, captures []hit
	partials                                   []hit
	consumed                                   []hit
}

func (v *clauseView) reset() {
	v.cues, v.notices, v.idNouns = v.cues[:0], v.notices[:0], v.idNouns[:0]
	v.docNouns, v.captures = v.docNouns[:0], v.captures[:0]
	v.partials, v.consumed = v.partials[:0], v.consumed[:0]
}

// findRequests applies the asking rule clause by clause: a request cue and
// an identifier noun share a clause, the noun not under a notice and not
// partial; or a capture verb meets a document noun.
func (a *analysis) findRequests() {
	v := &a.cv
	hi := 0
	for _, c := range a.clauses {
		v.reset()
		for ; hi < len(a.hits) && a.hits[hi].start < c.end; hi++ {
			h := a.hits[hi]
			if h.start < c.start || h.end > c.end {
				continue
			}
			switch a.lex.phrases[h.phrase].kind {
			case kindCue:
				v.cues = append(v.cues, h)
			case kindNotice:
				v.notices = append(v.notices, h)
			case kindIDNoun:
				v.idNouns = append(v.idNouns, h)
			case kindDocNoun:
				v.docNouns = append(v.docNouns, h)
			case kindCapture:
				v.captures = append(v.captures, h)
			case kindPartial:
				v.partials = append(v.partials, h)
			}
		}
		if len(v.idNouns) == 0 && len(v.docNouns) == 0 {
			continue
		}
		for _, m := range a.masked {
			if m.start >= c.start && m.end <= c.end {
				v.partials = append(v.partials, hit{phrase: -1, start: m.start, end: m.end})
			}
		}
		// A cue inside a notice ("never ask for your") is the notice's verb.
		v.cues = dropOverlapping(dropContained(v.cues), v.notices)
		v.notices = dropContained(v.notices)
		v.captures = dropOverlapping(v.captures, v.notices)
		v.idNouns = dropContained(v.idNouns)
		a.clauseRequests(c, v)
	}
}

func (a *analysis) clauseRequests(c clause, v *clauseView) {
	var seenBuf [4]string
	seen := seenBuf[:0]
	evidence := ""
	add := func(typ string, cue, noun hit) {
		if slices.Contains(seen, typ) {
			return
		}
		seen = append(seen, typ)
		if evidence == "" {
			evidence = a.evidence(c)
		}
		a.out.Requests = append(a.out.Requests, Request{
			Type:     typ,
			Cue:      a.lex.phrases[cue.phrase].term,
			Noun:     a.lex.phrases[noun.phrase].term,
			Evidence: evidence,
			Span:     a.span(c.start, c.end),
		})
	}
	if len(v.captures) > 0 {
		for _, d := range v.docNouns {
			if _, negated := v.governing(a.text, d); negated {
				continue
			}
			v.consumed = append(v.consumed, d)
			add("document", nearest(v.captures, d), d)
		}
	}
	for _, n := range v.idNouns {
		typ := a.lex.phrases[n.phrase].sub
		if slices.Contains(seen, typ) || containedIn(n, v.consumed) || v.isPartial(n) {
			continue
		}
		if cue, negated := v.governing(a.text, n); !negated && cue.phrase >= 0 {
			add(typ, cue, n)
		}
	}
}

// governing finds what rules a noun: the closest cue or notice that starts
// before it, or failing that the closest after it ("uw pincode vragen wij
// nooit", "uw IBAN kunt u ... doorgeven"). A notice negates the noun; a cue
// asks for it. With neither, the result has phrase -1. A cue after the noun
// counts only with at most one word between, so "your card number was
// saved, please confirm your visit" asks for nothing.
func (v *clauseView) governing(text string, n hit) (hit, bool) {
	prev, next := hit{phrase: -1}, hit{phrase: -1}
	prevNotice, nextNotice := false, false
	consider := func(m hit, notice bool) {
		switch {
		case m.start < n.start:
			if prev.phrase < 0 || m.start > prev.start || (m.start == prev.start && notice) {
				prev, prevNotice = m, notice
			}
		case m.start >= n.end:
			if next.phrase < 0 || m.start < next.start {
				next, nextNotice = m, notice
			}
		}
	}
	for _, m := range v.cues {
		consider(m, false)
	}
	for _, m := range v.notices {
		consider(m, true)
	}
	if prev.phrase >= 0 {
		return prev, prevNotice
	}
	if next.phrase >= 0 && !nextNotice && strings.Count(text[n.end:next.start], " ") > 2 {
		return hit{phrase: -1}, false
	}
	return next, nextNotice
}

// isPartial reports whether a partial marker in the clause qualifies n.
func (v *clauseView) isPartial(n hit) bool {
	for _, p := range v.partials {
		if q, ok := v.qualified(p); ok && q == n {
			return true
		}
	}
	return false
}

func (v *clauseView) qualified(p hit) (hit, bool) {
	for _, n := range v.idNouns {
		if n.start >= p.end && n.start-p.end <= partialAfterReach {
			return n, true
		}
	}
	for i := len(v.idNouns) - 1; i >= 0; i-- {
		if n := v.idNouns[i]; n.end <= p.start && p.start-n.end <= partialBeforeReach {
			return n, true
		}
	}
	return hit{}, false
}

// nearest returns the hit in hs closest to n.
func nearest(hs []hit, n hit) hit {
	best, bestDist := hs[0], int32(-1)
	for _, h := range hs {
		d := n.start - h.end
		if h.start >= n.end {
			d = h.start - n.end
		}
		if d < 0 {
			d = 0
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = h, d
		}
	}
	return best
}

// dropOverlapping removes from hs every hit overlapping one in by.
func dropOverlapping(hs, by []hit) []hit {
	if len(by) == 0 {
		return hs
	}
	n := 0
	for _, h := range hs {
		if !overlapsAny(h, by) {
			hs[n] = h
			n++
		}
	}
	return hs[:n]
}

// dropContained removes hits lying inside a longer hit of the same list,
// so "card number" inside "credit card number" counts once. hs is sorted
// by start, longest first, so a hit is contained in an earlier one exactly
// when it ends no later than the furthest end seen so far.
func dropContained(hs []hit) []hit {
	n := 0
	maxEnd := int32(-1)
	for _, h := range hs {
		if h.end > maxEnd {
			hs[n] = h
			n++
			maxEnd = h.end
		}
	}
	return hs[:n]
}

func overlapsAny(h hit, by []hit) bool {
	for _, b := range by {
		if h.start < b.end && b.start < h.end {
			return true
		}
	}
	return false
}

func containedIn(h hit, by []hit) bool {
	for _, b := range by {
		if b.start <= h.start && h.end <= b.end && b != h {
			return true
		}
	}
	return false
}

// evidence returns the clause as written, with identifiers masked.
func (a *analysis) evidence(c clause) string {
	sp := a.span(c.start, c.end)
	// Walk the original once to turn rune offsets into byte offsets.
	bStart, bEnd := len(a.orig), len(a.orig)
	ri := 0
	for bi := range a.orig {
		if ri == sp.Start {
			bStart = bi
		}
		if ri == sp.End {
			bEnd = bi
			break
		}
		ri++
	}
	var b strings.Builder
	b.Grow(bEnd - bStart)
	pos := bStart // next byte of the original to copy
	for _, id := range a.ids {
		is := a.span(id.start, id.end)
		if is.Start < sp.Start || is.End > sp.End {
			continue
		}
		s, e := runeOffsetToByte(a.orig, bStart, sp.Start, is.Start), runeOffsetToByte(a.orig, bStart, sp.Start, is.End)
		if s < pos {
			continue
		}
		b.WriteString(a.orig[pos:s])
		b.WriteString(id.masked)
		pos = e
	}
	b.WriteString(a.orig[pos:bEnd])
	return b.String()
}

// runeOffsetToByte returns the byte offset of rune offset target, counting
// from byte from, which is at rune offset fromRune.
func runeOffsetToByte(s string, from, fromRune, target int) int {
	ri := fromRune
	for bi := range s[from:] {
		if ri == target {
			return from + bi
		}
		ri++
	}
	return len(s)
}
