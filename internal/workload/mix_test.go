package workload

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDefaultMix(t *testing.T) {
	mix := DefaultMix()
	var names []string
	for _, m := range mix {
		names = append(names, m.Name)
		if m.Request.GetBusiness().GetId() == "" || m.Request.GetRecipient().GetPhone() == "" || m.Request.GetMessage().GetText() == "" {
			t.Errorf("%s: incomplete request", m.Name)
		}
	}
	if got := strings.Join(names, ","); got != "plain,identifiers,multilingual,long4096" {
		t.Errorf("names = %s", got)
	}
	if n := utf8.RuneCountInString(mix[3].Request.GetMessage().GetText()); n != MaxTextRunes {
		t.Errorf("long4096 text has %d characters, want %d", n, MaxTextRunes)
	}
	mix[0].Request.Message.Text = "changed"
	if DefaultMix()[0].Request.GetMessage().GetText() == "changed" {
		t.Error("DefaultMix should return fresh messages")
	}
}

func TestReadMix(t *testing.T) {
	in := `{"name": "case-one", "request": {"requestId": "r1", "business": {"id": "b"}, "message": {"category": "CATEGORY_UTILITY", "text": "hi"}}, "decision": "DECISION_ALLOW", "codes": []}

{"requestId": "r2", "message": {"type": "MESSAGE_TYPE_TEMPLATE"}}
{"message": {"text": "no id"}}
`
	items, err := ReadMix(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("got %d items", len(items))
	}
	if items[0].Name != "case-one" || items[0].Request.GetMessage().GetText() != "hi" {
		t.Errorf("corpus case read as %s %v", items[0].Name, items[0].Request)
	}
	if items[1].Name != "r2" || items[2].Name != "line-4" {
		t.Errorf("names %q %q", items[1].Name, items[2].Name)
	}
	for _, bad := range []string{"", "not json\n", `{"request": {"message": {"category": "NOPE"}}}`} {
		if _, err := ReadMix(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadMix(%q) succeeded", bad)
		}
	}
}

func TestReadMixFileCorpus(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "corpus", "public.jsonl")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shared corpus beside the repository")
	}
	items, err := ReadMixFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 || items[0].Request.GetBusiness().GetId() == "" {
		t.Errorf("corpus read as %d items", len(items))
	}
}

func TestTruncateRunes(t *testing.T) {
	if got := TruncateRunes("héllo", 2); got != "hé" {
		t.Errorf("got %q", got)
	}
	if got := TruncateRunes("abc", 5); got != "abc" {
		t.Errorf("got %q", got)
	}
}
