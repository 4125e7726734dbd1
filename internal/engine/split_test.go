package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/workload"
)

func familyNames(fs []family) string {
	var names []string
	for _, f := range fs {
		names = append(names, string(f.name.Value.(ast.String)))
	}
	return strings.Join(names, ",")
}

func TestDefaultBundleSplitsByWhatFamiliesRead(t *testing.T) {
	p, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	if p.split == nil {
		t.Fatal("the default bundle is not split")
	}
	if got, want := familyNames(p.split.shared), "advice,commerce,government,identifiers,template,vertical"; got != want {
		t.Errorf("message-level families %s, want %s", got, want)
	}
	// consent and window read consent, conversation and send_time;
	// category reads recipient.phone (paused regions) and recipient.locale.
	if got, want := familyNames(p.split.perRequest), "category,consent,window"; got != want {
		t.Errorf("per-request families %s, want %s", got, want)
	}
}

// tenantBundle is a bundle with the collector main and the given families.
func tenantBundle(t *testing.T, main string, families map[string]string) *bundle.Bundle {
	t.Helper()
	if main == "" {
		main = collector
	}
	b := &bundle.Bundle{Manifest: bundle.Manifest{Revision: "tenant", Roots: &[]string{""}}, Data: map[string]any{}}
	add := func(path, src string) {
		b.Modules = append(b.Modules, bundle.ModuleFile{Path: path, Raw: []byte(src), Parsed: ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})})
	}
	add("sendgate/main.rego", main)
	for name, body := range families {
		add("sendgate/rules/"+name+".rego", "package sendgate.rules."+name+"\n\n"+body)
	}
	return b
}

func TestSplitFollowsWhatEachFamilyReads(t *testing.T) {
	for _, tc := range []struct {
		name               string
		main               string
		families           map[string]string
		shared, perRequest string // "" and "" when not split
	}{
		{"message_and_recipient", "", map[string]string{
			"text":  `deny contains {"code": "t"} if input.message.text == "x"`,
			"phone": `deny contains {"code": "p"} if input.recipient.phone == "+1"`,
		}, "text", "phone"},
		{"through_a_function", "", map[string]string{
			"text": `deny contains {"code": "t"} if long(input.message.text)
long(s) if count(s) > count(input.consent.wording)`,
			"other": `deny contains {"code": "o"} if input.business.vertical == "x"`,
		}, "other", "text"},
		{"impure_builtin", "", map[string]string{
			"clock": `deny contains {"code": "c"} if {
	time.now_ns() > 0
	input.message.text == ""
}`,
			"other": `deny contains {"code": "o"} if input.message.text == ""`,
		}, "other", "clock"},
		{"input_passed_whole", "", map[string]string{
			"whole": `deny contains {"code": "w"} if count(json.marshal(input)) > 10`,
			"other": `deny contains {"code": "o"} if input.message.text == ""`,
		}, "other", "whole"},
		{"dynamic_top_level_key", "", map[string]string{
			"dyn": `deny contains {"code": "d"} if {
	some v in input
	v.text == ""
}`,
			"other": `deny contains {"code": "o"} if input.message.text == ""`,
		}, "other", "dyn"},
		{"another_main", "package sendgate.main\n\ndecision := {\"reasons\": data.sendgate.rules.a.deny, \"advice\": set()}\n", map[string]string{
			"a": `deny contains {"code": "a"} if input.message.text == ""`,
		}, "", ""},
		{"nothing_message_level", "", map[string]string{
			"a": `deny contains {"code": "a"} if input.consent.wording == ""`,
		}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// time.now_ns, withheld from bundles unless allowed, stands for
			// any built-in that is not pure.
			p, err := CompileWith(context.Background(), tenantBundle(t, tc.main, tc.families), CompileOptions{AllowBuiltins: []string{"time.now_ns"}})
			if err != nil {
				t.Fatal(err)
			}
			if tc.shared == "" {
				if p.split != nil {
					t.Fatalf("split into %s / %s, want no split", familyNames(p.split.shared), familyNames(p.split.perRequest))
				}
				return
			}
			if p.split == nil {
				t.Fatal("not split")
			}
			if got := familyNames(p.split.shared); got != tc.shared {
				t.Errorf("message-level %s, want %s", got, tc.shared)
			}
			if got := familyNames(p.split.perRequest); got != tc.perRequest {
				t.Errorf("per-request %s, want %s", got, tc.perRequest)
			}
		})
	}
}

func TestMessageCacheServesEachMessageOnce(t *testing.T) {
	p, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{Workers: 4, Now: func() time.Time { return workload.TrafficNow }})
	e.Activate(p)
	reqs := workload.Campaign(7, 400)
	if _, err := e.DecideBatch(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	st := p.CacheStats()
	// The campaign has two messages: in a batch each is worked out once,
	// however many workers meet it at once.
	if st.Misses != 2 || st.Hits != 398 || st.Entries != 2 {
		t.Fatalf("cache %+v, want 2 misses, 398 hits, 2 entries", st)
	}
}

func TestMessageCacheKeepsAChecksMessageTheSecondTime(t *testing.T) {
	p, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	reqs := workload.Transactional(3, 50) // every text its own
	for _, req := range reqs {
		if _, err := p.Decide(context.Background(), req, workload.TrafficNow); err != nil {
			t.Fatal(err)
		}
	}
	if st := p.CacheStats(); st.Entries != 0 || st.Misses != 50 {
		t.Fatalf("after 50 messages seen once: %+v, want nothing cached", st)
	}
	for range 3 {
		if _, err := p.Decide(context.Background(), reqs[0], workload.TrafficNow); err != nil {
			t.Fatal(err)
		}
	}
	if st := p.CacheStats(); st.Entries != 1 || st.Misses != 51 || st.Hits != 2 {
		t.Fatalf("a message seen four times: %+v, want it cached the second time and served twice", st)
	}
}

func TestMessageCacheIsBounded(t *testing.T) {
	c := newMessageCache(10, 1<<20)
	for i := range 100 {
		msg := ast.NewTerm(ast.NewObject([2]*ast.Term{kText, ast.StringTerm(strings.Repeat("x", i))}))
		e, owner, err := c.lookup(context.Background(), nil, msg, true)
		if err != nil || !owner {
			t.Fatalf("lookup %d: owner %v, %v", i, owner, err)
		}
		c.fill(e, nil, nil)
	}
	if st := c.stats(); st.Entries > 10 || st.Evictions == 0 {
		t.Fatalf("stats %+v, want at most 10 entries and evictions", st)
	}
	// A failed owner leaves no entry: the next request works it out.
	msg := ast.NewTerm(ast.NewObject([2]*ast.Term{kText, ast.StringTerm("failed")}))
	e, _, _ := c.lookup(context.Background(), nil, msg, true)
	c.fail(e)
	if _, owner, _ := c.lookup(context.Background(), nil, msg, true); !owner {
		t.Fatal("a failed entry was served")
	}
}

// FuzzSplitDecidesAsWhole decides generated requests with the message-level
// families from the cache and with the whole decision evaluated for every
// request: the responses must be the same.
func FuzzSplitDecidesAsWhole(f *testing.F) {
	split, err := Compile(context.Background(), defaultBundle(f))
	if err != nil {
		f.Fatal(err)
	}
	whole, err := CompileWith(context.Background(), defaultBundle(f), CompileOptions{WholeDecisions: true})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []uint64{1, 2, 3} {
		f.Add(seed, uint8(0))
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, seed uint64, traffic uint8) {
		reqs := workload.VariedRequests(seed, 20)
		reqs = append(reqs, workload.Traffics[workload.TrafficNames[int(traffic)%len(workload.TrafficNames)]](seed, 20)...)
		for _, req := range reqs {
			// Twice, so that the second is answered from the cache.
			for range 2 {
				a, errA := split.Decide(context.Background(), req, now)
				b, errB := whole.Decide(context.Background(), req, now)
				if (errA != nil) != (errB != nil) {
					t.Fatalf("split error %v, whole error %v", errA, errB)
				}
				if errA == nil {
					a.DecisionId, b.DecisionId = "", ""
					if !proto.Equal(a, b) {
						t.Fatalf("request %v:\nsplit %v\nwhole %v", req, a, b)
					}
				}
			}
		}
	})
}
