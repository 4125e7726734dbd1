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
// The pool's workers call it before each evaluation: the 64 KiB frame makes
// the stack 128 KiB, and on a stack that is large already (the usual case:
// the collector shrinks an idle worker's stack only now and then) it costs
// only clearing the frame, about a microsecond.
//
//go:noinline
func growStack() {
	var frame [64 << 10]byte
	touch(frame[:])
}

// touch reads b so that the compiler keeps growStack's frame.
//
//go:noinline
func touch(b []byte) byte { return b[len(b)-1] }
