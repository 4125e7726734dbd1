package textscan

import (
	"slices"
	"sort"
	"strings"
)

// Passcode cues pair with a code in the same clause within
// passcodeClauseReach bytes, or across a line break within passcodeReach.
const (
	passcodeClauseReach = 80
	passcodeReach       = 40
)

// findPasscodes pairs passcode-sized numbers with a passcode cue nearby.
// Codes and cues are both in text order, so one pass over each suffices.
func (a *analysis) findPasscodes() {
	a.codePass = slices.Grow(a.codePass[:0], len(a.codes))[:len(a.codes)]
	clear(a.codePass)
	if len(a.codes) == 0 {
		return
	}
	cues := a.cv.cues[:0]
	for _, h := range a.hits {
		if a.lex.phrases[h.phrase].kind == kindPasscodeCue && !a.overlapsKind(h, kindPasscodeException) {
			cues = append(cues, h)
		}
	}
	a.cv.cues = cues
	lo := 0
	for i, code := range a.codes {
		if a.referenceBefore(code.start) {
			continue // "order 4711", "tracking code: 38291": a reference, not a passcode
		}
		for lo < len(cues) && cues[lo].end+passcodeClauseReach < code.start {
			lo++
		}
		ci := clauseIndex(a.clauses, code.start)
		for _, h := range cues[lo:] {
			if h.start > code.end+passcodeClauseReach {
				break
			}
			d := distance(h, code.start, code.end)
			if d < 0 {
				continue
			}
			if d <= passcodeReach || (d <= passcodeClauseReach && ci >= 0 && clauseIndex(a.clauses, h.start) == ci) {
				a.codePass[i] = true
				a.out.Passcodes = append(a.out.Passcodes, Match{
					Kind: "passcode",
					Term: maskCode(a.text[code.start:code.end]),
					Span: a.span(code.start, code.end),
				})
				break
			}
		}
	}
}

// referenceBefore reports whether a reference word ("order", "booking",
// "bestelling") ends at most 14 bytes before pos in the same clause.
func (a *analysis) referenceBefore(pos int32) bool {
	for _, h := range a.hits[a.firstHitFrom(pos-14-a.maxHitLen):] {
		if h.start >= pos {
			break
		}
		if h.end <= pos && pos-h.end <= 14 && a.lex.phrases[h.phrase].kind == kindReference && !hasBreak(a.text, int(h.end), int(pos)) {
			return true
		}
	}
	return false
}

// distance is the gap in bytes between h and [start, end), or -1 when they
// overlap.
func distance(h hit, start, end int32) int32 {
	switch {
	case h.end <= start:
		return start - h.end
	case h.start >= end:
		return h.start - end
	}
	return -1
}

func maskCode(code string) string {
	b := []byte(code)
	for i, c := range b {
		if isDigit(c) {
			b[i] = '*'
		}
	}
	return string(b)
}

// overlapsKind reports whether h overlaps a hit of kind k.
func (a *analysis) overlapsKind(h hit, k kind) bool {
	for _, o := range a.hits[a.firstHitFrom(h.start-a.maxHitLen):] {
		if o.start >= h.end {
			break
		}
		if o.end > h.start && a.lex.phrases[o.phrase].kind == k {
			return true
		}
	}
	return false
}

// firstHitFrom returns the index of the first hit starting at or after pos.
func (a *analysis) firstHitFrom(pos int32) int {
	return sort.Search(len(a.hits), func(i int) bool { return a.hits[i].start >= pos })
}

// findPromotions reports promotional phrases that no exception overlaps and
// that are not part of a code ("ord-sale-99"), then percentage discounts.
func (a *analysis) findPromotions() {
	lastEnd := int32(-1)
	for _, h := range a.hits {
		ph := &a.lex.phrases[h.phrase]
		if ph.kind != kindPromo || h.start < lastEnd {
			continue
		}
		if a.overlapsKind(h, kindPromoException) || a.codeLike(h) || a.beforePasscode(h) {
			continue
		}
		a.out.Promotions = append(a.out.Promotions, a.promotion(ph.term, ph.languages, h.start, h.end))
		lastEnd = h.end
	}
	a.findPercentOff()
}

// promotion is a promotion found at folded bytes [start, end), with its
// excerpt cut from the original text here, where the offsets are at hand,
// so that a policy quoting it need not convert the whole text to runes.
func (a *analysis) promotion(term string, languages []string, start, end int32) Match {
	sp := a.span(start, end)
	return Match{Kind: "promotion", Term: term, Excerpt: a.orig[a.byteOffset(sp.Start):a.byteOffset(sp.End)], Languages: languages, Span: sp}
}

// codeLike reports whether a promotional word is glued into an order or
// product code by "-", "_" or "/".
func (a *analysis) codeLike(h hit) bool {
	s := a.text
	isJoin := func(c byte) bool { return c == '-' || c == '_' || c == '/' }
	if int(h.end)+1 < len(s) && isJoin(s[h.end]) && isASCIIAlnum(s[h.end+1]) {
		return true
	}
	return h.start >= 2 && isJoin(s[h.start-1]) && isASCIIAlnum(s[h.start-2])
}

// beforePasscode reports whether a promotional phrase ("use code") directly
// introduces a one-time passcode, which makes it an instruction, not a promotion.
func (a *analysis) beforePasscode(h hit) bool {
	i := sort.Search(len(a.codes), func(i int) bool { return a.codes[i].start >= h.end })
	return i < len(a.codes) && a.codes[i].start-h.end <= 3 && a.codePass[i]
}

// findPercentOff finds percentages that are discounts: "-20%", or a
// percent_off_words word right after ("20% off", "20 % de descuento") or
// just before ("korting van 20%", "save 20%").
func (a *analysis) findPercentOff() {
	s := a.text
	for i := strings.IndexByte(s, '%'); i >= 0; {
		numEnd := i
		if numEnd > 0 && s[numEnd-1] == ' ' {
			numEnd--
		}
		numStart := numEnd
		for numStart > 0 && (isDigit(s[numStart-1]) || ((s[numStart-1] == ',' || s[numStart-1] == '.') && numStart >= 2 && isDigit(s[numStart-2]))) {
			numStart--
		}
		if numStart < numEnd && isDigit(s[numStart]) && !isWordBefore(s, numStart) {
			start, end := int32(numStart), int32(i+1)
			promo := false
			var languages []string // a bare "-20%" is a discount in any language
			if numStart >= 1 && s[numStart-1] == '-' && !isWordBefore(s, numStart-1) {
				start, promo = int32(numStart-1), true
			}
			for _, h := range a.hits[a.firstHitFrom(start-6-a.maxHitLen):] {
				if promo || h.start > end+4 {
					break
				}
				if a.lex.phrases[h.phrase].kind != kindPercentWord {
					continue
				}
				if h.start >= end && h.start-end <= 4 && !hasBreak(s, int(end), int(h.start)) {
					end, promo = h.end, true
					languages = a.lex.phrases[h.phrase].languages
				} else if h.end <= start && start-h.end <= 6 && !hasBreak(s, int(h.end), int(start)) {
					start, promo = h.start, true
					languages = a.lex.phrases[h.phrase].languages
				}
			}
			if promo {
				a.out.Promotions = append(a.out.Promotions, a.promotion(s[start:end], languages, start, end))
			}
		}
		next := strings.IndexByte(s[i+1:], '%')
		if next < 0 {
			break
		}
		i += next + 1
	}
}

// findOptOuts reports opt-out instructions, longest first where they
// overlap: the listed phrases, and every opt-out verb followed by an
// opt-out keyword ("répondez ARRÊT", "Responde PARAR", "stuur STOP").
func (a *analysis) findOptOuts() {
	lastEnd := int32(-1)
	for _, h := range a.hits {
		ph := &a.lex.phrases[h.phrase]
		if h.start < lastEnd {
			continue
		}
		switch ph.kind {
		case kindOptOut:
			a.out.OptOutInstructions = append(a.out.OptOutInstructions, Match{Kind: "opt_out_instruction", Term: ph.term, Span: a.span(h.start, h.end)})
			lastEnd = h.end
		case kindOptOutVerb:
			if end, ok := a.keywordAfter(h.end); ok {
				a.out.OptOutInstructions = append(a.out.OptOutInstructions, Match{Kind: "opt_out_instruction", Term: ph.term + " " + a.text[h.end:end], Span: a.span(h.start, end)})
				lastEnd = end
			}
		}
	}
}

// keywordAfter reads the words after pos, past a blank and an opening
// quote or colon, and returns the end of the longest run that is an
// opt-out keyword.
func (a *analysis) keywordAfter(pos int32) (int32, bool) {
	s := a.text
	i := int(pos)
	for k := 0; k < 3 && i < len(s) && strings.IndexByte(" :\"'*«", s[i]) >= 0; k++ {
		i++
	}
	start, best := i, -1
	for words := 0; words < a.lex.maxOptOutWords && i < len(s); words++ {
		j := i
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if j == i {
			break
		}
		if a.lex.optOut[s[start:j]] {
			best = j
		}
		if j >= len(s) || s[j] != ' ' {
			break
		}
		i = j + 1
	}
	return int32(best), best > 0
}

// maxMarkerWords is how many words of a text language() reads for markers.
const maxMarkerWords = 80

// language names the lexicon language the text's words point to, when the
// text has promotions (a policy counts those only in the message's own
// language): the one most of its other lexicon phrases and language markers
// belong to, or "" when none leads.
func (a *analysis) language() string {
	if len(a.out.Promotions) == 0 || len(a.lex.languages) == 0 {
		return ""
	}
	var votes [64]int
	vote := func(langs uint64) {
		for bit := range a.lex.languages {
			if langs&(1<<bit) != 0 {
				votes[bit]++
			}
		}
	}
	for _, h := range a.hits {
		if ph := &a.lex.phrases[h.phrase]; ph.kind != kindPromo && ph.kind != kindPercentWord {
			vote(ph.langs)
		}
	}
	s := a.text
	for i, words := 0, 0; i < len(s) && words < maxMarkerWords; {
		for i < len(s) && !isWordByte(s[i]) {
			i++
		}
		j := i
		for j < len(s) && (isWordByte(s[j]) || (s[j] == '\'' && j+1 < len(s) && isASCIILetter(s[j+1]))) {
			j++
		}
		if j > i {
			vote(a.lex.markers[s[i:j]])
			words++
		}
		i = j
	}
	best, second := -1, 0
	for bit := range a.lex.languages {
		switch {
		case best < 0 || votes[bit] > votes[best]:
			if best >= 0 {
				second = votes[best]
			}
			best = bit
		case votes[bit] > second:
			second = votes[bit]
		}
	}
	if best < 0 || votes[best] == 0 || votes[best] == second {
		return ""
	}
	return a.lex.languages[best]
}
