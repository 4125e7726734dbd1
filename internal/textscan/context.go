package textscan

import (
	"slices"
	"sort"
)

// indexContext records where identifier_context words stand: which
// schemes have one anywhere, and in each clause.
func (a *analysis) indexContext() {
	a.ctxHits, a.ctxAll = a.ctxHits[:0], 0
	a.clauseCtx = slices.Grow(a.clauseCtx[:0], len(a.clauses))[:len(a.clauses)]
	clear(a.clauseCtx)
	for _, h := range a.hits {
		ph := &a.lex.phrases[h.phrase]
		if ph.kind != kindContext {
			continue
		}
		a.ctxHits = append(a.ctxHits, h)
		a.ctxAll |= ph.schemeBit
		if ci := clauseIndex(a.clauses, h.start); ci >= 0 {
			a.clauseCtx[ci] |= ph.schemeBit
		}
	}
}

// hasContext reports whether a context word for scheme stands in the same
// clause as [start, end) or within contextReach bytes of it.
func (a *analysis) hasContext(scheme string, start, end int32) bool {
	const contextReach = 40
	bit := schemeBits[scheme]
	if a.ctxAll&bit == 0 {
		return false
	}
	if ci := clauseIndex(a.clauses, start); ci >= 0 && a.clauseCtx[ci]&bit != 0 {
		return true
	}
	from := sort.Search(len(a.ctxHits), func(i int) bool {
		return a.ctxHits[i].start >= start-contextReach-a.maxHitLen
	})
	for _, h := range a.ctxHits[from:] {
		if h.start > end+contextReach {
			break
		}
		if a.lex.phrases[h.phrase].schemeBit&bit != 0 &&
			((h.end <= start && start-h.end <= contextReach) || (h.start >= end && h.start-end <= contextReach)) {
			return true
		}
	}
	return false
}
