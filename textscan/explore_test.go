package textscan

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestExplore(t *testing.T) {
	l := shippedLexicon(t)
	raw, _ := os.ReadFile("/tmp/ts/in.txt")
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := l.Analyze(line)
		var parts []string
		for _, id := range f.Identifiers {
			parts = append(parts, "ID:"+id.Scheme)
		}
		for _, r := range f.Requests {
			parts = append(parts, "REQ:"+r.Type+"("+r.Cue+"|"+r.Noun+")")
		}
		for _, m := range f.Promotions {
			parts = append(parts, "PROMO:"+m.Term)
		}
		for _, m := range f.Passcodes {
			parts = append(parts, "OTP:"+m.Term)
		}
		for _, m := range f.OptOutInstructions {
			parts = append(parts, "OPTOUT:"+m.Term)
		}
		for _, m := range f.Notices {
			parts = append(parts, "NOTICE:"+m.Term)
		}
		for _, m := range f.Partials {
			parts = append(parts, "PARTIAL:"+m.Term)
		}
		fmt.Printf("%-90s %s\n", line, strings.Join(parts, " "))
	}
}
