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
	// asks are the hits that may make the clause ask (request cues, ask and
	// reply verbs, need phrases, question openers).
	asks []hit
	// numbers and carriers make descriptions ("the long number on your
	// card"); exceptions, fulls and negators qualify nouns and partials.
	numbers, carriers, exceptions, fulls, negators []hit
	fraud, elsewhere, inPerson                     bool
	// partialNoun[i] says whether a partial marker qualifies idNouns[i].
	partialNoun []bool
}

func (v *clauseView) reset() {
	v.cues, v.notices, v.idNouns = v.cues[:0], v.notices[:0], v.idNouns[:0]
	v.docNouns, v.captures = v.docNouns[:0], v.captures[:0]
	v.partials, v.consumed = v.partials[:0], v.consumed[:0]
	v.asks, v.numbers, v.carriers = v.asks[:0], v.numbers[:0], v.carriers[:0]
	v.exceptions, v.fulls, v.negators = v.exceptions[:0], v.fulls[:0], v.negators[:0]
	v.fraud, v.elsewhere, v.inPerson = false, false, false
}

// findRequests applies the request grammar (docs/TEXT-ANALYSIS.md) clause
// by clause: an identifier noun, or a description of one, that an ask form
// of the clause governs, is not negated, not partial, not in a fraud
// warning, not to be entered on a page or app and not to be shown in
// person; or a capture of a document noun asked for the same way.
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
			case kindCue, kindAskVerb, kindReplyVerb, kindNeed, kindNeedVerb, kindQuestion:
				v.asks = append(v.asks, h)
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
			case kindNumberWord:
				v.numbers = append(v.numbers, h)
			case kindCarrier:
				v.carriers = append(v.carriers, h)
			case kindNounException:
				v.exceptions = append(v.exceptions, h)
			case kindFullMarker:
				v.fulls = append(v.fulls, h)
			case kindPartialNegator:
				v.negators = append(v.negators, h)
			case kindFraud:
				v.fraud = true
			case kindElsewhere:
				v.elsewhere = true
			case kindInPerson:
				v.inPerson = true
			}
		}
		masked := mi
		for ; mi < len(a.masked) && a.masked[mi].start < c.end; mi++ {
		}
		if len(v.idNouns) == 0 && len(v.docNouns) == 0 && (len(v.numbers) == 0 || len(v.carriers) == 0) {
			continue
		}
		// A fraud warning covers its whole sentence; with no ask there is
		// nothing to find.
		if v.fraud || len(v.asks) == 0 {
			continue
		}
		for _, m := range a.masked[masked:mi] {
			if m.start >= c.start && m.end <= c.end {
				v.partials = append(v.partials, hit{phrase: -1, start: m.start, end: m.end})
			}
		}
		v.exceptions = dropContained(v.exceptions)
		v.idNouns = dropOverlapping(dropContained(v.idNouns), v.exceptions)
		v.carriers = dropOverlapping(dropContained(v.carriers), v.exceptions)
		v.addDescriptions(a.text, a.lex.phrases)
		v.notices = dropContained(v.notices)
		v.asks = dropOverlapping(dropInside(v.asks), v.notices)
		v.docNouns = dropOverlapping(dropContained(v.docNouns), v.exceptions)
		// "photo ID" names a document; its "photo" captures nothing.
		v.captures = dropOverlapping(dropOverlapping(v.captures, v.notices), v.docNouns)
		v.idNouns = dropContained(v.idNouns)
		v.markPartials(a.text)
		a.clauseRequests(c, v)
	}
}

// addDescriptions adds to idNouns every description of an identifier: a
// number word followed within descriptionReach bytes by a carrier ("the 16
// digits on the front of your card", "le numéro de votre passeport"), or
// right after one ("your card's number"). It takes the carrier's type. A
// number word inside a listed noun describes nothing the noun does not say,
// unless a longer carrier of another type overlaps the noun's end: in "le numéro de votre
// carte d'identité" the ID card, not the listed "numéro de votre carte",
// says what the number is.
func (v *clauseView) addDescriptions(text string, phrases []phrase) {
	const descriptionReach = 40
	if len(v.numbers) == 0 || len(v.carriers) == 0 {
		return
	}
	nouns := v.idNouns // sorted, none inside another; descriptions go after
	for _, n := range v.numbers {
		if overlapsAny(n, v.exceptions) {
			continue
		}
		inside, insideType := int32(-1), "" // the listed noun holding n
		if b, ok := lastBefore(nouns, n.start+1); ok && b.end >= n.end {
			inside, insideType = b.end, phrases[b.phrase].sub
		}
		for _, c := range v.carriers {
			after := c.start >= n.end && c.start-n.end <= descriptionReach && !strings.ContainsAny(text[n.end:c.start], ",:;()")
			before := c.end <= n.start && n.start-c.end <= 3
			if !after && !before {
				continue
			}
			if inside >= 0 && (c.end <= inside || c.start >= inside || phrases[c.phrase].sub == insideType) {
				continue // the noun says it already, or the carrier stands apart
			}
			v.idNouns = append(v.idNouns, hit{phrase: c.phrase, start: min(n.start, c.start), end: max(n.end, c.end)})
			break
		}
	}
	if len(v.idNouns) > len(nouns) {
		sortHits(v.idNouns)
	}
}

// overlapsAny reports whether h overlaps a hit of hs.
func overlapsAny(h hit, hs []hit) bool {
	for _, o := range hs {
		if o.start < h.end && h.start < o.end {
			return true
		}
	}
	return false
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
			if a.negated(c, v, d) {
				continue
			}
			ask, ok := a.asking(c, v, d)
			if !ok {
				continue
			}
			v.consumed = append(v.consumed, d)
			if len(seen) == 0 {
				_ = ask
				add("document", ask, d)
			}
		}
	}
	for i, n := range v.idNouns {
		typ := a.lex.phrases[n.phrase].sub
		if v.partialNoun[i] || slices.Contains(seen, typ) || containedInSorted(n, v.consumed) || a.negated(c, v, n) {
			continue
		}
		if ask, ok := a.asking(c, v, n); ok {
			add(typ, ask, n)
		}
	}
}

// asking returns the ask form of the clause that governs noun n: a request
// cue, reply verb or need phrase anywhere in the clause, a need verb whose
// subject is the business, a question opener in a question, or an ask verb
// whose subject is not the business. A noun that a copula follows ("your
// IBAN is correct") is the subject of a statement, which only a need phrase
// ("... is required") makes a request. An ask after the noun and a pause
// that has an object of its own after it ("to open the account, send us a
// photo of your ID") does not reach back to the noun. A number to be
// entered on a page, in an app or at a terminal the clause names, or a
// thing to be brought or shown in person, is not asked of the chat unless a
// reply verb asks for it there.
func (a *analysis) asking(c clause, v *clauseView, n hit) (hit, bool) {
	subject := a.wordAfter(c, n.end)&wordCopula != 0
	var found hit
	ok, reply := false, false
	for _, h := range v.asks {
		if h.start >= n.end && a.pause(n.end, h.start) && v.objectAfter(h.end) {
			continue
		}
		switch a.lex.phrases[h.phrase].kind {
		case kindReplyVerb:
			found, ok, reply = h, true, true
		case kindNeed:
			if !a.negatedWord(c, h) {
				found, ok = h, true
			}
		case kindNeedVerb:
			if a.businessSubject(c, h) && !a.negatedWord(c, h) {
				found, ok = h, true
			}
		case kindCue:
			if !subject && a.directive(c, h) {
				found, ok = h, true
			}
		case kindQuestion:
			if !subject && h.end <= n.start && strings.IndexByte(a.text[n.end:c.end], '?') >= 0 {
				found, ok = h, true
			}
		case kindAskVerb:
			if !subject && a.directive(c, h) && !a.modifier(h, n) {
				found, ok = h, true
			}
		}
		if reply {
			break
		}
	}
	if !ok {
		return hit{}, false
	}
	if !reply && (v.elsewhere || v.inPerson || strings.Contains(a.text[c.start:c.end], "://")) {
		return hit{}, false
	}
	return found, true
}

// modifier reports whether ask verb h is a verb noun standing right before
// noun n, as part of a compound noun ("safe-drop PIN", "SMS code"): an
// imperative takes a determiner before its object ("drop us your PIN").
func (a *analysis) modifier(h, n hit) bool {
	if n.start < h.end || strings.TrimLeft(a.text[h.end:n.start], " ") != "" {
		return false
	}
	return a.lex.words[a.text[h.start:h.end]]&wordVerbNoun != 0
}

// objectAfter reports whether a noun, description part, document or
// capture word starts at or after pos.
func (v *clauseView) objectAfter(pos int32) bool {
	for _, hs := range [...][]hit{v.idNouns, v.docNouns, v.captures, v.numbers, v.carriers} {
		if len(hs) > 0 && hs[len(hs)-1].start >= pos {
			return true
		}
	}
	return false
}

// directive reports whether an ask verb asks the reader: not negated ("do
// not send"), its subject not the business ("we will send", "wij sturen",
// "sturen we") nor a statement ("will be sent"), and not a noun ("via
// WhatsApp", "in de app"). An object pronoun after the verb is no subject
// ("écrivez-nous").
func (a *analysis) directive(c clause, h hit) bool {
	if cl := a.wordAfter(c, h.end); cl&wordAgent != 0 && cl&wordObject == 0 {
		return false
	}
	pos := h.start
	for i := range 3 {
		start, end := a.wordBefore(c, pos)
		if start < 0 {
			return true
		}
		cl := a.classAt(start, end)
		if i == 0 && cl&wordDeterminer != 0 && a.lex.words[a.text[h.start:h.end]]&wordVerbNoun != 0 {
			return false
		}
		switch {
		case cl&(wordNegator|wordAgent|wordAuxiliary) != 0:
			return false
		case cl&(wordModal|wordAdverb) == 0:
			return true
		}
		pos = start
	}
	return true
}

// businessSubject reports whether one of the agents is the subject of the
// need verb h: it stands before it, reading past modals, adverbs and
// auxiliaries ("we will also need", "ich benötige"), or right after it
// ("benötige ich", "brauchen wir").
func (a *analysis) businessSubject(c clause, h hit) bool {
	if a.wordAfter(c, h.end)&wordAgent != 0 {
		return true
	}
	pos := h.start
	for range 4 {
		start, end := a.wordBefore(c, pos)
		if start < 0 {
			return false
		}
		cl := a.classAt(start, end)
		switch {
		case cl&wordAgent != 0:
			return true
		case cl&(wordModal|wordAdverb|wordAuxiliary|wordNegator) == 0:
			return false
		}
		pos = start
	}
	return false
}

// negatedWord reports whether one of the two words before h is a negator,
// unless one of the restrictives follows h within two words: "il ne nous
// manque que votre RIB" restricts, it does not negate.
func (a *analysis) negatedWord(c clause, h hit) bool {
	pos := h.start
	for range 2 {
		start, end := a.wordBefore(c, pos)
		if start < 0 {
			return false
		}
		if a.classAt(start, end)&wordNegator != 0 {
			return !a.restricted(c, h.end)
		}
		pos = start
	}
	return false
}

// restricted reports whether one of the restrictives stands within two
// words after pos.
func (a *analysis) restricted(c clause, pos int32) bool {
	for range 2 {
		start, end := a.nextWord(c, pos)
		if start < 0 {
			return false
		}
		if a.classAt(start, end)&wordRestrictive != 0 {
			return true
		}
		pos = end
	}
	return false
}

// wordBefore returns the word ending just before pos (over blanks only),
// or start -1 at the clause start or a pause.
func (a *analysis) wordBefore(c clause, pos int32) (start, end int32) {
	s := a.text
	i := pos
	for i > c.start && s[i-1] == ' ' {
		i--
	}
	end = i
	for i > c.start && (isWordByte(s[i-1]) || s[i-1] == '\'') {
		i--
	}
	if i == end {
		return -1, -1
	}
	return i, end
}

// nextWord returns the word starting just after pos (over blanks only), or
// start -1 at the clause end or a punctuation mark.
func (a *analysis) nextWord(c clause, pos int32) (start, end int32) {
	s := a.text
	i := pos
	for i < c.end && s[i] == ' ' {
		i++
	}
	j := i
	for j < c.end && (isWordByte(s[j]) || s[j] == '\'') {
		j++
	}
	if j == i {
		return -1, -1
	}
	return i, j
}

// wordAfter returns the classes of the word starting just after pos.
func (a *analysis) wordAfter(c clause, pos int32) wordClass {
	start, end := a.nextWord(c, pos)
	if start < 0 {
		return 0
	}
	return a.classAt(start, end)
}

// classAt returns the word classes of the folded word [start, end). A
// listed word with an accent counts only when the word was written with
// one (or another character folding changed).
func (a *analysis) classAt(start, end int32) wordClass {
	w := a.text[start:end]
	cl := a.lex.words[w]
	if ac, ok := a.lex.accentWords[w]; ok && a.accented(start, end) {
		cl |= ac
	}
	return cl
}

// accented reports whether the original text of the folded bytes [start,
// end) holds a character outside ASCII.
func (a *analysis) accented(start, end int32) bool {
	if a.text == a.orig {
		return false
	}
	sp := a.span(start, end)
	w := a.orig[a.byteOffset(sp.Start):a.byteOffset(sp.End)]
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// negated reports whether a notice governs noun n: one stands before it in
// the clause and no ask opens a new part of the clause between them ("we
// will never ask you to share your PIN, password or card number"), or one
// stands right after it with no pause between ("uw pincode vragen wij
// nooit"). "We never ask for your PIN, but please send your IBAN" asks for
// the IBAN.
func (a *analysis) negated(c clause, v *clauseView, n hit) bool {
	if notice, ok := lastBefore(v.notices, n.start); ok && notice.end <= n.start && !a.reopened(c, v, notice.end, n.start) {
		return true
	}
	if notice, ok := firstFrom(v.notices, n.end); ok && notice.start-n.end <= 25 && !a.pause(n.end, notice.start) {
		return true
	}
	return false
}

// reopened reports whether an ask between a notice (ending at from) and a
// noun (at to) opens a new part of the clause: a pause stands before it
// with only openers, coordinators, modals and adverbs between ("…, but
// please send", "…: could you send"), and no coordinator follows it (in
// "never call, text or email you" the verbs are one list). A list of nouns
// after one notice stays negated, and so does a verb-like word inside a
// noun of the list ("mot de passe").
func (a *analysis) reopened(c clause, v *clauseView, from, to int32) bool {
	for _, h := range v.asks {
		if h.start >= from && h.end <= to && a.opensPart(from, h.start) && a.wordAfter(c, h.end)&wordCoordinator == 0 {
			return true
		}
	}
	return false
}

// opensPart reports whether a pause stands between from and pos with only
// openers, coordinators, modals and adverbs between it and pos.
func (a *analysis) opensPart(from, pos int32) bool {
	s := a.text
	i := pos
	for i > from {
		for i > from && s[i-1] == ' ' {
			i--
		}
		if i == from {
			return false
		}
		switch s[i-1] {
		case ',', ':', '(', ')':
			return true
		case '-':
			if i-1 > from && s[i-2] == ' ' {
				return true
			}
		}
		end := i
		for i > from && (isWordByte(s[i-1]) || s[i-1] == '\'') {
			i--
		}
		if i == end {
			return false
		}
		cl := a.classAt(i, end)
		if cl&wordContrast != 0 {
			return true
		}
		if cl&(wordOpener|wordCoordinator|wordModal|wordAdverb) == 0 {
			return false
		}
	}
	return false
}

// pause reports whether the folded text [from, to) ends a notice's reach:
// it holds a comma, colon, bracket, dash or a contrasts word ("but").
func (a *analysis) pause(from, to int32) bool {
	s := a.text[from:to]
	if strings.ContainsAny(s, ",:()") || strings.Contains(s, " - ") {
		return true
	}
	for i := 0; i < len(s); {
		for i < len(s) && !isWordByte(s[i]) {
			i++
		}
		j := i
		for j < len(s) && (isWordByte(s[j]) || s[j] == '\'') {
			j++
		}
		if j > i && a.classAt(from+int32(i), from+int32(j))&wordContrast != 0 {
			return true
		}
		i = j
	}
	return false
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
// qualifies, walking markers and nouns together. A marker after "not only"
// qualifies nothing, and a noun after "full" or "whole" is never partial.
func (v *clauseView) markPartials(text string) {
	v.partialNoun = slices.Grow(v.partialNoun[:0], len(v.idNouns))[:len(v.idNouns)]
	clear(v.partialNoun)
	if len(v.partials) == 0 || len(v.idNouns) == 0 {
		return
	}
	sortHits(v.partials)
	nouns := v.idNouns // sorted and none inside another, so ends ascend too
	j := 0
	for _, p := range v.partials {
		if neg, ok := lastBefore(v.negators, p.start); ok && neg.end <= p.start && p.start-neg.end <= 12 {
			continue
		}
		for j < len(nouns) && nouns[j].start < p.end {
			j++
		}
		// nouns[j] is the first noun after the marker, nouns[j-1] the
		// last one starting before its end.
		switch {
		case j > 0 && nouns[j-1].end > p.start:
			v.partialNoun[j-1] = true // the marker is inside the noun ("the last 4 digits of your card")
		case j < len(nouns) && nouns[j].start-p.end <= partialAfterReach:
			v.partialNoun[j] = true
		case j > 0 && nouns[j-1].end <= p.start && p.start-nouns[j-1].end <= partialBeforeReach:
			v.partialNoun[j-1] = true
		}
	}
	for i, n := range nouns {
		if full, ok := lastBefore(v.fulls, n.start+1); ok && full.end <= n.end && n.start-full.end <= 20 && !strings.ContainsAny(text[min(full.end, n.start):n.start], ",:;") {
			v.partialNoun[i] = false
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

// dropInside removes hits lying inside a longer hit of the same list but,
// unlike dropContained, keeps hits of equal span: "need your" is both a
// request cue and a need phrase, and each form is tried.
func dropInside(hs []hit) []hit {
	n := 0
	maxEnd, maxStart := int32(-1), int32(-1)
	for _, h := range hs {
		if h.end > maxEnd || (h.end == maxEnd && h.start == maxStart) {
			hs[n] = h
			n++
			maxEnd, maxStart = h.end, h.start
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
// last answer; the first time one asks for an earlier offset, it indexes
// every rune's offset (runeBytes), so that no question walks the text again.
func (a *analysis) byteOffset(r int) int {
	if len(a.runeBytes) == 0 && r >= a.cursorRune {
		for a.cursorRune < r && a.cursorByte < len(a.orig) {
			if a.orig[a.cursorByte] < utf8.RuneSelf {
				a.cursorByte++
			} else {
				_, size := utf8.DecodeRuneInString(a.orig[a.cursorByte:])
				a.cursorByte += size
			}
			a.cursorRune++
		}
		return a.cursorByte
	}
	if len(a.runeBytes) == 0 {
		for i := range a.orig {
			a.runeBytes = append(a.runeBytes, int32(i))
		}
	}
	if r >= len(a.runeBytes) {
		return len(a.orig)
	}
	return int(a.runeBytes[r])
}
