package textscan

// clause is a byte range [start, end) of the folded text holding one
// sentence or line; end includes the closing punctuation.
type clause struct {
	start, end int32
}

// breakCandidate marks the bytes isClauseBreak may accept, so the
// splitting loop tests one table entry per byte.
var breakCandidate = [256]bool{'\n': true, ';': true, '.': true, '!': true, '?': true}

// isClauseBreak reports whether byte i of the folded text ends a clause.
// Dots, question and exclamation marks between two letters or digits
// ("1112.22.333", "acme.nl") do not.
func isClauseBreak(s string, i int) bool {
	switch s[i] {
	case '\n', ';':
		return true
	case '.', '!', '?':
		return !(i > 0 && i+1 < len(s) && isASCIIAlnum(s[i-1]) && isASCIIAlnum(s[i+1]))
	}
	return false
}

// splitClauses appends the clauses of the folded text to dst, skipping
// empty ones and trimming blanks.
func splitClauses(s string, dst []clause) []clause {
	start := 0
	for i := 0; i < len(s); i++ {
		if !breakCandidate[s[i]] || !isClauseBreak(s, i) {
			continue
		}
		end := i + 1
		if s[i] == '\n' {
			end = i
		}
		dst = appendClause(dst, s, start, end)
		start = i + 1
	}
	return appendClause(dst, s, start, len(s))
}

func appendClause(dst []clause, s string, start, end int) []clause {
	for start < end && (s[start] == ' ' || s[start] == '\n') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\n') {
		end--
	}
	if end <= start {
		return dst
	}
	// A lone punctuation mark ("...", "?!") is not a clause of its own.
	if end-start == 1 && !isASCIIAlnum(s[start]) && s[start] < 0x80 {
		if n := len(dst); n > 0 && dst[n-1].end == int32(start) {
			dst[n-1].end = int32(end)
		}
		return dst
	}
	return append(dst, clause{start: int32(start), end: int32(end)})
}

// clauseIndex returns the index of the clause holding byte pos, or -1.
func clauseIndex(clauses []clause, pos int32) int {
	lo, hi := 0, len(clauses)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case pos < clauses[m].start:
			hi = m
		case pos >= clauses[m].end:
			lo = m + 1
		default:
			return m
		}
	}
	return -1
}

// hasBreak reports whether a clause break lies in the folded bytes [from, to).
func hasBreak(s string, from, to int) bool {
	for i := from; i < to && i < len(s); i++ {
		if breakCandidate[s[i]] && isClauseBreak(s, i) {
			return true
		}
	}
	return false
}
