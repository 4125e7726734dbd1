# METADATA
# title: Consent
# description: >-
#   "Business-initiated messages need an opt-in naming the business." and
#   "Respect all requests (either on or off WhatsApp) ... to opt out." Where an
#   opt-out applies it is the only consent reason reported.
package sendgate.rules.consent

import data.sendgate.facts

# METADATA
# title: No opt-in on record
# description: >-
#   "Business-initiated messages need an opt-in." A business-initiated or
#   MARKETING message to a recipient with no opt-in record (opted_in_at unset).
#   A customer writing in is not an opt-in; it only opens the window.
# custom:
#   code: consent.missing
deny contains reason if {
	not facts.has_opt_in
	facts.opt_in_needed
	not facts.opt_out_applies
	reason := {
		"code": "consent.missing",
		"message": sprintf(
			"No opt-in is on record for this recipient%s. Collect an opt-in to WhatsApp messages from %s before sending business-initiated or marketing messages.",
			[missing_where, input.business.display_name],
		),
	}
}

# METADATA
# title: Recipient opted out
# description: >-
#   "Respect all requests (either on or off WhatsApp) ... to opt out." An
#   opted_out_at at or after opted_in_at (or with no opt-in) blocks every
#   message, unless the recipient wrote again after opting out and the message
#   is not MARKETING.
# custom:
#   code: consent.opted_out
deny contains reason if {
	is_number(input.consent.opted_out_at)
	facts.request_opt_out_applies
	reason := {
		"code": "consent.opted_out",
		"message": sprintf(
			"The recipient opted out at %s%s. Do not message them until they opt in again; only once they write to you first may you reply, and never with marketing.",
			[time.format(input.consent.opted_out_at), facts.source_note("request")],
		),
	}
}

# missing_where says where no opt-in was found, once a ledger is in use.
default missing_where := ""

missing_where := ", neither in the request nor in sendgate's consent ledger" if facts.ledger_used

# METADATA
# title: Opt-in wording is empty or does not name WhatsApp or the business
# description: >-
#   "The opt-in must clearly say the person opts in to WhatsApp messages and
#   name the business." An opt-in is needed and its recorded wording is empty,
#   or does not name WhatsApp (when config.optin_must_name_whatsapp) or the
#   business's display_name, case-insensitive.
# custom:
#   code: consent.invalid
deny contains reason if {
	not facts.opt_in_wording_valid
	facts.has_opt_in
	facts.opt_in_needed
	not facts.opt_out_applies
	reason := invalid_reason
}

# invalid_reason says what is wrong with the wording: that there is none,
# or what it fails to name (quoting it).
invalid_reason := {
	"code": "consent.invalid",
	"message": sprintf(
		"The opt-in record%s has no wording. Store the exact text the person agreed to; it must name WhatsApp and %s.",
		[facts.source_note(facts.opt_in_source), input.business.display_name],
	),
} if {
	trim_space(facts.opt_in_text) == ""
} else := {
	"code": "consent.invalid",
	"message": sprintf(
		"The opt-in wording%s does not name %s. Collect a new opt-in in which the person agrees to WhatsApp messages from %s.",
		[facts.source_note(facts.opt_in_source), concat(" or ", wording_gaps), input.business.display_name],
	),
	"evidence": substring(facts.opt_in_text, 0, 200),
}

# wording_gaps names what the opt-in wording fails to mention.
wording_gaps contains "WhatsApp" if not facts.wording_names_whatsapp

wording_gaps contains sprintf("the business %q", [input.business.display_name]) if {
	not facts.wording_names_business
}

# METADATA
# title: Opt-in does not cover marketing
# description: >-
#   "Marketing is allowed with opt-in." A MARKETING message whose opt-in
#   record's scopes do not include CATEGORY_MARKETING.
# custom:
#   code: consent.scope
deny contains reason if {
	input.message.category == "CATEGORY_MARKETING"
	facts.has_opt_in
	not facts.opt_out_applies
	not facts.marketing_in_scope
	reason := {
		"code": "consent.scope",
		"message": "The recipient's opt-in does not cover marketing messages. Collect consent to promotional messages before sending marketing, or send only what they agreed to.",
	}
}
