package textscan

import "slices"

// acMatcher is an Aho–Corasick automaton over folded bytes, compiled to a
// dense transition table over the bytes that occur in patterns, so a scan
// is one table lookup per byte whatever the number of phrases.
type acMatcher struct {
	class  [256]uint8
	nclass int
	// delta[row+class] is the next state's row (state*nclass), with
	// outFlag set when that state has outputs; rows are pre-multiplied so
	// the scan loop does one load and one mask per byte.
	delta    []uint32
	outStart []int32 // per state, start of its outputs in outs (len states+1)
	outs     []int32 // pattern ids, including those reached by failure links
	patLen   []int32
	maxPat   int32
	// bound[p] says which edges of pattern p need a word boundary
	// (boundaryStart, boundaryEnd); occurrences inside words are dropped
	// during the scan.
	bound []uint8
}

// rawHit is one occurrence of a pattern in the folded text.
type rawHit struct {
	pat        int32
	start, end int32
}

const outFlag = 1 << 31

func buildAC(patterns []string, bound []uint8) *acMatcher {
	m := &acMatcher{patLen: make([]int32, len(patterns)), bound: bound}
	// Class 0 is every byte no pattern uses.
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.nclass++
				m.class[p[i]] = uint8(m.nclass)
			}
		}
	}
	// A comma reads as a blank: the text keeps "word," without the blank
	// after it (see skipBlank), so "por favor, indique" meets "por favor indique".
	if m.class[' '] == 0 {
		m.nclass++
		m.class[' '] = uint8(m.nclass)
	}
	m.class[','] = m.class[' ']
	m.nclass++
	nc := m.nclass

	// Trie with -1 for missing edges.
	goto_ := make([]int32, nc)
	for i := range goto_ {
		goto_[i] = -1
	}
	own := [][]int32{nil}
	for id, p := range patterns {
		m.patLen[id] = int32(len(p))
		m.maxPat = max(m.maxPat, int32(len(p)))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := int32(m.class[p[i]])
			nx := goto_[s*int32(nc)+c]
			if nx < 0 {
				nx = int32(len(own))
				own = append(own, nil)
				for k := 0; k < nc; k++ {
					goto_ = append(goto_, -1)
				}
				goto_[s*int32(nc)+c] = nx
			}
			s = nx
		}
		own[s] = append(own[s], int32(id))
	}

	states := len(own)
	fail := make([]int32, states)
	outs := make([][]int32, states)
	outs[0] = own[0]
	queue := make([]int32, 0, states)
	for c := 0; c < nc; c++ {
		nx := goto_[c]
		if nx < 0 {
			goto_[c] = 0
			continue
		}
		fail[nx] = 0
		queue = append(queue, nx)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		outs[s] = append(slices.Clone(own[s]), outs[fail[s]]...)
		for c := 0; c < nc; c++ {
			idx := s*int32(nc) + int32(c)
			nx := goto_[idx]
			if nx < 0 {
				goto_[idx] = goto_[fail[s]*int32(nc)+int32(c)]
				continue
			}
			fail[nx] = goto_[fail[s]*int32(nc)+int32(c)]
			queue = append(queue, nx)
		}
	}
	m.outStart = make([]int32, states+1)
	for s := 0; s < states; s++ {
		m.outStart[s] = int32(len(m.outs))
		m.outs = append(m.outs, outs[s]...)
	}
	m.outStart[states] = int32(len(m.outs))
	m.delta = make([]uint32, len(goto_))
	for i, nx := range goto_ {
		v := uint32(nx) * uint32(nc)
		if len(outs[nx]) > 0 {
			v |= outFlag
		}
		m.delta[i] = v
	}
	return m
}

// scan appends every pattern occurrence in text to hits, in order of end.
func (m *acMatcher) scan(text string, hits []rawHit) []rawHit {
	nc := uint32(m.nclass)
	delta := m.delta
	class := &m.class
	row := uint32(0)
	for i := 0; i < len(text); i++ {
		v := delta[row+uint32(class[text[i]])]
		row = v &^ outFlag
		if v&outFlag != 0 {
			st := row / nc
			end := i + 1
			for _, p := range m.outs[m.outStart[st]:m.outStart[st+1]] {
				start := end - int(m.patLen[p])
				b := m.bound[p]
				if b&boundaryStart != 0 && start > 0 && wordByteBefore(text, start) {
					continue
				}
				if b&boundaryEnd != 0 && end < len(text) && wordByteAt(text, end) {
					continue
				}
				hits = append(hits, rawHit{pat: p, start: int32(start), end: int32(end)})
			}
		}
	}
	return hits
}

// wordByteBefore is isWordBefore with the ASCII case inline.
func wordByteBefore(s string, i int) bool {
	if c := s[i-1]; c < 0x80 {
		return isASCIIAlnum(c)
	}
	return isWordBefore(s, i)
}

// wordByteAt is isWordAt with the ASCII case inline.
func wordByteAt(s string, i int) bool {
	if c := s[i]; c < 0x80 {
		return isASCIIAlnum(c)
	}
	return isWordAt(s, i)
}
