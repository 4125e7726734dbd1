// Package explain writes a readable account of one decision for policy
// authors: what the text analysis found, which rules fired with their
// evidence, and what would make the message pass.
package explain

import (
	"fmt"
	"io"
	"strings"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/textscan"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Write explains resp, the decision ps made on req. Everything it prints
// from the text is masked the way the findings mask it.
func Write(w io.Writer, ps *engine.PolicySet, req *sendgatev1.CheckRequest, resp *sendgatev1.CheckResponse) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Decision: %s (bundle %s)\n", strings.TrimPrefix(resp.GetDecision().String(), "DECISION_"), resp.GetBundleRevision())

	f := ps.Builtins().Findings(req.GetMessage().GetText())
	b.WriteString("\nText analysis (positions are character offsets into message.text):\n")
	if lines := findingLines(f); len(lines) > 0 {
		for _, l := range lines {
			b.WriteString("  " + l + "\n")
		}
	} else {
		b.WriteString("  nothing found\n")
	}

	writeReasons(&b, ps, "Blocking reasons", resp.GetReasons())
	writeReasons(&b, ps, "Advice (does not block)", resp.GetAdvice())
	if len(resp.GetReasons()) == 0 {
		b.WriteString("\nNo rule blocks this message: it may be sent.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func findingLines(f *textscan.Findings) []string {
	var out []string
	for _, id := range f.Identifiers {
		out = append(out, fmt.Sprintf("identifier  %-12s %s %q %s", id.Type, id.Scheme, id.Masked, at(id.Span)))
	}
	for _, r := range f.Requests {
		out = append(out, fmt.Sprintf("request     %-12s cue %q + noun %q %s\n              clause: %q", r.Type, r.Cue, r.Noun, at(r.Span), r.Evidence))
	}
	for _, group := range []struct {
		label string
		ms    []textscan.Match
	}{
		{"promotion", f.Promotions},
		{"passcode", f.Passcodes},
		{"opt-out", f.OptOutInstructions},
		{"notice", f.Notices},
		{"partial", f.Partials},
	} {
		for _, m := range group.ms {
			out = append(out, fmt.Sprintf("%-11s %q %s", group.label, m.Term, at(m.Span)))
		}
	}
	return out
}

func at(s textscan.Span) string { return fmt.Sprintf("at %d–%d", s.Start, s.End) }

func writeReasons(b *strings.Builder, ps *engine.PolicySet, title string, rs []*sendgatev1.Reason) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for i, r := range rs {
		doc, ok := ps.Rule(r.GetCode())
		why, remedy := splitMessage(r.GetMessage())
		if doc.Remedy != "" {
			why, remedy = r.GetMessage(), doc.Remedy
		}
		fmt.Fprintf(b, "  %d. %s\n", i+1, r.GetCode())
		fmt.Fprintf(b, "     why:      %s\n", wrap(why, 72, "               "))
		if ok && doc.Title != "" {
			fmt.Fprintf(b, "     rule:     %s (%s)\n", doc.Title, r.GetPolicy())
		} else {
			fmt.Fprintf(b, "     rule:     %s\n", r.GetPolicy())
		}
		if ok && doc.Description != "" {
			fmt.Fprintf(b, "     policy:   %s\n", wrap(doc.Description, 72, "               "))
		}
		if r.GetEvidence() != "" {
			fmt.Fprintf(b, "     evidence: %q\n", r.GetEvidence())
		}
		if remedy != "" {
			fmt.Fprintf(b, "     to pass:  %s\n", wrap(remedy, 72, "               "))
		}
	}
}

// splitMessage parts a reason message written as "What is wrong. What to
// do." into the problem and the remedy; a one-sentence message is all problem.
func splitMessage(msg string) (why, remedy string) {
	if i := strings.Index(msg, ". "); i > 0 {
		return msg[:i+1], strings.TrimSpace(msg[i+2:])
	}
	return msg, ""
}

// wrap folds s into lines of about width characters, indenting the
// continuation lines.
func wrap(s string, width int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	n := 0
	for i, w := range words {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
