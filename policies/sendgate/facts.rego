# METADATA
# title: Facts about one proposed message
# description: >-
#   Named facts the rule families build on, so that every deny rule reads as a
#   sentence of the policy. Each fact is evaluated at most once per decision.
#   Timestamps in input are integer nanoseconds since the epoch and are absent
#   when unset.
package sendgate.facts

import data.sendgate.config

# window_ns is the length of the customer service window in nanoseconds.
window_ns := config.window_hours * 3600000000000

# clock_skew_ns is how far last_inbound_at may lie after send_time and still
# count: send_time defaults to the server's clock, which may run a little behind
# the caller's, and a reply to a message that has just come in must not fail.
clock_skew_ns := config.clock_skew_seconds * 1000000000

# window_open: the recipient wrote within the window_hours before send_time.
# The window lasts exactly window_hours, so an inbound message exactly 24 hours
# old no longer holds it open.
window_open if {
	elapsed := input.send_time - input.conversation.last_inbound_at
	elapsed < window_ns
	elapsed + clock_skew_ns >= 0
}

# business_initiated: the business writes first because the window is closed.
business_initiated if not window_open

# marketing: the message is promotional.
marketing if input.message.category == "CATEGORY_MARKETING"

# template_message: the message is sent as a WhatsApp template.
template_message if input.message.type == "MESSAGE_TYPE_TEMPLATE"

# has_opt_in: the caller holds an opt-in record (opted_in_at is set). It,
# like the other facts rules test for being false (opt_in_wording_valid,
# opt_out_applies, marketing_in_scope, opt_out_offered), defaults to false,
# so that rules compare it with false rather than negate it, which costs OPA
# more.
default has_opt_in := false

has_opt_in if is_number(input.consent.opted_in_at)

# opted_out: the request's record holds an opt-out that no later opt-in of
# the same record superseded (an opt-out at the same instant as the opt-in
# wins). ledger.rego has the ledger's.
opted_out if {
	is_number(input.consent.opted_out_at)
	not input.consent.opted_in_at
}

opted_out if input.consent.opted_out_at >= input.consent.opted_in_at

# wrote_after_opt_out: the recipient reopened the window themselves after
# opting out (the opt-out message itself does not count).
wrote_after_opt_out if {
	window_open
	input.conversation.last_inbound_at > input.consent.opted_out_at
}

# opt_out_applies: the opt-out blocks this message. A recipient who writes
# again may get replies, but never marketing.
default opt_out_applies := false

opt_out_applies if request_opt_out_applies

# request_opt_out_applies: the request's own opt-out blocks this message.
default request_opt_out_applies := false

request_opt_out_applies if {
	opted_out
	not opt_out_lifted
}

opt_out_lifted if {
	wrote_after_opt_out
	not marketing
}

# opt_in_needed: the message may only be sent to a recipient who opted in.
opt_in_needed if business_initiated

opt_in_needed if marketing

# opt_in_wording is the text of the opt-in the reasons quote (the request's,
# else the ledger's), lower-cased for case-insensitive matching.
opt_in_wording := lower(opt_in_text)

# wording_names_whatsapp: the opt-in says it is for WhatsApp messages, or the
# bundle does not require that (the 2022 rule, later relaxed by Meta).
wording_names_whatsapp if config.optin_must_name_whatsapp == false

wording_names_whatsapp if {
	some name in config.optin_whatsapp_names
	contains(opt_in_wording, name)
}

# wording_names_business: the opt-in names the business as it signs its messages.
wording_names_business if {
	name := lower(trim_space(input.business.display_name))
	name != ""
	contains(opt_in_wording, name)
}

# opt_in_wording_valid: the wording says what the person agreed to.
default opt_in_wording_valid := false

opt_in_wording_valid if {
	wording_names_whatsapp
	wording_names_business
}

# valid_opt_in: the request's opt-in record, not withdrawn, whose wording is
# valid (ledger.rego adds the ledger's).
valid_opt_in if {
	is_number(input.consent.opted_in_at)
	not opted_out
	wording_names_whatsapp
	wording_names_business
}

# marketing_in_scope: the opt-in covers promotional messages.
default marketing_in_scope := false

marketing_in_scope if "CATEGORY_MARKETING" in input.consent.scopes

# vertical_status is the business vertical's status in the vertical table;
# "" when the vertical is not in the table (or empty). Always defined, so
# that rules compare it rather than negate it, which costs OPA more.
default vertical_status := ""

vertical_status := data.sendgate.verticals[input.business.vertical].status

# government_enrolled: the business joined Meta's government program.
government_enrolled if input.business.government_program.enrolled == true

# marketing_disabled: the bundle forbids promotional messages (2021 edition).
marketing_disabled if config.marketing_enabled == false

# findings is the Go text analysis of the message body (computed once).
findings := sendgate.text.analyze(input.message.text)

# opt_out_offered: the message tells the recipient how to stop messages, in
# its text or with a quick-reply button such as "Stop" or "Afmelden".
default opt_out_offered := false

opt_out_offered if count(findings.opt_out_instructions) > 0

opt_out_offered if {
	some button in input.message.buttons
	button.type == "BUTTON_TYPE_QUICK_REPLY"
	sendgate.text.is_opt_out_keyword(button.text)
}

# category_name names a category as people say it: CATEGORY_UTILITY is "UTILITY".
category_name(category) := trim_prefix(category, "CATEGORY_")

# item_label names an offered item in messages: its name, else its product type.
item_label(item) := item.name if {
	item.name != ""
} else := item.product_type if {
	item.product_type != ""
} else := "an unnamed item"
