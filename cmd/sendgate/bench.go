package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/workload"
)

// benchTries is how often a bench request is decided before a decision
// over the limit refuses the bundle: an expensive policy is over the limit
// every time, a decision delayed by a busy machine seldom twice.
const benchTries = 3

// benchPolicy decides the bench mix (workload.DefaultMix: a plain message,
// one full of identifiers, a multilingual one and a 4,096-character text)
// with a new policy set before it serves, each decision within the decision
// timeout the set will serve with (the bundle manifest's, else the flag's).
// A decision that fails, or runs past the timeout in every try, refuses
// the bundle. With no decision timeout there is nothing to exceed.
func benchPolicy(ctx context.Context, ps *engine.PolicySet, flagTimeout time.Duration) error {
	timeout := flagTimeout
	if t := ps.DecisionTimeout(); t > 0 {
		timeout = t
	}
	if timeout <= 0 {
		return nil
	}
	for _, item := range workload.DefaultMix() {
		var err error
		for range benchTries {
			dctx, cancel := context.WithTimeout(ctx, timeout)
			_, err = ps.Decide(dctx, item.Request, time.Now())
			over := dctx.Err() != nil && ctx.Err() == nil
			cancel()
			if err == nil || !over {
				break
			}
			err = fmt.Errorf("%w (%s)", engine.ErrDecisionTimeout, timeout)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("bench request %q: %w", item.Name, err)
		}
	}
	return nil
}
