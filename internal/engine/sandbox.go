package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/sendgate/sendgate/internal/builtins"
)

// Bundles run in a sandbox: a decision must be a function of the bundle and
// the request, so the built-ins whose results come from outside both are
// withheld. The list is OPA's own: every built-in its metadata marks
// non-deterministic (ast.Builtin.Nondeterministic), which is how OPA flags
// the built-ins that reach the network, the clock, randomness or the
// process. In OPA v1.22 these are http.send, net.lookup_ip_addr,
// opa.runtime, time.now_ns, rand.intn, uuid.rfc4122, io.jwt.decode_verify,
// io.jwt.encode_sign, io.jwt.encode_sign_raw, json.verify_schema and
// json.match_schema. Deliberately kept: net.cidr_* (address arithmetic, no
// network) and the time.* built-ins that take a zone name (time.format,
// time.date, time.clock, ...: deterministic; OPA loads zones from Go's
// embedded tz database or the host's zoneinfo files, never the network).
// `serve --allow-builtin NAME` gives one back.

// withheldWhy says, for the built-ins OPA v1.22 marks, what they reach; a
// built-in a later OPA marks is withheld with a generic reason.
var withheldWhy = map[string]string{
	"http.send":              "it makes HTTP requests",
	"net.lookup_ip_addr":     "it makes DNS queries",
	"opa.runtime":            "it reads the process's environment and configuration",
	"time.now_ns":            "it reads the clock (decisions use input.send_time)",
	"rand.intn":              "its result is random",
	"uuid.rfc4122":           "its result is random",
	"io.jwt.decode_verify":   "it reads the clock",
	"io.jwt.encode_sign":     "its result is random",
	"io.jwt.encode_sign_raw": "its result is random",
	"json.verify_schema":     "it fetches remote $ref schemas over the network",
	"json.match_schema":      "it fetches remote $ref schemas over the network",
}

// Withheld returns the names of the built-ins bundles may not call unless
// allowed, sorted.
func Withheld() []string {
	var names []string
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		if b.IsNondeterministic() {
			names = append(names, b.Name)
		}
	}
	slices.Sort(names)
	return names
}

// Capabilities are the OPA capabilities policies compile and run with:
// OPA's for this version without the withheld built-ins but those in allow,
// plus sendgate's own. An allow entry that names no withheld built-in is an
// error, so that a typo does not pass silently.
func Capabilities(allow []string) (*ast.Capabilities, error) {
	withheld := Withheld()
	for _, name := range allow {
		if !slices.Contains(withheld, name) {
			return nil, fmt.Errorf("--allow-builtin %s: not a built-in sendgate withholds (those are %s)", name, strings.Join(withheld, ", "))
		}
	}
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		return b.IsNondeterministic() && !slices.Contains(allow, b.Name)
	})
	caps.Builtins = append(caps.Builtins, builtins.Decls()...)
	return caps, nil
}

// ErrWithheldBuiltin is returned for a bundle that calls a built-in the
// sandbox withholds.
var ErrWithheldBuiltin = errors.New("the bundle calls a withheld built-in")

// checkSandbox refuses modules that call a built-in caps lacks but OPA
// has, naming each with where it is called, before OPA's compiler would
// call it an undefined function.
func checkSandbox(modules []bundle.ModuleFile, caps *ast.Capabilities) error {
	allowed := make(map[string]bool, len(caps.Builtins))
	for _, b := range caps.Builtins {
		allowed[b.Name] = true
	}
	var found []string
	seen := map[string]bool{}
	note := func(op ast.Ref, loc *ast.Location) {
		name := op.String()
		if allowed[name] || ast.BuiltinMap[name] == nil || seen[name] {
			return
		}
		seen[name] = true
		why := withheldWhy[name]
		if why == "" {
			why = "OPA marks it non-deterministic"
		}
		where := ""
		if loc != nil {
			where = fmt.Sprintf(" at %s:%d", loc.File, loc.Row)
		}
		found = append(found, fmt.Sprintf("built-in %s%s (withheld: %s; serve --allow-builtin %s permits it)", name, where, why, name))
	}
	for _, m := range modules {
		if m.Parsed == nil {
			continue
		}
		ast.WalkExprs(m.Parsed, func(e *ast.Expr) bool {
			if e.IsCall() {
				note(e.Operator(), e.Location)
			}
			return false
		})
		ast.WalkTerms(m.Parsed, func(t *ast.Term) bool {
			if c, ok := t.Value.(ast.Call); ok && len(c) > 0 {
				if op, ok := c[0].Value.(ast.Ref); ok {
					note(op, t.Location)
				}
			}
			return false
		})
	}
	if len(found) > 0 {
		return fmt.Errorf("%w: %s", ErrWithheldBuiltin, strings.Join(found, "; "))
	}
	return nil
}
