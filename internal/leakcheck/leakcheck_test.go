package leakcheck

import "testing"

func TestFind(t *testing.T) {
	needles := []string{"+31612345678", "4111 1111 1111 1111", "NL91ABNA0417164300", "123456782"}
	cases := []struct {
		name     string
		haystack string
		want     string // needle expected to be found; "" for none
	}{
		{"verbatim_phone", `{"to":"+31612345678"}`, "+31612345678"},
		{"phone_national_format", `call 06 12345678 now`, "+31612345678"},
		{"phone_dashed", `31-6-1234-5678`, "+31612345678"},
		{"card_compact", `card=4111111111111111`, "4111 1111 1111 1111"},
		{"card_dashed", `4111-1111-1111-1111`, "4111 1111 1111 1111"},
		{"iban_spaced_lower", `nl91 abna 0417 1643 00`, "NL91ABNA0417164300"},
		{"bsn_dotted", `1234.56.782`, "123456782"},
		{"masked_card", `card ending **** **** **** 1111`, ""},
		{"masked_iban", `NL** **** **** 4300`, ""},
		{"hash_only", `"recipient":"9f86d081884c7d659a2feaa0c55ad015"`, ""},
		{"metrics", "sendgate_decisions_total{decision=\"deny\"} 3\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			leaks := Find(c.haystack, needles)
			if c.want == "" {
				if len(leaks) != 0 {
					t.Fatalf("unexpected leaks: %+v", leaks)
				}
				return
			}
			if len(leaks) != 1 || leaks[0].Needle != c.want {
				t.Fatalf("leaks = %+v, want exactly %q", leaks, c.want)
			}
		})
	}
}

func TestAssertNoLeakReports(t *testing.T) {
	rec := &recorder{TB: t}
	AssertNoLeak(rec, "to +31 6 1234 5678", []string{"+31612345678"})
	if rec.errors != 1 {
		t.Fatalf("errors = %d, want 1", rec.errors)
	}
	rec.errors = 0
	AssertNoLeak(rec, "to ****5678", []string{"+31612345678"})
	if rec.errors != 0 {
		t.Fatalf("errors = %d, want 0", rec.errors)
	}
}

// recorder counts failures instead of failing the test.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Helper()               {}
