package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// corpusCase is one line of a corpus in the format of
// ../shared/corpus/public.jsonl: a request and what its decision must be.
type corpusCase struct {
	Name    string          `json:"name"`
	Request json.RawMessage `json:"request"`
	// Error says the request must be refused (exit status 2).
	Error    bool     `json:"error"`
	Decision string   `json:"decision"`
	Codes    []string `json:"codes"`
	Optional []string `json:"optional"`
	Advice   []string `json:"advice"`
	// AnyOf lists sets of codes of which at least one must be present in
	// full; its codes are also tolerated as optional.
	AnyOf [][]string `json:"any_of"`
	// AdviceAbsent lists advice codes that must not be given.
	AdviceAbsent []string `json:"advice_absent"`
}

// caseResult is what running one case gave: why it failed, or "" when it passed.
type caseResult struct {
	name string
	why  string
}

// runCases decides every case of a corpus file in this process and scores
// it with the pass rule of ../shared/tools/run_corpus.py: the decision as
// expected, every expected code present, every code present expected or
// optional, every expected advice present, the exit status "sendgate check"
// would give, a decision id and bundle revision; a case marked "error" must
// be refused. It prints a line per failing case and "N passed, M failed",
// and returns 0 only when every case passed.
func runCases(ctx context.Context, ps *engine.PolicySet, path string, stdout, stderr io.Writer) int {
	cases, err := readCorpus(path)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate check: %v\n", err)
		return exitUnusable
	}
	results := make([]caseResult, len(cases))
	now := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				results[i] = caseResult{name: cases[i].Name, why: judgeCase(ctx, ps, &cases[i], now)}
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()

	failed := 0
	w := bufio.NewWriter(stdout)
	for _, r := range results {
		if r.why != "" {
			failed++
			fmt.Fprintf(w, "FAIL %s: %s\n", r.name, r.why)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", len(results)-failed, failed)
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "sendgate check: %v\n", err)
		return exitUnusable
	}
	if failed > 0 {
		return exitDeny
	}
	return exitOK
}

// readCorpus reads a JSONL corpus; blank lines are skipped.
func readCorpus(path string) ([]corpusCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	var cases []corpusCase
	for n, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var c corpusCase
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n+1, err)
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("line %d", n+1)
		}
		if !c.Error && c.Decision != "DECISION_ALLOW" && c.Decision != "DECISION_DENY" {
			return nil, fmt.Errorf("%s:%d: case %q: decision %q is neither DECISION_ALLOW nor DECISION_DENY", path, n+1, c.Name, c.Decision)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		return nil, errors.New("read cases: " + path + " holds no case")
	}
	return cases, nil
}

// judgeCase decides one case as "sendgate check FILE" would and returns why
// it fails, or "".
func judgeCase(ctx context.Context, ps *engine.PolicySet, c *corpusCase, now time.Time) string {
	resp, refused := decideCase(ctx, ps, c.Request, now)
	if c.Error {
		if refused == "" {
			return fmt.Sprintf("expected exit 2 (refused), got a decision %s", resp.GetDecision())
		}
		return ""
	}
	if refused != "" {
		return "exit 2: " + refused
	}
	return judgeResponse(c, resp)
}

// decideCase parses, validates and decides a request; refused says why
// "sendgate check" would exit 2.
func decideCase(ctx context.Context, ps *engine.PolicySet, raw json.RawMessage, now time.Time) (*sendgatev1.CheckResponse, string) {
	req := &sendgatev1.CheckRequest{}
	if err := protojson.Unmarshal(raw, req); err != nil {
		return nil, "parse request: " + err.Error()
	}
	if v := validate.CheckRequest(req); v != nil {
		return nil, errInvalid(v).Error()
	}
	resp, err := ps.Decide(ctx, req, now)
	if err != nil {
		return nil, err.Error()
	}
	return resp, ""
}

// judgeResponse applies the pass rule to a decision.
func judgeResponse(c *corpusCase, resp *sendgatev1.CheckResponse) string {
	got := codeSet(resp.GetReasons())
	advice := codeSet(resp.GetAdvice())
	allowed := slices.Concat(c.Codes, c.Optional)
	for _, set := range c.AnyOf {
		allowed = append(allowed, set...)
	}
	switch {
	case resp.GetDecision().String() != c.Decision:
		return fmt.Sprintf("decision %s want %s; reasons %v", resp.GetDecision(), c.Decision, got)
	case len(missing(c.Codes, got)) > 0:
		return fmt.Sprintf("missing %v; got %v", missing(c.Codes, got), got)
	case len(missing(got, allowed)) > 0:
		return fmt.Sprintf("unexpected %v", missing(got, allowed))
	case len(c.AnyOf) > 0 && !slices.ContainsFunc(c.AnyOf, func(set []string) bool { return len(missing(set, got)) == 0 }):
		return fmt.Sprintf("none of %v present in full; got %v", c.AnyOf, got)
	case len(missing(c.Advice, advice)) > 0:
		return fmt.Sprintf("missing advice %v; got %v", missing(c.Advice, advice), advice)
	case len(present(c.AdviceAbsent, advice)) > 0:
		return fmt.Sprintf("advice %v must be absent", present(c.AdviceAbsent, advice))
	case resp.GetDecisionId() == "" || resp.GetBundleRevision() == "":
		return "bundleRevision or decisionId missing"
	}
	// The exit status follows the decision (0 allow, 1 deny), as in runCheck.
	return ""
}

func codeSet(rs []*sendgatev1.Reason) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.GetCode())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// missing returns the codes of want that have is not.
func missing(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// present returns the codes of want that have holds too.
func present(want, have []string) []string {
	var out []string
	for _, w := range want {
		if slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// casesUsage is the --cases line of the check usage.
var casesUsage = strings.TrimSpace(`
--cases FILE.jsonl decides every case of a corpus (the format of
../shared/corpus/public.jsonl, plus "any_of" and "advice_absent") in this
process, prints a line per failing case and "N passed, M failed", and exits
0 when all pass, 1 when any fails, 2 when the file or bundle is unusable.`)
