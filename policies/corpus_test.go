package policies_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/policies"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// The quality corpus, testdata/corpus/<language>.txt: messages written from
// the policy documents, not from the lexicon, one a line. "B|kind|text" is
// a benign message that must be allowed; "C|family|text" one that must be
// caught with its family's code; "O|family|text" one knowingly out of scope
// (docs/POLICY-QUALITY.md says why), decided and reported but not counted.
// docs/POLICY-QUALITY.md shows the figures:
//
//	go test ./policies -run TestQualityCorpus -v

// familyCodes maps a corpus family to the reason code that catches it.
var familyCodes = map[string]string{
	"card":  "identifier.requested.payment_card",
	"bank":  "identifier.requested.bank_account",
	"id":    "identifier.requested.national_id",
	"doc":   "identifier.requested.document",
	"dcard": "identifier.disclosed.payment_card",
	"dbank": "identifier.disclosed.bank_account",
	"did":   "identifier.disclosed.national_id",
}

// minCaught is the share of must-catch messages to be caught in every
// language and every family.
const minCaught = 0.98

type corpusLine struct {
	lang, kind, text string
	class            string // classBenign, classCatch or classOut
	line             int
}

func readQualityCorpus(t *testing.T) []corpusLine {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "corpus", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	var out []corpusLine
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		lang := strings.TrimSuffix(filepath.Base(p), ".txt")
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			parts := strings.SplitN(line, "|", 3)
			if len(parts) != 3 || (parts[0] != classBenign && parts[0] != classCatch && parts[0] != classOut) {
				t.Fatalf("%s:%d: want B|kind|text, C|family|text or O|family|text", p, n)
			}
			if parts[0] != classBenign && familyCodes[parts[1]] == "" {
				t.Fatalf("%s:%d: unknown family %q", p, n, parts[1])
			}
			// "\n" in a line stands for a line break in the message.
			text := strings.ReplaceAll(parts[2], `\n`, "\n")
			out = append(out, corpusLine{lang: lang, kind: parts[1], text: text, class: parts[0], line: n})
		}
		f.Close()
	}
	return out
}

// corpusOwnAccounts are the sending business's own IBANs, which its
// invoices in the corpus show (API.md clarification 12).
var corpusOwnAccounts = []any{
	"NL53 ABNA 3177 3512 97", "DE02 4599 9127 3989 2029 79", "ES78 5725 0154 4779 9103 8125",
	"PT65 0627 2709 4962 4055 5956 3", "FR34 2452 3851 0050 8358 5184 010",
}

// corpusRequest is an approved template in the message's language from a
// retail business to a Dutch number with a valid opt-in: marketing kinds
// go as MARKETING, passcodes as AUTHENTICATION, the rest as UTILITY.
func corpusRequest(c corpusLine) *sendgatev1.CheckRequest {
	category := sendgatev1.Category_CATEGORY_UTILITY
	switch c.kind {
	case "marketing":
		category = sendgatev1.Category_CATEGORY_MARKETING
	case "passcode":
		category = sendgatev1.Category_CATEGORY_AUTHENTICATION
	}
	return &sendgatev1.CheckRequest{
		RequestId: fmt.Sprintf("%s-%d", c.lang, c.line),
		SendTime:  timestamppb.New(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)),
		Business:  &sendgatev1.Business{Id: "biz-acme", DisplayName: "Acme", Vertical: "retail", Country: "NL"},
		Recipient: &sendgatev1.Recipient{Phone: "+31612345678"},
		Message: &sendgatev1.Message{
			Category: category,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
			Text:     c.text,
			Template: &sendgatev1.Template{Name: "t", Language: c.lang, Status: sendgatev1.TemplateStatus_TEMPLATE_STATUS_APPROVED, Category: category},
		},
		Consent: &sendgatev1.Consent{
			OptedInAt: timestamppb.New(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)),
			Wording:   "Yes, I want updates and offers from Acme on WhatsApp.",
			Scopes:    []sendgatev1.Category{sendgatev1.Category_CATEGORY_UTILITY, sendgatev1.Category_CATEGORY_MARKETING, sendgatev1.Category_CATEGORY_AUTHENTICATION},
		},
	}
}

// TestQualityCorpus decides every corpus message: no benign message may be
// denied, and at least minCaught of the must-catch messages must be caught
// in every language and every family. docs/POLICY-QUALITY.md's figures are
// the tables this test renders (rewritten with -update), and the page must
// explain every miss and every out-of-scope message by its file:line.
func TestQualityCorpus(t *testing.T) {
	ctx := context.Background()
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	// Acme's invoices show its own accounts, as a tenant's bundle data lists them.
	b.Data["sendgate"].(map[string]any)["businesses"] = map[string]any{
		"biz-acme": map[string]any{"own_accounts": corpusOwnAccounts},
	}
	ps, err := engine.Compile(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var results []corpusResult
	for _, c := range readQualityCorpus(t) {
		resp, err := ps.Decide(ctx, corpusRequest(c), time.Now())
		if err != nil {
			t.Fatalf("%s:%d: %v", c.lang, c.line, err)
		}
		var codes []string
		for _, r := range resp.GetReasons() {
			codes = append(codes, r.GetCode())
		}
		wrong := len(codes) > 0
		if c.class != classBenign {
			wrong = !slices.Contains(codes, familyCodes[c.kind])
		}
		results = append(results, corpusResult{corpusLine: c, codes: codes, wrong: wrong})
		if c.class == classBenign && c.kind == "marketing" && len(resp.GetAdvice()) > 0 {
			t.Errorf("%s: the opt-out line is not recognised (%s): %s", c.where(), resp.GetAdvice()[0].GetCode(), c.text)
		}
		switch {
		case wrong && c.class == classBenign:
			t.Errorf("false deny %s (%s) %v: %s", c.where(), c.kind, codes, c.text)
		case wrong && c.class == classCatch:
			t.Logf("miss %s (%s) %v: %s", c.where(), c.kind, codes, c.text)
		}
	}
	fig := tallyCorpus(results)
	for _, k := range sortedKeys(fig.catchByLang) {
		fig.catchByLang[k].check(t, "language "+k)
	}
	for _, k := range sortedKeys(fig.catchByFamily) {
		fig.catchByFamily[k].check(t, "family "+k)
	}
	checkQualityDoc(t, fig.render(), results)
}

// Corpus line classes: "B" benign, "C" must be caught, "O" a request or
// disclosure knowingly out of scope (decided and reported, not counted).
const (
	classBenign = "B"
	classCatch  = "C"
	classOut    = "O"
)

type corpusResult struct {
	corpusLine
	codes []string
	wrong bool
}

func (c corpusLine) where() string { return fmt.Sprintf("%s:%d", c.lang, c.line) }

type tally struct{ n, wrong int }

func (x *tally) add(wrong bool) {
	x.n++
	if wrong {
		x.wrong++
	}
}

func (x *tally) check(t *testing.T, what string) {
	t.Helper()
	if float64(x.n-x.wrong) < minCaught*float64(x.n) {
		t.Errorf("%s: %d of %d must-catch messages caught, below %.0f %%", what, x.n-x.wrong, x.n, minCaught*100)
	}
}

// figures are the corpus tallies docs/POLICY-QUALITY.md shows.
type figures struct {
	langs                                []string
	benignByLang, catchByLang, outByLang map[string]*tally
	catchByFamily                        map[string]*tally
	benignKind, catchFamily              map[[2]string]int // {kind or family, language}
	benignKindWrong                      map[string]int
	misses, outs                         []corpusResult
}

func tallyCorpus(results []corpusResult) *figures {
	f := &figures{
		benignByLang: map[string]*tally{}, catchByLang: map[string]*tally{}, outByLang: map[string]*tally{},
		catchByFamily: map[string]*tally{}, benignKind: map[[2]string]int{}, catchFamily: map[[2]string]int{},
		benignKindWrong: map[string]int{},
	}
	get := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	for _, r := range results {
		if !slices.Contains(f.langs, r.lang) {
			f.langs = append(f.langs, r.lang)
		}
		switch r.class {
		case classBenign:
			get(f.benignByLang, r.lang).add(r.wrong)
			f.benignKind[[2]string{r.kind, r.lang}]++
			if r.wrong {
				f.benignKindWrong[r.kind]++
			}
		case classCatch:
			get(f.catchByLang, r.lang).add(r.wrong)
			get(f.catchByFamily, r.kind).add(r.wrong)
			f.catchFamily[[2]string{r.kind, r.lang}]++
			if r.wrong {
				f.misses = append(f.misses, r)
			}
		case classOut:
			get(f.outByLang, r.lang).add(r.wrong)
			f.outs = append(f.outs, r)
		}
	}
	slices.SortFunc(f.langs, func(a, b string) int { return cmpIndex(languageOrder, a, b) })
	return f
}

// languageOrder is the order of the tables' language columns.
var languageOrder = []string{"en", "nl", "de", "es", "pt", "fr"}

// familyOrder and kindOrder order the tables' rows.
var (
	familyOrder = []string{"card", "bank", "id", "doc", "dcard", "dbank", "did"}
	kindOrder   = []string{"order", "delivery", "appointment", "bank", "invoice", "travel", "passcode", "fraud", "marketing", "support"}
)

// cmpIndex orders a and b by their place in order, unknown ones last by name.
func cmpIndex(order []string, a, b string) int {
	ia, ib := slices.Index(order, a), slices.Index(order, b)
	if ia < 0 {
		ia = len(order)
	}
	if ib < 0 {
		ib = len(order)
	}
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(a, b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// familyTitles say what each family of must-catch messages holds.
var familyTitles = map[string]string{
	"card":  "asks for a payment card number, CVV, PIN or expiry date",
	"bank":  "asks for a bank account number or IBAN",
	"id":    "asks for a national ID, passport, tax or social security number",
	"doc":   "asks for a photo, scan or copy of an ID document, bank card or statement",
	"dcard": "discloses a card number",
	"dbank": "discloses an IBAN",
	"did":   "discloses a national ID number",
}

// render writes the figures as the Markdown tables of docs/POLICY-QUALITY.md.
func (f *figures) render() string {
	var b strings.Builder
	row := func(cells ...any) {
		b.WriteString("|")
		for _, c := range cells {
			fmt.Fprintf(&b, " %v |", c)
		}
		b.WriteString("\n")
	}
	val := func(m map[string]*tally, k string) tally {
		if m[k] == nil {
			return tally{}
		}
		return *m[k]
	}
	b.WriteString("Per language:\n\n")
	row("language", "benign", "false denies", "must-catch", "missed", "caught", "out of scope (caught)")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	var all [3]tally
	for _, l := range f.langs {
		bn, ca, ou := val(f.benignByLang, l), val(f.catchByLang, l), val(f.outByLang, l)
		row(l, bn.n, bn.wrong, ca.n, ca.wrong, percent(ca), fmt.Sprintf("%d (%d)", ou.n, ou.n-ou.wrong))
		for i, x := range []tally{bn, ca, ou} {
			all[i].n += x.n
			all[i].wrong += x.wrong
		}
	}
	row("**all**", all[0].n, all[0].wrong, all[1].n, all[1].wrong, percent(all[1]), fmt.Sprintf("%d (%d)", all[2].n, all[2].n-all[2].wrong))

	b.WriteString("\nMust-catch messages per family and language:\n\n")
	header := append([]any{"family", "what"}, anySlice(f.langs)...)
	row(append(header, "all", "missed", "caught")...)
	b.WriteString("|---|---|" + strings.Repeat("---|", len(f.langs)+3) + "\n")
	families := sortedKeys(f.catchByFamily)
	slices.SortFunc(families, func(a, b string) int { return cmpIndex(familyOrder, a, b) })
	for _, fam := range families {
		cells := []any{fam, familyTitles[fam]}
		for _, l := range f.langs {
			cells = append(cells, f.catchFamily[[2]string{fam, l}])
		}
		x := val(f.catchByFamily, fam)
		row(append(cells, x.n, x.wrong, percent(x))...)
	}

	b.WriteString("\nBenign messages per kind and language:\n\n")
	row(append(append([]any{"kind"}, anySlice(f.langs)...), "all", "false denies")...)
	b.WriteString("|---|" + strings.Repeat("---|", len(f.langs)+2) + "\n")
	var kinds []string
	for k := range f.benignKind {
		if !slices.Contains(kinds, k[0]) {
			kinds = append(kinds, k[0])
		}
	}
	slices.SortFunc(kinds, func(a, b string) int { return cmpIndex(kindOrder, a, b) })
	for _, k := range kinds {
		cells, n := []any{k}, 0
		for _, l := range f.langs {
			cells = append(cells, f.benignKind[[2]string{k, l}])
			n += f.benignKind[[2]string{k, l}]
		}
		row(append(cells, n, f.benignKindWrong[k])...)
	}

	b.WriteString("\nMisses:")
	listResults(&b, f.misses)
	b.WriteString("\nOut of scope (not counted above):")
	listResults(&b, f.outs)
	return b.String()
}

func listResults(b *strings.Builder, rs []corpusResult) {
	if len(rs) == 0 {
		b.WriteString(" none.\n")
		return
	}
	b.WriteString("\n\n")
	for _, r := range rs {
		state := "missed"
		if !r.wrong {
			state = "caught"
		}
		fmt.Fprintf(b, "- `%s` (%s, %s): %s\n", r.where(), r.kind, state, r.text)
	}
}

func percent(x tally) string {
	if x.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(x.n-x.wrong)/float64(x.n))
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

var update = flag.Bool("update", false, "rewrite the corpus figures in docs/POLICY-QUALITY.md")

const (
	figuresBegin = "<!-- BEGIN corpus figures: generated by `go test ./policies -run TestQualityCorpus -update`; do not edit -->\n"
	figuresEnd   = "<!-- END corpus figures -->\n"
)

// checkQualityDoc compares the figures in docs/POLICY-QUALITY.md with the
// corpus's, and requires the page to explain each miss and out-of-scope
// message by its file:line outside the generated tables.
func checkQualityDoc(t *testing.T, figures string, results []corpusResult) {
	t.Helper()
	path := filepath.Join("..", "docs", "POLICY-QUALITY.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	begin, end := strings.Index(doc, figuresBegin), strings.Index(doc, figuresEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s lacks the markers %q … %q", path, figuresBegin, figuresEnd)
	}
	if got := doc[begin+len(figuresBegin) : end]; got != figures {
		if !*update {
			t.Errorf("%s's corpus figures differ from the corpus; run: go test ./policies -run TestQualityCorpus -update\n--- doc\n%s\n--- corpus\n%s", path, got, figures)
		} else if err := os.WriteFile(path, []byte(doc[:begin+len(figuresBegin)]+figures+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	prose := doc[:begin] + doc[end:]
	for _, r := range results {
		if (r.wrong && r.class == classCatch) || r.class == classOut {
			if !strings.Contains(prose, "`"+r.where()+"`") {
				t.Errorf("%s: %s (%s) is not explained in %s", r.where(), r.class, r.kind, path)
			}
		}
	}
}
