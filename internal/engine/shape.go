package engine

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/engine/opafast"
)

// inputShape says which parts of the input document, of those no rule of
// the default bundle reads, a compiled bundle's policies read: Decide leaves
// out the others, and with them their allocations. Every other part is
// always built.
type inputShape struct {
	requestID       bool // input.request_id
	recipient       bool // input.recipient
	businessID      bool // input.business.id
	businessCountry bool // input.business.country
	consentChannel  bool // input.consent.channel
}

// fullShape builds the whole document.
var fullShape = inputShape{true, true, true, true, true}

// shapeOf finds what the compiled modules read of input (see
// opafast.InputPaths): a reference whose key is not a constant string
// (input.business[k]) may read any key there; input passed whole
// (json.marshal(input), walk(input)) reads everything, as does a reference
// to a part that contains the one asked about (object.get(input.business, ...)).
func shapeOf(modules map[string]*ast.Module) inputShape {
	paths := opafast.InputPaths(modules)
	return inputShape{
		requestID:       opafast.Reads(paths, "request_id"),
		recipient:       opafast.Reads(paths, "recipient"),
		businessID:      opafast.Reads(paths, "business", "id"),
		businessCountry: opafast.Reads(paths, "business", "country"),
		consentChannel:  opafast.Reads(paths, "consent", "channel"),
	}
}
