package engine

import (
	"fmt"

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

// responseFrom reads {"reasons": [...], "advice": [...]} into a response.
// The decision is ALLOW exactly when there is no blocking reason.
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
	collect := func(rt *ast.Term) error {
		ro, ok := rt.Value.(ast.Object)
		if !ok {
			return fmt.Errorf("%w: reason is %s, not an object", ErrUndecided, ast.ValueName(rt.Value))
		}
		r := &sendgatev1.Reason{
			Code:     stringAt(ro, rCode),
			Message:  stringAt(ro, rMessage),
			Policy:   stringAt(ro, rPolicy),
			Evidence: stringAt(ro, rEvidence),
		}
		if r.Code == "" {
			return fmt.Errorf("%w: reason without a code", ErrUndecided)
		}
		out = append(out, r)
		return nil
	}
	switch list := t.Value.(type) {
	case *ast.Array:
		out = make([]*sendgatev1.Reason, 0, list.Len())
		for i := range list.Len() {
			if err := collect(list.Elem(i)); err != nil {
				return nil, err
			}
		}
	case ast.Set:
		if err := list.Iter(collect); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: reasons are %s, not an array", ErrUndecided, ast.ValueName(t.Value))
	}
	return out, nil
}

func stringAt(o ast.Object, k *ast.Term) string {
	if t := o.Get(k); t != nil {
		if s, ok := t.Value.(ast.String); ok {
			return string(s)
		}
	}
	return ""
}
