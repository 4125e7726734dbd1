package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/ledger"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// LedgerReader reads recipients' states from the consent ledger.
type LedgerReader interface {
	// Lookup returns the state of each key's recipient, in order, in one read.
	Lookup(ctx context.Context, keys []ledger.Lookup) ([]ledger.State, error)
}

// LedgerOptions make an engine read the consent ledger for every decision
// and hand the recipient's state to the policy as input.ledger.
type LedgerOptions struct {
	// Reader is the ledger; nil leaves input.ledger out.
	Reader LedgerReader
	// Timeout bounds one read (a whole batch's); DefaultLedgerTimeout when zero.
	Timeout time.Duration
	// DecideWithout decides without input.ledger when the ledger cannot be
	// read, instead of failing with ErrLedgerUnavailable.
	DecideWithout bool
	// OnError is told of each failed read (before deciding without, or failing).
	OnError func(error)
}

// DefaultLedgerTimeout bounds a ledger read when LedgerOptions.Timeout is zero.
const DefaultLedgerTimeout = 2 * time.Second

// ErrLedgerUnavailable is returned when the ledger cannot be read: a
// decision without the recipient's opt-outs must not be made.
var ErrLedgerUnavailable = errors.New("the consent ledger cannot be read")

// ledgerTerms reads the ledger once for reqs and returns each request's
// input.ledger; nil when no ledger is configured, or when it cannot be read
// and the engine decides without it.
func (e *Engine) ledgerTerms(ctx context.Context, reqs ...*sendgatev1.CheckRequest) ([]*ast.Term, error) {
	o := e.ledger
	if o.Reader == nil || len(reqs) == 0 {
		return nil, nil
	}
	keys := make([]ledger.Lookup, len(reqs))
	for i, r := range reqs {
		keys[i] = ledger.Lookup{BusinessID: r.GetBusiness().GetId(), Phone: r.GetRecipient().GetPhone()}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultLedgerTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	states, err := o.Reader.Lookup(rctx, keys)
	cancel()
	if err == nil && len(states) != len(reqs) {
		err = fmt.Errorf("%d states for %d requests", len(states), len(reqs))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if o.OnError != nil {
			o.OnError(err)
		}
		if o.DecideWithout {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %w", ErrLedgerUnavailable, err)
	}
	terms := make([]*ast.Term, len(states))
	for i := range states {
		terms[i] = LedgerTerm(&states[i])
	}
	return terms, nil
}

// withLedger adds input.ledger to a freshly built input document; a nil
// term leaves it out.
func withLedger(in ast.Value, t *ast.Term) ast.Value {
	if t == nil {
		return in
	}
	if obj, ok := in.(ast.Object); ok {
		obj.Insert(kLedger, t)
	}
	return in
}

var (
	kLedger              = ast.StringTerm("ledger")
	kKeyword             = ast.StringTerm("keyword")
	kMarketingOptedOutAt = ast.StringTerm("marketing_opted_out_at")
	kErasedAt            = ast.StringTerm("erased_at")
)

// LedgerTerm is a recipient's ledger state as the policy reads it:
//
//	{"opted_in_at", "channel", "wording", "scopes", "keyword"   (with an opt-in)
//	 "opted_out_at", "marketing_opted_out_at", "last_inbound_at", "erased_at"}
//
// Times are integer nanoseconds since the epoch, as in the rest of the
// input; a part the ledger does not hold is absent, so that {} is a
// recipient the ledger knows nothing of.
func LedgerTerm(s *ledger.State) *ast.Term {
	items := make([][2]*ast.Term, 0, 9)
	if o := s.OptIn; o != nil {
		scopes := make([]*ast.Term, len(o.Scopes))
		for i, name := range o.Scopes {
			scopes[i] = categoryTerms.term(sendgatev1.Category(sendgatev1.Category_value[name]).Number())
		}
		items = append(items,
			ast.Item(kOptedInAt, nanosTerm(o.At)),
			ast.Item(kChannel, ast.StringTerm(o.Channel)),
			ast.Item(kWording, ast.StringTerm(o.Wording)),
			ast.Item(kScopes, ast.ArrayTerm(scopes...)),
			ast.Item(kKeyword, ast.StringTerm(o.Keyword)),
		)
	}
	for _, x := range [...]struct {
		k *ast.Term
		t time.Time
	}{{kOptedOutAt, s.OptedOutAt}, {kMarketingOptedOutAt, s.MarketingOptedOutAt}, {kLastInboundAt, s.LastInboundAt}, {kErasedAt, s.ErasedAt}} {
		if !x.t.IsZero() {
			items = append(items, ast.Item(x.k, nanosTerm(x.t)))
		}
	}
	return ast.ObjectTerm(items...)
}

func nanosTerm(t time.Time) *ast.Term { return ast.IntNumberTerm(int(t.UnixNano())) }

// at is terms[i], or nil when there are no terms.
func at(terms []*ast.Term, i int) *ast.Term {
	if terms == nil {
		return nil
	}
	return terms[i]
}
