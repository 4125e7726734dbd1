package sendgate.rules.consent_test

import data.sendgate.fixtures
import data.sendgate.rules.consent

hour := fixtures.hour

codes := {r.code | some r in consent.deny}

# opted_out is the base request whose recipient opted out two days before send_time.
opted_out := fixtures.with_patch({"consent": {"opted_out_at": fixtures.send_time - (48 * hour)}})

# wrote_again has the recipient write two hours before send_time, after opting out.
wrote_again(req) := object.union(req, {"conversation": {"last_inbound_at": fixtures.send_time - (2 * hour)}})

# consent.missing

test_missing_for_business_initiated_template_without_consent if {
	codes == {"consent.missing"} with input as fixtures.without(["consent"])
}

test_missing_when_record_has_no_opted_in_at if {
	codes == {"consent.missing"} with input as fixtures.without(["consent/opted_in_at"])
}

test_missing_for_marketing_inside_the_window if {
	req := object.union(fixtures.without(["consent"]), {
		"message": {"category": "CATEGORY_MARKETING"},
		"conversation": {"last_inbound_at": fixtures.send_time - hour},
	})
	"consent.missing" in codes with input as req
}

test_missing_message_names_the_business if {
	some r in consent.deny with input as fixtures.without(["consent"])
	contains(r.message, "Acme Shoes")
}

test_no_opt_in_needed_to_reply_inside_the_window if {
	count(codes) == 0 with input as fixtures.reply
}

test_not_missing_with_opt_in if {
	count(codes) == 0 with input as fixtures.request
}

# consent.opted_out

test_opted_out_blocks_utility if {
	codes == {"consent.opted_out"} with input as opted_out
}

test_opted_out_at_the_opt_in_instant if {
	codes == {"consent.opted_out"} with input as fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at}})
}

test_opted_out_without_opt_in_reports_only_opted_out if {
	req := json.remove(opted_out, ["consent/opted_in_at"])
	codes == {"consent.opted_out"} with input as req
}

test_opted_out_hides_invalid_wording_and_scope if {
	req := object.union(opted_out, {
		"message": {"category": "CATEGORY_MARKETING"},
		"consent": {"wording": "ok", "scopes": []},
	})
	codes == {"consent.opted_out"} with input as req
}

test_opted_out_reply_allowed_once_the_recipient_wrote_again if {
	req := object.union(wrote_again(opted_out), {"message": {"category": "CATEGORY_SERVICE", "type": "MESSAGE_TYPE_TEXT"}})
	count(codes) == 0 with input as req
}

test_opted_out_utility_template_allowed_once_the_recipient_wrote_again if {
	count(codes) == 0 with input as wrote_again(opted_out)
}

test_opted_out_marketing_blocked_even_when_the_recipient_wrote_again if {
	req := object.union(wrote_again(opted_out), {"message": {"category": "CATEGORY_MARKETING"}})
	codes == {"consent.opted_out"} with input as req
}

test_opted_out_stop_message_itself_does_not_reopen if {
	stop := fixtures.send_time - hour
	req := fixtures.with_patch({
		"consent": {"opted_out_at": stop},
		"conversation": {"last_inbound_at": stop},
		"message": {"category": "CATEGORY_SERVICE", "type": "MESSAGE_TYPE_TEXT"},
	})
	codes == {"consent.opted_out"} with input as req
}

test_opted_out_recipient_who_wrote_before_opting_out_stays_blocked if {
	req := fixtures.with_patch({
		"consent": {"opted_out_at": fixtures.send_time - hour},
		"conversation": {"last_inbound_at": fixtures.send_time - (3 * hour)},
		"message": {"category": "CATEGORY_SERVICE", "type": "MESSAGE_TYPE_TEXT"},
	})
	codes == {"consent.opted_out"} with input as req
}

test_not_opted_out_after_opting_in_again if {
	count(codes) == 0 with input as fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at - hour}})
}

# consent.invalid

test_invalid_when_wording_does_not_name_whatsapp if {
	req := fixtures.with_patch({"consent": {"wording": "Yes, send me order updates from Acme Shoes."}})
	codes == {"consent.invalid"} with input as req
	some r in consent.deny with input as req
	contains(r.message, "WhatsApp")
	r.evidence == "Yes, send me order updates from Acme Shoes."
}

test_invalid_when_wording_does_not_name_the_business if {
	req := fixtures.with_patch({"consent": {"wording": "I agree to receive WhatsApp messages about my orders."}})
	codes == {"consent.invalid"} with input as req
	some r in consent.deny with input as req
	contains(r.message, "\"Acme Shoes\"")
}

test_invalid_when_wording_is_empty if {
	codes == {"consent.invalid"} with input as fixtures.with_patch({"consent": {"wording": ""}})
}

test_invalid_for_marketing_inside_the_window if {
	req := fixtures.with_patch({
		"consent": {"wording": ""},
		"message": {"category": "CATEGORY_MARKETING"},
		"conversation": {"last_inbound_at": fixtures.send_time - hour},
	})
	codes == {"consent.invalid"} with input as req
}

test_not_invalid_when_wording_differs_only_in_case if {
	count(codes) == 0 with input as fixtures.with_patch({"consent": {"wording": "ik ga akkoord met whatsapp-berichten van ACME SHOES"}})
}

test_not_invalid_without_whatsapp_when_switched_off if {
	req := fixtures.with_patch({"consent": {"wording": "Yes, send me order updates from Acme Shoes."}})
	count(codes) == 0 with input as req with data.sendgate.config.optin_must_name_whatsapp as false
}

test_not_invalid_when_no_opt_in_is_needed if {
	req := object.union(fixtures.reply, {"consent": {"opted_in_at": fixtures.opted_in_at, "wording": "", "scopes": []}})
	count(codes) == 0 with input as req
}

# consent.scope

test_scope_when_marketing_is_not_covered if {
	req := fixtures.with_patch({
		"message": {"category": "CATEGORY_MARKETING", "template": {"category": "CATEGORY_MARKETING"}},
		"consent": {"scopes": ["CATEGORY_UTILITY"]},
	})
	codes == {"consent.scope"} with input as req
}

test_scope_when_scopes_are_empty if {
	req := fixtures.with_patch({
		"message": {"category": "CATEGORY_MARKETING"},
		"consent": {"scopes": []},
	})
	codes == {"consent.scope"} with input as req
}

test_not_scope_when_marketing_is_covered if {
	count(codes) == 0 with input as fixtures.marketing
}

test_not_scope_for_utility_outside_the_scopes if {
	count(codes) == 0 with input as fixtures.with_patch({"consent": {"scopes": ["CATEGORY_MARKETING"]}})
}

test_not_scope_without_opt_in_record if {
	req := json.remove(object.union(fixtures.marketing, {"consent": {"scopes": []}}), ["consent/opted_in_at"])
	codes == {"consent.missing"} with input as req
}

# Clarification 2: an opt-in dated after send_time (beyond the skew) is not yet valid.

test_future_opt_in_is_no_opt_in if {
	req := fixtures.with_patch({"consent": {"opted_in_at": fixtures.send_time + fixtures.hour}})
	codes == {"consent.missing"} with input as req
}

test_opt_in_within_the_clock_skew_counts if {
	req := fixtures.with_patch({"consent": {"opted_in_at": fixtures.send_time + (299 * 1000000000)}})
	count(codes) == 0 with input as req
}

test_future_opt_out_still_counts if {
	req := fixtures.with_patch({"consent": {"opted_out_at": fixtures.send_time + fixtures.hour}})
	codes == {"consent.opted_out"} with input as req
}

# Clarification 3: no opt-in record gives consent.missing alone.

test_no_opt_in_record_gives_missing_alone_for_marketing if {
	req := json.remove(object.union(fixtures.marketing, {"consent": {"wording": "", "scopes": []}}), ["consent/opted_in_at"])
	codes == {"consent.missing"} with input as req
}

test_future_opt_in_with_bad_wording_gives_missing_alone if {
	req := object.union(fixtures.marketing, {"consent": {"opted_in_at": fixtures.send_time + fixtures.hour, "wording": "ok", "scopes": []}})
	codes == {"consent.missing"} with input as req
}

# Clarification 4: names match on word boundaries after NFKC, case and accent folding.

named(display_name, wording) := fixtures.with_patch({
	"business": {"display_name": display_name},
	"consent": {"wording": wording},
})

test_accent_folded_name_names_the_business if {
	count(codes) == 0 with input as named("Café Zoë", "Yes, send me WhatsApp messages from cafe zoe.")
	count(codes) == 0 with input as named("ＡＣＭＥ Shoes", "I agree to WhatsApp updates from Acme shoes.")
}

test_name_inside_another_word_does_not_name_the_business if {
	codes == {"consent.invalid"} with input as named("ING", "I agree to receiving updates on WhatsApp.")
	count(codes) == 0 with input as named("ING", "I agree to updates from ING on WhatsApp.")
}

test_whatsapp_inside_another_word_does_not_name_whatsapp if {
	codes == {"consent.invalid"} with input as named("Acme Shoes", "Acme Shoes may send me WhatsAppening news.")
	count(codes) == 0 with input as named("Acme Shoes", "Acme Shoes may send me news on Whats App.")
}
