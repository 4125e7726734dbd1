// Package openapi holds the OpenAPI (Swagger 2.0) document of sendgate's
// HTTP/JSON API, generated from the protos by protoc-gen-openapiv2 (see
// buf.gen.yaml and openapi.yaml).
package openapi

import _ "embed"

// JSON is the generated document, sendgate.swagger.json.
//
//go:embed sendgate.swagger.json
var JSON []byte
