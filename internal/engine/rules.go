package engine

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// RuleDoc is what a rule's METADATA says about the reason code it produces:
// the policy sentence it enforces and what would make a message pass.
type RuleDoc struct {
	Code        string
	Package     string
	Title       string
	Description string
	// Remedy is the rule's custom.remedy: what the sender can change so the
	// message passes.
	Remedy string
}

// ruleDocs collects the METADATA of every rule that declares custom.code.
func ruleDocs(b *bundle.Bundle) map[string]RuleDoc {
	docs := map[string]RuleDoc{}
	for _, m := range b.Modules {
		if m.Parsed == nil || IsTestFile(m.Path) {
			continue
		}
		pkg := strings.TrimPrefix(m.Parsed.Package.Path.String(), "data.")
		for _, a := range m.Parsed.Annotations {
			code, _ := a.Custom["code"].(string)
			if code == "" {
				continue
			}
			doc := RuleDoc{Code: code, Package: pkg, Title: a.Title, Description: strings.TrimSpace(a.Description)}
			if r, ok := a.Custom["remedy"]; ok {
				doc.Remedy = strings.TrimSpace(fmt.Sprint(r))
			}
			if _, dup := docs[code]; !dup {
				docs[code] = doc
			}
		}
	}
	return docs
}

// Rule returns the documentation of the rule that produces code.
func (p *PolicySet) Rule(code string) (RuleDoc, bool) {
	d, ok := p.rules[code]
	return d, ok
}
