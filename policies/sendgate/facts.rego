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

# has_opt_in: an opt-in record is in force, the request's (or the ledger's,
# see ledger.rego).
has_opt_in if request_opt_in

# request_opt_in: the caller holds an opt-in record that is already in
# force: given at or before send_time, or within the clock skew after it. A
# later opted_in_at is not yet valid and counts as no opt-in.
request_opt_in if {
	is_number(input.consent.opted_in_at)
	input.consent.opted_in_at <= input.send_time
} else if {
	is_number(input.consent.opted_in_at)
	input.consent.opted_in_at <= input.send_time + clock_skew_ns
}

# opted_out: the request's record holds an opt-out that no later opt-in of
# the same record superseded (an opt-out at the same instant as the opt-in
# wins). An opt-out dated in the future still counts: it fails safe.
# ledger.rego has the ledger's.
opted_out if {
	is_number(input.consent.opted_out_at)
	not request_opt_in
}

opted_out if {
	request_opt_in
	input.consent.opted_out_at >= input.consent.opted_in_at
}

# wrote_after_opt_out: the recipient reopened the window themselves after
# opting out (the opt-out message itself does not count).
wrote_after_opt_out if {
	window_open
	input.conversation.last_inbound_at > input.consent.opted_out_at
}

# opt_out_applies: an opt-out blocks this message (the request's here; the
# ledger's and an erasure in ledger.rego). A recipient who writes again may
# get replies, but never marketing.
opt_out_applies if request_opt_out_applies

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

# wording_names_whatsapp: the opt-in (the request's, else the ledger's: see
# opt_in_text) says it is for WhatsApp messages, or the
# bundle does not require that (the 2022 rule, later relaxed by Meta).
# sendgate.text.mentions matches whole words after NFKC, case and accent
# folding: "whats app" names WhatsApp, "whatsappening" does not.
wording_names_whatsapp if config.optin_must_name_whatsapp == false

wording_names_whatsapp if sendgate.text.mentions(opt_in_text, config.optin_whatsapp_names)

# wording_names_business: the opt-in names the business as it signs its
# messages, on word boundaries: "cafe zoe" names "Café Zoë", "receiving"
# does not name "ING".
wording_names_business if sendgate.text.mentions(opt_in_text, input.business.display_name)

# opt_in_wording_valid: the wording says what the person agreed to.
opt_in_wording_valid if {
	wording_names_whatsapp
	wording_names_business
}

# marketing_in_scope: the opt-in covers promotional messages.
marketing_in_scope if "CATEGORY_MARKETING" in input.consent.scopes

# table_key is how a vertical, government area or product type is looked
# up in the tables: trimmed and lower-cased, so "Alcohol " is "alcohol".
table_key(s) := lower(trim_space(s))

# vertical_status is the business vertical's status in the vertical table;
# "" when the vertical is not in the table (or empty).
default vertical_status := ""

vertical_status := data.sendgate.verticals[table_key(input.business.vertical)].status

# government_area is the program area as the table names it: city, county,
# state and regional government are local_government
# (config.government_area_aliases).
government_area := object.get(config.government_area_aliases, key, key) if {
	key := table_key(input.business.government_program.area)
}

# government_enrolled: the business joined Meta's government program.
government_enrolled if input.business.government_program.enrolled == true

# findings is the Go text analysis of the message body (computed once), read
# in its template's language. It depends on the message alone, the same for
# every recipient. findings.language is that language, else the one the
# text's lexicon words point to ("" when they point nowhere), and
# findings.promotions holds only the promotional signals of that language
# and those of none ("-20%"), or every signal when the language is unknown:
# a Spanish "sale" departs; it is no English sale.
findings := sendgate.text.analyze(input.message.text, template_language)

# template_language is the language of the message's template; "" without one.
default template_language := ""

template_language := input.message.template.language

# promotions are the promotional signals in the message's own language: its
# template's language, else the recipient's locale ("pt_BR" is
# Portuguese), else the language of the text's words.
promotions := findings.promotions if {
	trim_space(template_language) != ""
} else := sendgate.text.analyze(input.message.text, recipient_locale).promotions

# recipient_locale is the recipient's locale; "" when not given.
default recipient_locale := ""

recipient_locale := input.recipient.locale

# own_account: the identifier is one of the business's own account numbers
# (businesses.<id>.own_accounts), which an invoice may show.
own_account(identifier) if identifier.compact in own_accounts

own_accounts := {upper(regex.replace(account, `[^0-9A-Za-z]`, "")) |
	some account in data.sendgate.businesses[input.business.id].own_accounts
}

# opt_out_offered: the message tells the recipient how to stop messages, in
# its text or with a quick-reply button such as "Stop" or "Afmelden".
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
