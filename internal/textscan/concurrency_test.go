package textscan

import (
	"reflect"
	"sync"
	"testing"
)

func TestAnalyzeIsSafeForConcurrentUse(t *testing.T) {
	l := shippedLexicon(t)
	want := make([]*Findings, len(benchTexts))
	for i, bt := range benchTexts {
		want[i] = l.Analyze(bt.text)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (g + n) % len(benchTexts)
				if got := l.Analyze(benchTexts[i].text); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("text %s: concurrent result differs", benchTexts[i].name)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestAnalyzeEmptyText(t *testing.T) {
	f := shippedLexicon(t).Analyze("")
	if !reflect.DeepEqual(f, &Findings{}) {
		t.Errorf("Analyze(\"\") = %+v, want empty findings", f)
	}
}
