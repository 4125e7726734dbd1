// Package decisionlog writes one JSON line per decision, asynchronously.
//
// A line holds the decision, its reason codes, the request and business
// ids, the category and type, the bundle revision and the recipient as an
// HMAC-SHA256 keyed with the recipient hash key — never a phone number,
// never the whole message text and never a reason's human-readable message.
// A reason's evidence, though, is an excerpt of the message text (the
// clause that asked for a card number, the promotional phrase): it is
// written with every digit masked but the last four of a long run, and left
// out entirely with --decision-log-evidence=false (Config.OmitEvidence).
package decisionlog

import (
	"encoding/hex"
	"hash"
	"time"
)

// Decision values as they appear in the log, the names of the API enum.
const (
	DecisionAllow = "DECISION_ALLOW"
	DecisionDeny  = "DECISION_DENY"
)

// Entry is one decision as the server hands it over. The logger takes
// ownership: the caller must not change it, or its slices, after Log.
type Entry struct {
	// DecisionID is the decision's unique id, as returned to the caller.
	DecisionID string
	// Time is when the decision was made.
	Time time.Time
	// RequestID is the caller's request id.
	RequestID string
	// BusinessID is the sending business's id.
	BusinessID string
	// RecipientPhone is the raw recipient number; it is replaced by its keyed
	// hash in the writer and never written.
	RecipientPhone string
	// Category is the message category enum name, e.g. "CATEGORY_MARKETING".
	Category string
	// Type is the message type enum name, e.g. "MESSAGE_TYPE_TEMPLATE".
	Type string
	// Decision is DecisionAllow or DecisionDeny; anything else counts as a denial.
	Decision string
	// Reasons are the blocking reasons.
	Reasons []Reason
	// Advice are the non-blocking findings.
	Advice []Reason
	// BundleRevision is the revision of the bundle that decided.
	BundleRevision string
	// EvalDuration is how long the evaluation took.
	EvalDuration time.Duration
}

// Reason is the part of a response reason that may be logged: never its
// human-readable message, which may quote the text.
type Reason struct {
	// Code is the stable reason code, e.g. "consent.missing".
	Code string `json:"code"`
	// Policy is the Rego package or rule that produced the reason.
	Policy string `json:"policy,omitempty"`
	// Evidence is the masked excerpt; it is masked again before writing.
	Evidence string `json:"evidence,omitempty"`
}

// Denied reports whether the entry is anything but an allow; unknown
// decisions are treated as denials so they are never filtered out.
func (e *Entry) Denied() bool { return e.Decision != DecisionAllow }

// Record is the JSON form of one log line.
type Record struct {
	DecisionID     string   `json:"decision_id"`
	Timestamp      string   `json:"timestamp"`
	RequestID      string   `json:"request_id"`
	BusinessID     string   `json:"business_id"`
	Recipient      string   `json:"recipient"`
	Category       string   `json:"category"`
	Type           string   `json:"type"`
	Decision       string   `json:"decision"`
	Reasons        []Reason `json:"reasons"`
	Advice         []Reason `json:"advice"`
	BundleRevision string   `json:"bundle_revision"`
	EvalMicros     int64    `json:"evaluation_time_us"`
}

// record turns an entry into its loggable form, hashing the recipient with
// mac (an HMAC-SHA256 keyed with the recipient key) and re-masking evidence,
// or dropping it when omitEvidence.
func record(e *Entry, mac hash.Hash, omitEvidence bool) Record {
	recipient := ""
	if e.RecipientPhone != "" {
		mac.Reset()
		mac.Write([]byte(e.RecipientPhone))
		recipient = hex.EncodeToString(mac.Sum(nil))
	}
	ts := e.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	return Record{
		DecisionID:     e.DecisionID,
		Timestamp:      ts.UTC().Format(time.RFC3339Nano),
		RequestID:      e.RequestID,
		BusinessID:     e.BusinessID,
		Recipient:      recipient,
		Category:       e.Category,
		Type:           e.Type,
		Decision:       e.Decision,
		Reasons:        maskReasons(e.Reasons, omitEvidence),
		Advice:         maskReasons(e.Advice, omitEvidence),
		BundleRevision: e.BundleRevision,
		EvalMicros:     e.EvalDuration.Microseconds(),
	}
}

// maskReasons copies reasons with their evidence masked, or without it;
// never nil, so the JSON always holds an array.
func maskReasons(in []Reason, omitEvidence bool) []Reason {
	out := make([]Reason, len(in))
	for i, r := range in {
		out[i] = Reason{Code: r.Code, Policy: r.Policy}
		if !omitEvidence {
			out[i].Evidence = MaskDigits(r.Evidence)
		}
	}
	return out
}
