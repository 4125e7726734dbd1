# Facts from sendgate's consent ledger
#
# When sendgate keeps a consent ledger, input.ledger holds what it knows of
# the recipient at this business: the latest opt-in (opted_in_at, wording,
# channel, scopes, keyword), the latest opt-outs (opted_out_at of every
# message, marketing_opted_out_at of marketing only), the latest inbound
# message (last_inbound_at) and an erasure (erased_at); a part it does not
# hold is absent, and input.ledger is absent when no ledger is configured.
# The ledger is a second source beside the request's own consent and
# conversation, merged fail-safe: an opt-in counts if either source holds a
# valid one, an opt-out counts if either holds one (each source's opt-out
# is lifted only by a later opt-in of the same source), and the window is
# open if either has a recent inbound message. The rules below add the
# ledger's half of each fact defined in facts.rego.
package sendgate.facts

import data.sendgate.config

# ledger_used: a ledger was read for this decision.
ledger_used if is_object(input.ledger)

# The window is open when the ledger saw the recipient write recently, too.
window_open if {
	elapsed := input.send_time - input.ledger.last_inbound_at
	elapsed < window_ns
	elapsed + clock_skew_ns >= 0
}

# last_inbound is the recipient's latest message known to either source, with
# the source that knows it: {"at": ns, "source": "request" | "ledger"}.
last_inbound := {"at": input.conversation.last_inbound_at, "source": "request"} if {
	input.conversation.last_inbound_at >= input.ledger.last_inbound_at
} else := {"at": input.ledger.last_inbound_at, "source": "ledger"} if {
	is_number(input.ledger.last_inbound_at)
} else := {"at": input.conversation.last_inbound_at, "source": "request"} if {
	is_number(input.conversation.last_inbound_at)
}

# A ledger opt-in in force is an opt-in on record; like the request's, one
# dated after send_time (beyond the clock skew) is not yet valid.
has_opt_in if ledger_opt_in

ledger_opt_in if {
	is_number(input.ledger.opted_in_at)
	input.ledger.opted_in_at <= input.send_time + clock_skew_ns
}

# opt_in_text is the wording of the opt-in the consent reasons quote: the
# request's when it holds an opt-in, else the ledger's.
opt_in_text := input.consent.wording if {
	request_opt_in
} else := input.ledger.wording if {
	ledger_opt_in
}

# opt_in_source names the source of opt_in_text.
opt_in_source := "request" if {
	request_opt_in
} else := "ledger"

# ledger_opted_out: the ledger holds an opt-out of every message at or after
# its own latest opt-in (or without one).
ledger_opted_out if {
	is_number(input.ledger.opted_out_at)
	not ledger_opt_in
}

ledger_opted_out if {
	ledger_opt_in
	input.ledger.opted_out_at >= input.ledger.opted_in_at
}

# ledger_marketing_opted_out: likewise for an opt-out of marketing only.
ledger_marketing_opted_out if {
	is_number(input.ledger.marketing_opted_out_at)
	not ledger_opt_in
}

ledger_marketing_opted_out if {
	ledger_opt_in
	input.ledger.marketing_opted_out_at >= input.ledger.opted_in_at
}

# ledger_opt_out_applies: the ledger's opt-out blocks this message. As with
# the request's, a recipient who wrote again after opting out may get
# replies (either source may know of the message), but never marketing; an
# opt-out of marketing only blocks marketing only.
ledger_opt_out_applies if {
	ledger_opted_out
	not ledger_opt_out_lifted
}

ledger_opt_out_applies if {
	marketing
	ledger_marketing_opted_out
}

ledger_opt_out_lifted if {
	window_open
	last_inbound.at > input.ledger.opted_out_at
	not marketing
}

# The request wrote again after its own opt-out if the ledger saw it write.
wrote_after_opt_out if {
	window_open
	input.ledger.last_inbound_at > input.consent.opted_out_at
}

# erased: the recipient was erased from the ledger and no opt-in was
# recorded in it since; an opt-in held only by the request does not lift
# an erasure.
erased if {
	is_number(input.ledger.erased_at)
	not ledger_opt_in
}

erased if {
	ledger_opt_in
	input.ledger.erased_at >= input.ledger.opted_in_at
}

# opt_out_applies (which silences the other consent reasons) holds for the
# ledger's opt-outs and for an erasure too.
opt_out_applies if ledger_opt_out_applies

opt_out_applies if erased

# The ledger's opt-in wording is valid as in facts.rego; an opt-in the
# recipient sent as a keyword (START) in the business's WhatsApp thread
# names both by where it was sent.
opt_in_wording_valid if ledger_wording_valid

ledger_wording_valid if input.ledger.keyword != ""

ledger_wording_valid if {
	ledger_names_whatsapp
	sendgate.text.mentions(input.ledger.wording, input.business.display_name)
}

ledger_names_whatsapp if config.optin_must_name_whatsapp == false

ledger_names_whatsapp if {
	some name in config.optin_whatsapp_names
	sendgate.text.mentions(input.ledger.wording, name)
}

# The ledger's opt-in may cover marketing.
marketing_in_scope if "CATEGORY_MARKETING" in input.ledger.scopes

# source_note says where a consent reason's record came from, once a ledger
# is in use (without one every record is the request's, as before).
source_note(_) := "" if not ledger_used

source_note("request") := " (from the consent record in the request)" if ledger_used

source_note("ledger") := " (recorded in sendgate's consent ledger)" if ledger_used
