package textscan

// maxGap is how far apart, in folded bytes, the parts of a phrase with
// "..." may stand: a few words.
const maxGap = 60

// resolve turns raw pattern occurrences (already on word boundaries) into
// phrase hits: it joins the parts of "..." phrases within one clause and
// sorts the hits by start (longest first on ties).
func (l *Lexicon) resolve(text string, raw []rawHit, dst []hit) []hit {
	for i, h := range raw {
		for _, e := range l.patEntries[h.pat] {
			if e.seg != 0 {
				continue
			}
			ph := &l.phrases[e.phrase]
			end := h.end
			if len(ph.segs) > 1 {
				var ok bool
				if end, ok = chain(text, raw, i, ph.segs, l.ac.maxPat); !ok {
					continue
				}
			}
			dst = append(dst, hit{phrase: e.phrase, start: h.start, end: end})
		}
	}
	sortHits(dst)
	return dst
}

// sortHits orders hits by start, longest first on ties. The automaton
// reports hits by end, so they are nearly in order already; insertion
// sort only moves the few that are not.
func sortHits(hs []hit) {
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && hitBefore(hs[j], hs[j-1]); j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
}

func hitBefore(x, y hit) bool {
	return x.start < y.start || (x.start == y.start && x.end > y.end)
}

// chain finds the later parts of a gapped phrase after raw[i], each the
// first occurrence within maxGap bytes of the previous part and in the same
// clause, and returns the end of the last part.
func chain(text string, raw []rawHit, i int, segs []int32, maxPat int32) (int32, bool) {
	cur := raw[i].end
	j := i + 1
	for _, seg := range segs[1:] {
		found := false
		for ; j < len(raw); j++ {
			r := raw[j]
			if r.start-cur > maxGap {
				// raw is ordered by end and no pattern is longer than
				// maxPat, so once even that cannot reach back, stop.
				if r.end-maxPat-cur > maxGap {
					break
				}
				continue
			}
			if r.pat != seg || r.start < cur {
				continue
			}
			if hasBreak(text, int(cur), int(r.start)) {
				return 0, false
			}
			cur = r.end
			found = true
			j++
			break
		}
		if !found {
			return 0, false
		}
	}
	return cur, true
}
