// Package opafast runs OPA's evaluator the fast way sendgate needs: a
// decision in tens of microseconds, thousands of times a second, on a few
// cores. Everything sendgate does that depends on how OPA works inside, and
// not only on its documented API, is here, so that an OPA upgrade has one
// place to check:
//
//   - Query evaluates a prepared query with flat, pooled caches, no metrics,
//     cancellation without a goroutine, and results read as AST values.
//   - Pool bounds how many evaluations run and wait, and runs each on its
//     caller's goroutine with the stack grown in one step.
//   - Block hands out the terms of the documents built per decision.
//   - InputPaths finds what a compiled bundle reads of its input, so the
//     engine can leave the rest out.
//   - TuneGC sets the collector for a process that decides.
//
// # What it assumes about OPA (v1.22)
//
//  1. topdown.VirtualCache and topdown.BaseCache are the whole contract of
//     the caches: OPA pushes a virtual-cache frame for each `with` and pops
//     it after, may reuse the reference slice it passes to Put, and keeps no
//     reference to a cache once Eval returns (vcache.go, bcache.go).
//  2. A reference's hash is the sum of its elements' hashes, so the hash of
//     each prefix comes from the one before (bcache.go).
//  3. Every base document read in one evaluation comes from the same store
//     transaction, so the shortest cached prefix of a reference answers for
//     the whole reference (bcache.go).
//  4. OPA evaluates by recursion, 64 to 128 KiB deep for the default bundle;
//     a goroutine whose stack is grown to that size in one step before it
//     evaluates does not copy its stack again (stack.go, pool.go).
//  5. OPA never modifies a term of the input or of a built-in's result, so
//     terms may share one allocation (Block) and findings may be shared by
//     decisions (the built-ins' cache).
//  6. ast.WalkRefs over the compiled modules sees every reference to input:
//     rules, functions, `with` targets, imports (rewritten to refs by the
//     compiler) and input passed whole as the bare reference `input`
//     (reads.go).
//  7. rego.EvalExternalCancel stops an evaluation at its next step, and a
//     query prepared with rego.GenerateJSON hands back the result term's
//     value as it is (query.go).
//
// The equivalence test of package engine decides tens of thousands of
// generated requests with every shortcut on and with a plain
// rego.PreparedEvalQuery (Plain), and requires identical responses: an
// upgrade that breaks one of these assumptions fails that test instead of
// changing answers.
package opafast
