package opafast

import "github.com/open-policy-agent/opa/v1/ast"

// Wildcard stands, in a path of InputPaths, for a key that is not a
// constant string and so may be any key.
const Wildcard = "\x00*"

// InputPaths lists the paths under input that the compiled modules read
// (assumption 6): input.business.id reads ["business", "id"]; a key that is
// not a constant string (input.business[k]) reads Wildcard there; input
// passed whole (json.marshal(input), walk(input)) reads the empty path,
// which contains every other.
func InputPaths(modules map[string]*ast.Module) [][]string {
	var paths [][]string
	for _, m := range modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if !r.HasPrefix(ast.InputRootRef) {
				return false
			}
			path := make([]string, 0, len(r)-1)
			for _, t := range r[1:] {
				if s, ok := t.Value.(ast.String); ok {
					path = append(path, string(s))
				} else {
					path = append(path, Wildcard)
				}
			}
			paths = append(paths, path)
			return false
		})
	}
	return paths
}

// Reads reports whether any of paths may read part or all of the document
// at want: one is a prefix of the other, a Wildcard matching any key. A
// path that reads a part containing want (object.get(input.business, …))
// reads want too.
func Reads(paths [][]string, want ...string) bool {
	for _, p := range paths {
		if overlaps(p, want) {
			return true
		}
	}
	return false
}

func overlaps(p, want []string) bool {
	for i := range min(len(p), len(want)) {
		if p[i] != want[i] && p[i] != Wildcard && want[i] != Wildcard {
			return false
		}
	}
	return true
}
