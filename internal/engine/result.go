package engine

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

var (
	rReasons  = ast.StringTerm("reasons")
	rAdvice   = ast.StringTerm("advice")
	rCode     = ast.StringTerm("code")
	rMessage  = ast.StringTerm("message")
	rPolicy   = ast.StringTerm("policy")
	rEvidence = ast.StringTerm("evidence")
)

// familyPrefix is the package prefix of rule families: a reason listed
// under family "consent" gets the policy "sendgate.rules.consent".
const familyPrefix = "sendgate.rules."

// responseFrom reads the decision into a response. The decision is ALLOW
// exactly when there is no blocking reason.
//
// Its "reasons" and "advice" each come in one of two shapes: an object from
// family name to that family's set of reasons, as the default bundle's
// main.rego collects them (the reasons are taken as the family wrote them,
// and each gets the family's package as its policy), or a plain list or set
// of reasons that name their own policy. Either way every reason gets the
// one shape the API gives (a missing field reads as empty) and the lists are
// sorted by code, evidence, message and policy, duplicates dropped, so that
// equal requests get equal answers.
func responseFrom(v ast.Value) (*sendgatev1.CheckResponse, error) {
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("%w: result is %s, not an object", ErrUndecided, ast.ValueName(v))
	}
	reasons, err := reasonsFrom(obj.Get(rReasons), true)
	if err != nil {
		return nil, err
	}
	advice, err := reasonsFrom(obj.Get(rAdvice), false)
	if err != nil {
		return nil, err
	}
	resp := &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_ALLOW, Reasons: reasons, Advice: advice}
	if len(reasons) > 0 {
		resp.Decision = sendgatev1.Decision_DECISION_DENY
	}
	return resp, nil
}

func reasonsFrom(t *ast.Term, required bool) ([]*sendgatev1.Reason, error) {
	if t == nil {
		if required {
			return nil, fmt.Errorf("%w: result has no reasons", ErrUndecided)
		}
		return nil, nil
	}
	var out []*sendgatev1.Reason
	var err error
	switch list := t.Value.(type) {
	case ast.Object:
		err = list.Iter(func(k, v *ast.Term) error {
			family, ok := k.Value.(ast.String)
			if !ok {
				return fmt.Errorf("%w: reasons keyed by %s, not a family name", ErrUndecided, ast.ValueName(k.Value))
			}
			out, err = appendReasons(out, v, familyPrefix+string(family))
			return err
		})
	default:
		out, err = appendReasons(out, t, "")
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, compareReasons)
	return slices.CompactFunc(out, func(a, b *sendgatev1.Reason) bool { return compareReasons(a, b) == 0 }), nil
}

// appendReasons appends the reasons of list (an array or a set) to out;
// policy, when not empty, is their policy.
func appendReasons(out []*sendgatev1.Reason, list *ast.Term, policy string) ([]*sendgatev1.Reason, error) {
	collect := func(rt *ast.Term) error {
		ro, ok := rt.Value.(ast.Object)
		if !ok {
			return fmt.Errorf("%w: reason is %s, not an object", ErrUndecided, ast.ValueName(rt.Value))
		}
		r := &sendgatev1.Reason{
			Code:     stringAt(ro, rCode),
			Message:  stringAt(ro, rMessage),
			Policy:   policy,
			Evidence: stringAt(ro, rEvidence),
		}
		if policy == "" {
			r.Policy = stringAt(ro, rPolicy)
		}
		if r.Code == "" {
			return fmt.Errorf("%w: reason without a code", ErrUndecided)
		}
		out = append(out, r)
		return nil
	}
	switch l := list.Value.(type) {
	case *ast.Array:
		out = slices.Grow(out, l.Len())
		for i := range l.Len() {
			if err := collect(l.Elem(i)); err != nil {
				return nil, err
			}
		}
	case ast.Set:
		out = slices.Grow(out, l.Len())
		if err := l.Iter(collect); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: reasons are %s, not a list", ErrUndecided, ast.ValueName(list.Value))
	}
	return out, nil
}

// compareReasons orders reasons as Rego orders objects with these four keys.
func compareReasons(a, b *sendgatev1.Reason) int {
	return cmp.Or(
		cmp.Compare(a.Code, b.Code),
		cmp.Compare(a.Evidence, b.Evidence),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.Policy, b.Policy),
	)
}

func stringAt(o ast.Object, k *ast.Term) string {
	if t := o.Get(k); t != nil {
		if s, ok := t.Value.(ast.String); ok {
			return string(s)
		}
	}
	return ""
}
