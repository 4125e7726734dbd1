package textscan

import (
	"bufio"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/messages.golden from the current analysis")

// summarize renders findings one line per message, so a change in what
// the shipped lexicon finds shows up as a reviewable diff.
func summarize(f *Findings) string {
	var parts []string
	for _, id := range f.Identifiers {
		parts = append(parts, "id:"+id.Scheme+"="+id.Masked)
	}
	for _, r := range f.Requests {
		parts = append(parts, "request:"+r.Type+"("+r.Cue+" | "+r.Noun+")")
	}
	for _, list := range [][]Match{f.Promotions, f.Passcodes, f.OptOutInstructions, f.Notices, f.Partials} {
		for _, m := range list {
			parts = append(parts, m.Kind+":"+m.Term)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// TestGoldenMessages analyses testdata/messages.txt (one message a line)
// and compares with testdata/messages.golden; run with -update to accept
// a change.
func TestGoldenMessages(t *testing.T) {
	l := shippedLexicon(t)
	raw, err := os.ReadFile("testdata/messages.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, msg := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		got.WriteString(msg + "\n\t" + summarize(l.Analyze(msg)) + "\n")
	}
	if *update {
		if err := os.WriteFile("testdata/messages.golden", []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/messages.golden")
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenMessages -update)", err)
	}
	gotLines := bufio.NewScanner(strings.NewReader(got.String()))
	wantLines := bufio.NewScanner(strings.NewReader(string(want)))
	for line := 1; ; line++ {
		g, w := gotLines.Scan(), wantLines.Scan()
		if !g && !w {
			return
		}
		if gotLines.Text() != wantLines.Text() {
			t.Fatalf("testdata/messages.golden line %d:\n got  %q\n want %q\n(run go test -run TestGoldenMessages -update to accept)", line, gotLines.Text(), wantLines.Text())
		}
	}
}
