package load

import (
	"strings"
	"testing"
)

const benchOutput = `goos: linux
BenchmarkDecide/msg=plain/text=repeated-2         	   10000	    100000 ns/op	   25000 B/op	     480 allocs/op
BenchmarkDecide/msg=plain/text=repeated-2         	   10000	     90000 ns/op	   25000 B/op	     480 allocs/op
BenchmarkDecide/msg=plain/text=repeated-2         	   10000	    300000 ns/op	   25000 B/op	     480 allocs/op
BenchmarkDecide/msg=long4096/text=repeated-2      	    5000	     40000 ns/op	   47000 B/op	     200 allocs/op
BenchmarkDecideParallel/msg=mix/text=repeated-2   	   10000	     50000 ns/op	   43000 B/op	     670 allocs/op
BenchmarkInput/msg=plain-2                        	  184276	      6487 ns/op	    4072 B/op	      56 allocs/op
PASS
`

func TestParseGoBench(t *testing.T) {
	b, err := ParseGoBench(strings.NewReader(benchOutput))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.Names, " "); got != "Decide/msg=plain/text=repeated Decide/msg=long4096/text=repeated DecideParallel/msg=mix/text=repeated Input/msg=plain" {
		t.Errorf("names %q", got)
	}
	if got := b.NsPerOp["Decide/msg=plain/text=repeated"]; len(got) != 3 || got[2] != 300000 {
		t.Errorf("plain ns/op %v", got)
	}
	if got := b.Allocs["Input/msg=plain"]; len(got) != 1 || got[0] != 56 {
		t.Errorf("input allocs %v", got)
	}
}

func TestDecideMarkdownTable(t *testing.T) {
	b, err := ParseGoBench(strings.NewReader(benchOutput))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := DecideMarkdownTable(&sb, b); err != nil {
		t.Fatal(err)
	}
	table := sb.String()
	for _, want := range []string{
		"| Decide/msg=plain/text=repeated | 100.0 | 480 | 3 |", // the median, not the mean
		"| Decide/msg=long4096/text=repeated | 40.0 | 200 | 1 |",
		"| **median over the mix** | **70.0** (target ≤ 50: **no**) | **340** (target ≤ 250: **no**) | 2 rows |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "Parallel") || strings.Contains(table, "Input") {
		t.Errorf("table has rows other than Decide/:\n%s", table)
	}
}
