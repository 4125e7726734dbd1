package textscan

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Partial markers qualify the nearest identifier noun after them ("last 4
// digits of your card") within partialAfterReach bytes, else the nearest
// before them ("card ending in 1234") within partialBeforeReach bytes.
const (
	partialAfterReach  = 30
	partialBeforeReach = 25
)

// clauseView holds one clause's lexicon hits by role, each list sorted by
// start, while requests are worked out.
type clauseView struct {
	cues, notices, idNouns, docNouns, captures []hit
	partials                                   []hit
	consumed                                   []hit
	// partialNoun[i] says whether a partial marker qualifies idNouns[i].
	partialNoun []bool
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
	hi, mi := 0, 0
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
		masked := mi
		for ; mi < len(a.masked) && a.masked[mi].start < c.end; mi++ {
		}
		if len(v.idNouns) == 0 && len(v.docNouns) == 0 {
			continue
		}
		for _, m := range a.masked[masked:mi] {
			if m.start >= c.start && m.end <= c.end {
				v.partials = append(v.partials, hit{phrase: -1, start: m.start, end: m.end})
			}
		}
		v.notices = dropContained(v.notices)
		// A cue inside a notice ("never ask for your") is the notice's verb.
		v.cues = dropOverlapping(dropContained(v.cues), v.notices)
		v.captures = dropOverlapping(v.captures, v.notices)
		v.idNouns = dropContained(v.idNouns)
		v.docNouns = dropContained(v.docNouns)
		v.markPartials()
		a.clauseRequests(c, v)
	}
}

func (a *analysis) clauseRequests(c clause, v *clauseView) {
	var seenBuf [4]string
	seen := seenBuf[:0]
	evidence := ""
	add := func(typ string, cue, noun hit) {
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
			if len(seen) == 0 {
				add("document", nearest(v.captures, d), d)
			}
		}
	}
	for i, n := range v.idNouns {
		typ := a.lex.phrases[n.phrase].sub
		if v.partialNoun[i] || slices.Contains(seen, typ) || containedInSorted(n, v.consumed) {
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
// asks for it unless a notice governs the cue itself; on a tie the notice
// wins. With neither, the result has
// phrase -1. A cue after the noun counts only with at most one word
// between, so "your card number was saved, please confirm your visit"
// asks for nothing.
func (v *clauseView) governing(text string, n hit) (hit, bool) {
	cue, cueOK := lastBefore(v.cues, n.start)
	notice, noticeOK := lastBefore(v.notices, n.start)
	switch {
	case noticeOK && (!cueOK || notice.start >= cue.start):
		return notice, true
	case cueOK:
		if notice, negated := v.inNoticeScope(text, cue); negated {
			return notice, true
		}
		return cue, false
	}
	cue, cueOK = firstFrom(v.cues, n.end)
	notice, noticeOK = firstFrom(v.notices, n.end)
	switch {
	case noticeOK && (!cueOK || notice.start <= cue.start):
		return notice, true
	case cueOK && strings.Count(text[n.end:cue.start], " ")+strings.Count(text[n.end:cue.start], ",") <= 2:
		return cue, false
	}
	return hit{phrase: -1}, false
}

// inNoticeScope reports whether a notice governs the cue: one stands
// before it in the clause with no pause between ("we will never ask you to
// share your ..."). A comma, colon, dash or bracket ends a notice's reach:
// "we never ask for your PIN, but please send your IBAN" asks for the IBAN.
func (v *clauseView) inNoticeScope(text string, cue hit) (hit, bool) {
	notice, ok := lastBefore(v.notices, cue.start)
	if !ok || notice.end > cue.start {
		return hit{}, false
	}
	if strings.ContainsAny(text[notice.end:cue.start], ",:()") || strings.Contains(text[notice.end:cue.start], " - ") {
		return hit{}, false
	}
	return notice, true
}

// lastBefore returns the hit of hs (sorted by start) that starts last
// before pos.
func lastBefore(hs []hit, pos int32) (hit, bool) {
	i := sort.Search(len(hs), func(i int) bool { return hs[i].start >= pos })
	if i == 0 {
		return hit{}, false
	}
	return hs[i-1], true
}

// firstFrom returns the first hit of hs (sorted by start) starting at or
// after pos.
func firstFrom(hs []hit, pos int32) (hit, bool) {
	i := sort.Search(len(hs), func(i int) bool { return hs[i].start >= pos })
	if i == len(hs) {
		return hit{}, false
	}
	return hs[i], true
}

// markPartials sets partialNoun for the noun each partial marker
// qualifies, walking markers and nouns together.
func (v *clauseView) markPartials() {
	v.partialNoun = slices.Grow(v.partialNoun[:0], len(v.idNouns))[:len(v.idNouns)]
	clear(v.partialNoun)
	if len(v.partials) == 0 || len(v.idNouns) == 0 {
		return
	}
	sortHits(v.partials)
	nouns := v.idNouns // sorted and none inside another, so ends ascend too
	j := 0
	for _, p := range v.partials {
		for j < len(nouns) && nouns[j].start < p.end {
			j++
		}
		// nouns[j] is the first noun after the marker, nouns[j-1] the
		// last one starting before its end.
		switch {
		case j < len(nouns) && nouns[j].start-p.end <= partialAfterReach:
			v.partialNoun[j] = true
		case j > 0 && nouns[j-1].end <= p.start && p.start-nouns[j-1].end <= partialBeforeReach:
			v.partialNoun[j-1] = true
		}
	}
}

// nearest returns the hit in hs closest to n.
func nearest(hs []hit, n hit) hit {
	best, bestDist := hs[0], int32(-1)
	for _, h := range hs {
		d := n.start - h.end
		if h.start >= n.end {
			d = h.start - n.end
		}
		if bestDist < 0 || max(d, 0) < bestDist {
			best, bestDist = h, max(d, 0)
		}
	}
	return best
}

// dropOverlapping removes from hs every hit overlapping one in by. Both
// are sorted by start and by holds no hit inside another, so its ends
// ascend and one pass over both suffices.
func dropOverlapping(hs, by []hit) []hit {
	if len(by) == 0 {
		return hs
	}
	n, j := 0, 0
	for _, h := range hs {
		for j < len(by) && by[j].end <= h.start {
			j++
		}
		if j < len(by) && by[j].start < h.end {
			continue
		}
		hs[n] = h
		n++
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

// containedInSorted reports whether h lies inside a hit of by, which is
// sorted by start with no hit inside another.
func containedInSorted(h hit, by []hit) bool {
	b, ok := lastBefore(by, h.start+1)
	return ok && b.end >= h.end
}

// evidence returns the clause as written, with identifiers masked.
func (a *analysis) evidence(c clause) string {
	sp := a.span(c.start, c.end)
	var b strings.Builder
	b.Grow(int(c.end-c.start) + 16)
	pos := a.byteOffset(sp.Start) // next byte of the original to copy
	first := sort.Search(len(a.ids), func(i int) bool { return a.ids[i].start >= c.start })
	for _, id := range a.ids[first:] {
		if id.end > c.end {
			break
		}
		is := a.span(id.start, id.end)
		s := a.byteOffset(is.Start)
		b.WriteString(a.orig[pos:s])
		b.WriteString(id.masked)
		pos = a.byteOffset(is.End)
	}
	b.WriteString(a.orig[pos:a.byteOffset(sp.End)])
	return b.String()
}

// byteOffset returns the byte offset of rune offset r in the original
// text. Callers ask in mostly ascending order, so it walks on from the
// last answer.
func (a *analysis) byteOffset(r int) int {
	if r < a.cursorRune {
		a.cursorRune, a.cursorByte = 0, 0
	}
	for a.cursorRune < r && a.cursorByte < len(a.orig) {
		_, size := utf8.DecodeRuneInString(a.orig[a.cursorByte:])
		a.cursorByte += size
		a.cursorRune++
	}
	return a.cursorByte
}
