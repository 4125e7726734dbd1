// Package engine is sendgate's evaluation core: it compiles a policy bundle
// into a prepared query once, holds the active policy set behind an atomic
// pointer and decides CheckRequests against it.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/sendgate/sendgate/internal/builtins"
	"github.com/sendgate/sendgate/internal/engine/opafast"
	"github.com/sendgate/sendgate/internal/textscan"
)

// DecisionQuery is the query every bundle must answer with
// {"reasons": ..., "advice": ...}, each by family or a plain list (see
// responseFrom).
const DecisionQuery = "data.sendgate.main.decision"

// PolicySet is one compiled bundle, ready to decide. It is immutable and
// shared by all goroutines.
type PolicySet struct {
	revision string
	query    *opafast.Query
	shape    inputShape
	plain    bool
	builtins *builtins.Set
	rules    map[string]RuleDoc
	timeout  time.Duration
	split    *split // nil: every request evaluates the whole decision
}

// Revision is the bundle revision that decisions made with this set carry.
func (p *PolicySet) Revision() string { return p.revision }

// Builtins returns the built-ins bound to this set's lexicon.
func (p *PolicySet) Builtins() *builtins.Set { return p.builtins }

// CompileOptions choose how a bundle is compiled.
type CompileOptions struct {
	// Plain decides without any of the speed shortcuts of package opafast
	// or of the built-ins (no trimmed input, no shared terms, no findings
	// cache): slower, and the reference the shortcuts are tested against.
	Plain bool
	// WholeDecisions evaluates the whole decision for every request, without
	// computing message-level families once per message (see split.go).
	WholeDecisions bool
	// AllowBuiltins names withheld built-ins (see Withheld) the bundle may
	// call nonetheless.
	AllowBuiltins []string
}

// Compile compiles b into a PolicySet: it builds the text built-ins from the
// bundle's lexicon, compiles the policies (without their tests) and prepares
// the decision query once.
func Compile(ctx context.Context, b *bundle.Bundle) (*PolicySet, error) {
	return CompileWith(ctx, b, CompileOptions{})
}

// CompileWith is Compile with options.
func CompileWith(ctx context.Context, b *bundle.Bundle, o CompileOptions) (*PolicySet, error) {
	timeout, err := manifestTimeout(b)
	if err != nil {
		return nil, err
	}
	set, err := builtinsFor(b, o.Plain)
	if err != nil {
		return nil, err
	}
	serving := withoutTests(b)
	caps, err := Capabilities(o.AllowBuiltins)
	if err != nil {
		return nil, err
	}
	if err := checkSandbox(serving.Modules, caps); err != nil {
		return nil, fmt.Errorf("compile bundle: %w", err)
	}
	base := append(set.RegoOptions(),
		rego.Capabilities(caps),
		rego.ParsedBundle("sendgate", serving),
		rego.StrictBuiltinErrors(true),
	)
	var compiler *ast.Compiler
	q, err := opafast.Prepare(ctx, opafast.Options{Plain: o.Plain}, append(base[:len(base):len(base)],
		rego.CompilerHook(func(c *ast.Compiler) { compiler = c }),
		rego.Query(DecisionQuery),
	)...)
	if err != nil {
		return nil, fmt.Errorf("compile bundle: %w", err)
	}
	shape := fullShape
	var sp *split
	if !o.Plain {
		shape = shapeOf(compiler.Modules)
		if !o.WholeDecisions {
			if sp, err = newSplit(ctx, serving, compiler, base, builtins.Pure); err != nil {
				return nil, err
			}
		}
	}
	return &PolicySet{
		split:    sp,
		revision: revisionOf(b),
		query:    q,
		shape:    shape,
		plain:    o.Plain,
		builtins: set,
		rules:    ruleDocs(b),
		timeout:  timeout,
	}, nil
}

// DecisionTimeout is the bound the bundle's manifest sets on one decision
// (metadata.sendgate.decision_timeout, e.g. "100ms"), or zero.
func (p *PolicySet) DecisionTimeout() time.Duration { return p.timeout }

// manifestTimeout reads metadata.sendgate.decision_timeout of b's manifest.
func manifestTimeout(b *bundle.Bundle) (time.Duration, error) {
	meta, _ := b.Manifest.Metadata["sendgate"].(map[string]any)
	raw, ok := meta["decision_timeout"]
	if !ok {
		return 0, nil
	}
	s, _ := raw.(string)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("manifest metadata.sendgate.decision_timeout %v: want a positive duration such as \"100ms\"", raw)
	}
	return d, nil
}

// BuiltinsFor compiles the lexicon in the bundle's data.sendgate.lexicon and
// binds sendgate's built-ins to it.
func BuiltinsFor(b *bundle.Bundle) (*builtins.Set, error) { return builtinsFor(b, false) }

func builtinsFor(b *bundle.Bundle, plain bool) (*builtins.Set, error) {
	var spec textscan.LexiconSpec
	if raw, ok := lexiconData(b.Data); ok {
		buf, err := json.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("read lexicon: %w", err)
		}
		if err := json.Unmarshal(buf, &spec); err != nil {
			return nil, fmt.Errorf("read lexicon: %w", err)
		}
	}
	lex, err := textscan.CompileLexicon(spec)
	if err != nil {
		return nil, fmt.Errorf("compile lexicon: %w", err)
	}
	if plain {
		return builtins.NewPlain(lex), nil
	}
	return builtins.New(lex), nil
}

func lexiconData(data map[string]any) (any, bool) {
	root, ok := data["sendgate"].(map[string]any)
	if !ok {
		return nil, false
	}
	lex, ok := root["lexicon"]
	return lex, ok
}

// withoutTests returns a shallow copy of b without its Rego test files, so
// the serving artefact compiles only the policies.
func withoutTests(b *bundle.Bundle) *bundle.Bundle {
	cp := *b
	cp.Modules = make([]bundle.ModuleFile, 0, len(b.Modules))
	for _, m := range b.Modules {
		if !IsTestFile(m.Path) {
			cp.Modules = append(cp.Modules, m)
		}
	}
	return &cp
}

// IsTestFile reports whether a bundle file holds Rego tests.
func IsTestFile(path string) bool { return strings.HasSuffix(path, "_test.rego") }

// revisionOf returns the manifest revision, or for a bundle without one a
// content digest so decisions still name what decided them.
func revisionOf(b *bundle.Bundle) string {
	if b.Manifest.Revision != "" {
		return b.Manifest.Revision
	}
	h := sha256.New()
	mods := append([]bundle.ModuleFile(nil), b.Modules...)
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	for _, m := range mods {
		h.Write([]byte(m.Path))
		h.Write(m.Raw)
	}
	data, _ := json.Marshal(b.Data) // maps marshal with sorted keys
	h.Write(data)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// ErrNoPolicy is returned when no policy set is active yet.
var ErrNoPolicy = errors.New("no policy bundle is active")

// ErrUndecided is returned when the policy produced no usable decision.
var ErrUndecided = errors.New("policy produced no decision")
