package textscan

import (
	"testing"
	"time"
)

func TestPhases(t *testing.T) {
	l := shippedLexicon(t)
	for _, bt := range benchTexts {
		text := bt.text
		a := &analysis{lex: l, orig: text, out: &Findings{}}
		const N = 2000
		var d [8]time.Duration
		for n := 0; n < N; n++ {
			a.out = &Findings{}
			a.ids, a.masked, a.codes = a.ids[:0], a.masked[:0], a.codes[:0]
			t0 := time.Now()
			a.buf, a.origin, a.runes = fold(a.buf[:0], a.origin[:0], text)
			a.text = string(a.buf)
			t1 := time.Now()
			a.clauses = splitClauses(a.text, a.clauses[:0])
			t2 := time.Now()
			a.raw = l.ac.scan(a.text, a.raw[:0])
			t3 := time.Now()
			a.hits = l.resolve(a.text, a.raw, a.hits[:0])
			t4 := time.Now()
			a.scanIdentifiers()
			t5 := time.Now()
			a.reportIdentifiers()
			a.findRequests()
			t6 := time.Now()
			a.findPasscodes()
			a.findPromotions()
			a.findOptOuts()
			a.reportNoticesAndPartials()
			t7 := time.Now()
			for i, p := range [][2]time.Time{{t0, t1}, {t1, t2}, {t2, t3}, {t3, t4}, {t4, t5}, {t5, t6}, {t6, t7}} {
				d[i] += p[1].Sub(p[0])
			}
		}
		t.Logf("%-13s fold %v clauses %v ac %v resolve %v ids %v requests %v signals %v (raw %d hits %d)", bt.name,
			d[0]/N, d[1]/N, d[2]/N, d[3]/N, d[4]/N, d[5]/N, d[6]/N, len(a.raw), len(a.hits))
	}
}
