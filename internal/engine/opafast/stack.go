package opafast

// growStack grows the calling goroutine's stack, in one step, to the size a
// decision needs. OPA evaluates by recursion, between 64 and 128 KiB deep for
// the default bundle, while a goroutine's stack starts at a few kilobytes and
// doubles each time it runs out, copying itself and adjusting every frame on
// it. A decision on a fresh goroutine, as every gRPC call is, spent about a
// third of its CPU time growing its stack four or five times deep inside the
// evaluation. Called first, while the stack is shallow, the growth is one
// cheap copy.
//
// The pool calls it before each evaluation: the 64 KiB frame makes the
// stack 128 KiB. The frame is reserved by the function's prologue, which is
// where the stack grows; the array in it is never used (stackNever is
// always false), so on a stack that is large already it costs nothing.
//
//go:noinline
func growStack() {
	if stackNever {
		var frame [64 << 10]byte
		touch(frame[:])
	}
}

// stackNever is false; the compiler cannot know it, so it keeps growStack's
// frame.
var stackNever bool

// touch reads b so that the compiler keeps growStack's frame.
//
//go:noinline
func touch(b []byte) byte { return b[len(b)-1] }
