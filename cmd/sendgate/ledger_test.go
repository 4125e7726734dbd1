package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

const importCSV = `type,event_id,business_id,phone,at,channel,wording,scopes,evidence.ip,evidence.form,scope,source
opt_in,e1,biz-acme,+31612345678,2024-05-01T09:30:00Z,web,"Yes, WhatsApp messages from Acme Shoes",MARKETING|UTILITY,192.0.2.1,f-1,,
opt_out,,biz-acme,+31612345679,2024-06-01T09:30:00Z,,,,,,MARKETING,web
opt_in,e3,biz-acme,0612345678,2024-05-01T09:30:00Z,web,x,,,,,
opt_in,e4,biz-acme,+31612345670,yesterday,web,x,,,,,
opt_out,e5,biz-acme,+31612345671,2024-06-01T09:30:00Z,,,,,,SOMETIMES,
opt_in,e6,biz-acme,+31612345672,2024-05-01T09:30:00Z,web,x,GOSSIP,,,,
`

const importJSONL = `{"type": "opt_in", "event_id": "j1", "business_id": "biz-acme", "phone": "+31612345680", "at": "2024-05-01T09:30:00Z", "wording": "WhatsApp from Acme Shoes", "scopes": ["UTILITY"], "evidence": {"url": "https://acme.example/signup"}}

{"type": "opt_out", "business_id": "biz-acme", "phone": "+31612345681", "at": "2024-06-01T09:30:00Z"}
{"type": "opt_in", "business_id": "biz-acme", "phone": "+31612345682"}
not json
{"type": "unsubscribe", "business_id": "biz-acme", "phone": "+31612345683", "at": "2024-06-01T09:30:00Z"}
`

func runLedgerCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"ledger"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLedgerImportReportsRefusedRowsByLine(t *testing.T) {
	dir, key := t.TempDir(), writeKey(t)
	store := []string{"--data-dir", dir, "--ledger-key-file", key}
	for _, tt := range []struct {
		name, file, content string
		accepted            string
		refused             []string
	}{
		{"csv", "in.csv", importCSV, "2 accepted", []string{
			"line 4: phone: must be an E.164 number",
			`line 5: at: "yesterday" is not an RFC 3339 time`,
			`line 6: scope: "SOMETIMES" is neither ALL nor MARKETING`,
			`line 7: scopes: "GOSSIP" is not a category`,
		}},
		{"jsonl", "in.jsonl", importJSONL, "2 accepted", []string{
			"line 4: at: is required",
			"line 5: not a JSON object",
			`line 6: type: "unsubscribe" is neither opt_in nor opt_out`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runLedgerCmd(t, append(append([]string{"import"}, store...), writeFile(t, tt.file, tt.content))...)
			if code != exitDeny {
				t.Fatalf("exit %d, want %d (rows refused); stderr: %s", code, exitDeny, errOut)
			}
			if !strings.Contains(out, tt.accepted+" (0 of them already recorded), "+itoa(len(tt.refused))+" refused") {
				t.Errorf("summary: %s", out)
			}
			for _, want := range tt.refused {
				if !strings.Contains(out, want) {
					t.Errorf("summary lacks %q:\n%s", want, out)
				}
			}
			// Importing again records nothing twice, with or without event ids.
			_, out, _ = runLedgerCmd(t, append(append([]string{"import"}, store...), writeFile(t, tt.file, tt.content))...)
			if !strings.Contains(out, tt.accepted+" (2 of them already recorded)") {
				t.Errorf("second import: %s", out)
			}
		})
	}

	// The export holds the four events, recipients by hash and never a number.
	code, out, errOut := runLedgerCmd(t, append([]string{"export"}, store...)...)
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\n"); n != 4 {
		t.Errorf("exported %d lines, want 4:\n%s", n, out)
	}
	if strings.Contains(out, "+316") || strings.Contains(out, "612345") || !strings.Contains(out, `"evidence":{"form":"f-1","ip":"192.0.2.1"}`) {
		t.Errorf("export:\n%s", out)
	}
	// An export imports into another store with the same key: a migration.
	other := t.TempDir()
	code, out, errOut = runLedgerCmd(t, "import", "--data-dir", other, "--ledger-key-file", key, writeFile(t, "export.jsonl", out))
	if code != exitOK || !strings.Contains(out, "4 accepted") {
		t.Fatalf("import of the export: exit %d: %s %s", code, out, errOut)
	}
	_, again, _ := runLedgerCmd(t, "export", "--data-dir", other, "--ledger-key-file", key)
	if again == "" || strings.Count(again, "\n") != 4 {
		t.Errorf("re-export:\n%s", again)
	}
}

func itoa(n int) string { return thousands(n) }

func TestLedgerImportThroughAServer(t *testing.T) {
	s := startLedgerServe(t, ledgerOptions{spec: "memory"}, t.TempDir())
	code, out, errOut := runLedgerCmd(t, "import", "--addr", s.grpc, writeFile(t, "in.csv", importCSV))
	if code != exitDeny || !strings.Contains(out, "2 accepted") || !strings.Contains(out, "line 4: phone") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	got, err := s.ledger.GetRecipient(testkit.Context(t), &sendgatev1.GetRecipientRequest{BusinessId: "biz-acme", Phone: "+31612345679"})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState().GetMarketingOptedOutAt() == nil {
		t.Errorf("the imported marketing opt-out is not there: %v", got)
	}
	code, out, _ = runLedgerCmd(t, "export", "--addr", s.grpc)
	if code != exitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("export through the server: exit %d:\n%s", code, out)
	}
	// An export names no phone number, so only a store can take it back.
	code, out, _ = runLedgerCmd(t, "import", "--addr", s.grpc, writeFile(t, "e.jsonl", out))
	if code != exitDeny || !strings.Contains(out, "names no phone number") {
		t.Errorf("export into a server: exit %d: %s", code, out)
	}
}

func TestLedgerCommandNeedsAKeyForAStore(t *testing.T) {
	code, _, errOut := runLedgerCmd(t, "export", "--data-dir", t.TempDir())
	if code != exitUnusable || !strings.Contains(errOut, "ledger.key") {
		t.Errorf("export without a key: exit %d: %s", code, errOut)
	}
}

// TestLedgerImportInBatches records a file batch after batch, each batch
// committed in the background while the next is read, and stops at the
// first batch the store refuses.
func TestLedgerImportInBatches(t *testing.T) {
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("type,event_id,business_id,phone,at\n")
	for i := range 7 {
		fmt.Fprintf(&csv, "opt_in,e-%d,biz,+316123456%02d,2025-03-01T10:00:00Z\n", i, i)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, batch := range []int{1, 2, 7, 100} {
		l, err := openLedgerStore(ctx, ledgerOptions{spec: "embedded", keyFile: writeKey(t)}, t.TempDir(), false, quiet)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := importFile(ctx, strings.NewReader(csv.String()), importOptions{name: "in.csv", batch: batch}, nil, l)
		if err != nil || sum.rows != 7 || sum.accepted != 7 || sum.dups != 0 {
			t.Errorf("batch %d: %d rows, %d accepted, %d duplicates, err %v; want 7, 7, 0, nil", batch, sum.rows, sum.accepted, sum.dups, err)
		}
		sum, err = importFile(ctx, strings.NewReader(csv.String()), importOptions{name: "in.csv", batch: batch}, nil, l)
		if err != nil || sum.accepted != 7 || sum.dups != 7 {
			t.Errorf("batch %d, again: %d accepted, %d duplicates, err %v; want 7 and 7", batch, sum.accepted, sum.dups, err)
		}
		// A store that fails: the import stops with its error.
		if err := l.Store().Close(); err != nil {
			t.Fatal(err)
		}
		sum, err = importFile(ctx, strings.NewReader(csv.String()), importOptions{name: "in.csv", batch: batch}, nil, l)
		if err == nil || sum.accepted != 0 {
			t.Errorf("batch %d, closed store: %d accepted, err %v; want 0 and an error", batch, sum.accepted, err)
		}
	}
}
