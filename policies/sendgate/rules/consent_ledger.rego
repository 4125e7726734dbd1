# Consent from sendgate's consent ledger
#
# The consent family's rules for what only the ledger knows: its opt-outs
# (of every message, or of marketing only) and erasures. Like the request's
# opt-out, either is then the only consent reason reported.
package sendgate.rules.consent

import data.sendgate.facts

# METADATA
# title: Recipient opted out (ledger)
# description: >-
#   "Respect all requests (either on or off WhatsApp) ... to opt out." An
#   opt-out the ledger holds at or after its latest opt-in blocks every
#   message, unless the recipient wrote again after opting out and the
#   message is not MARKETING; an opt-out of marketing only blocks MARKETING.
# custom:
# code: consent.opted_out
deny contains reason if {
	is_number(input.ledger.opted_out_at)
	facts.ledger_opted_out
	facts.ledger_opt_out_applies
	reason := {
		"code": "consent.opted_out",
		"message": sprintf(
			"The recipient opted out at %s%s. Do not message them until they opt in again; only once they write to you first may you reply, and never with marketing.",
			[time.format(input.ledger.opted_out_at), facts.source_note("ledger")],
		),
	}
}

# METADATA
# title: Recipient opted out of marketing (ledger)
# description: >-
#   "A marketing-only stop blocks MARKETING only." A MARKETING message to a
#   recipient whose opt-out of marketing the ledger holds at or after its
#   latest opt-in.
# custom:
# code: consent.opted_out
deny contains reason if {
	input.message.category == "CATEGORY_MARKETING" # facts.marketing
	facts.ledger_marketing_opted_out
	reason := {
		"code": "consent.opted_out",
		"message": sprintf(
			"The recipient opted out of marketing messages at %s%s. Send them no marketing until they opt in to it again.",
			[time.format(input.ledger.marketing_opted_out_at), facts.source_note("ledger")],
		),
	}
}

# METADATA
# title: Recipient erased
# description: >-
#   A data-subject erasure leaves only a suppression entry in the ledger:
#   every message is blocked until a new opt-in is recorded in the ledger
#   after the erasure.
# custom:
# code: consent.erased
deny contains reason if {
	is_number(input.ledger.erased_at)
	facts.erased
	not facts.request_opt_out_applies
	not facts.ledger_opt_out_applies
	reason := {
		"code": "consent.erased",
		"message": sprintf(
			"The recipient's records were erased from sendgate's consent ledger at %s at their request. Do not message them until they opt in again and the new opt-in is recorded in the ledger.",
			[time.format(input.ledger.erased_at)],
		),
	}
}
