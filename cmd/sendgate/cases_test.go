package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cardAsk is a UTILITY template that asks for a card number: denied with
// identifier.requested.payment_card and nothing else.
const cardAsk = `{"sendTime": "2026-11-20T10:00:00Z",
 "business": {"id": "biz-acme", "displayName": "Acme Shoes", "vertical": "retail"},
 "recipient": {"phone": "+31612345678"},
 "message": {"category": "CATEGORY_UTILITY", "type": "MESSAGE_TYPE_TEMPLATE",
  "text": "Could you share your credit card number so we can charge the repair?",
  "template": {"name": "t", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_UTILITY"}},
 "consent": {"optedInAt": "2026-01-05T09:00:00Z", "wording": "Yes, updates from Acme Shoes on WhatsApp.", "scopes": ["CATEGORY_UTILITY"]}}`

// promoNoOptOut is a MARKETING template without opt-out line: allowed, with
// advice.opt_out_instructions.
const promoNoOptOut = `{"sendTime": "2026-11-20T10:00:00Z",
 "business": {"id": "biz-acme", "displayName": "Acme Shoes", "vertical": "retail"},
 "recipient": {"phone": "+31612345678"},
 "message": {"category": "CATEGORY_MARKETING", "type": "MESSAGE_TYPE_TEMPLATE",
  "text": "Winter sale: 30% off all boots this week.",
  "template": {"name": "t", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_MARKETING"}},
 "consent": {"optedInAt": "2026-01-05T09:00:00Z", "wording": "Yes, offers from Acme Shoes on WhatsApp.", "scopes": ["CATEGORY_MARKETING"]}}`

const badPhone = `{"business": {"id": "b", "displayName": "Acme Shoes", "vertical": "retail"},
 "recipient": {"phone": "+31 6 abc"}, "message": {"category": "CATEGORY_UTILITY", "type": "MESSAGE_TYPE_TEXT", "text": "Hi"}}`

func corpusLine(t *testing.T, c map[string]any) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCasesScoresLikeTheCorpusScript runs "check --cases" over a corpus
// whose cases pass and fail for each reason the pass rule knows, and checks
// the lines it prints, the tally and the exit status.
func TestCasesScoresLikeTheCorpusScript(t *testing.T) {
	deny := "DECISION_DENY"
	allow := "DECISION_ALLOW"
	card := "identifier.requested.payment_card"
	advice := "advice.opt_out_instructions"
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		c    map[string]any
		fail string // "" when the case must pass, else a part of its FAIL line
	}{
		{map[string]any{"name": "ok", "request": raw(cardAsk), "decision": deny, "codes": []string{card}, "optional": []string{}, "advice": []string{}}, ""},
		{map[string]any{"name": "wrong-decision", "request": raw(cardAsk), "decision": allow, "codes": []string{}, "optional": []string{}, "advice": []string{}}, "decision DECISION_DENY want DECISION_ALLOW"},
		{map[string]any{"name": "missing-code", "request": raw(cardAsk), "decision": deny, "codes": []string{card, "consent.missing"}}, "missing [consent.missing]"},
		{map[string]any{"name": "unexpected-code", "request": raw(cardAsk), "decision": deny, "codes": []string{}}, "unexpected [" + card + "]"},
		{map[string]any{"name": "optional-code", "request": raw(cardAsk), "decision": deny, "codes": []string{}, "optional": []string{card}}, ""},
		{map[string]any{"name": "any-of-met", "request": raw(cardAsk), "decision": deny, "any_of": [][]string{{"identifier.requested.bank_account"}, {card}}}, ""},
		{map[string]any{"name": "any-of-unmet", "request": raw(cardAsk), "decision": deny, "codes": []string{card}, "any_of": [][]string{{card, "consent.missing"}, {"identifier.requested.bank_account"}}}, "none of"},
		{map[string]any{"name": "advice-given", "request": raw(promoNoOptOut), "decision": allow, "advice": []string{advice}}, ""},
		{map[string]any{"name": "advice-missing", "request": raw(cardAsk), "decision": deny, "codes": []string{card}, "advice": []string{advice}}, "missing advice"},
		{map[string]any{"name": "advice-absent-broken", "request": raw(promoNoOptOut), "decision": allow, "advice_absent": []string{advice}}, "must be absent"},
		{map[string]any{"name": "advice-absent-kept", "request": raw(cardAsk), "decision": deny, "codes": []string{card}, "advice_absent": []string{advice}}, ""},
		{map[string]any{"name": "refused", "request": raw(badPhone), "error": true}, ""},
		{map[string]any{"name": "not-refused", "request": raw(cardAsk), "error": true}, "expected exit 2"},
		{map[string]any{"name": "refused-unexpectedly", "request": raw(badPhone), "decision": allow}, "exit 2"},
		{map[string]any{"name": "unparsable", "request": raw(`{"message": {"type": "NOPE"}}`), "error": true}, ""},
	}
	var lines []string
	wantFailed := 0
	for _, c := range cases {
		lines = append(lines, corpusLine(t, c.c))
		if c.fail != "" {
			wantFailed++
		}
	}
	path := filepath.Join(t.TempDir(), "cases.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"check", "--cases", path}, nil, &stdout, &stderr)
	if code != exitDeny {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitDeny, stderr.String())
	}
	out := stdout.String()
	for _, c := range cases {
		name := c.c["name"].(string)
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "FAIL "+name+":") {
				line = l
			}
		}
		switch {
		case c.fail == "" && line != "":
			t.Errorf("%s must pass: %s", name, line)
		case c.fail != "" && !strings.Contains(line, c.fail):
			t.Errorf("%s: want a FAIL line with %q, got %q", name, c.fail, line)
		}
	}
	want := fmt.Sprintf("\n%d passed, %d failed\n", len(cases)-wantFailed, wantFailed)
	if !strings.HasSuffix(out, want) {
		t.Errorf("output does not end with %q:\n%s", want, out)
	}
}

func TestCasesAllPassingExitsZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.jsonl")
	line := corpusLine(t, map[string]any{"name": "ok", "request": json.RawMessage(cardAsk), "decision": "DECISION_DENY",
		"codes": []string{"identifier.requested.payment_card"}})
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check", "--cases", path}, nil, &stdout, &stderr); code != exitOK || stdout.String() != "1 passed, 0 failed\n" {
		t.Fatalf("exit %d, output %q, stderr %s", code, stdout.String(), stderr.String())
	}
}

func TestCasesUnusableFileExitsTwo(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.jsonl":       "\n",
		"bad-json.jsonl":    "{not json\n",
		"no-decision.jsonl": `{"name": "x", "request": {}}` + "\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"check", "--cases", path}, nil, &stdout, &stderr); code != exitUnusable {
			t.Errorf("%s: exit %d, want %d", name, code, exitUnusable)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check", "--cases", filepath.Join(dir, "missing.jsonl")}, nil, &stdout, &stderr); code != exitUnusable {
		t.Errorf("missing file: exit %d", code)
	}
	if code := run(context.Background(), []string{"check", "--cases", "x.jsonl", "request.json"}, nil, &stdout, &stderr); code != exitUnusable {
		t.Errorf("--cases with a request file: exit %d", code)
	}
}
