package sendgate.facts_test

import data.sendgate.facts
import data.sendgate.fixtures

hour := fixtures.hour

minute := 60000000000

inbound(ago) := fixtures.with_patch({"conversation": {"last_inbound_at": fixtures.send_time - ago}})

test_window_open_two_hours_after_the_recipient_wrote if {
	facts.window_open with input as inbound(2 * hour)
	not facts.business_initiated with input as inbound(2 * hour)
}

test_window_open_just_before_24_hours if {
	facts.window_open with input as inbound((24 * hour) - minute)
}

test_window_closed_at_exactly_24_hours if {
	not facts.window_open with input as inbound(24 * hour)
	facts.business_initiated with input as inbound(24 * hour)
}

test_window_closed_three_days_after_the_recipient_wrote if {
	facts.business_initiated with input as inbound(72 * hour)
}

test_window_closed_without_conversation if {
	facts.business_initiated with input as fixtures.request
}

test_window_closed_when_conversation_has_no_inbound if {
	facts.business_initiated with input as fixtures.with_patch({"conversation": {}})
}

test_window_open_for_inbound_a_minute_after_send_time if {
	facts.window_open with input as inbound(0 - minute)
}

test_window_closed_for_inbound_an_hour_after_send_time if {
	not facts.window_open with input as inbound(0 - hour)
}

test_window_length_comes_from_config if {
	facts.window_open with input as inbound(30 * hour)
		with data.sendgate.config.window_hours as 48
}

test_opt_in_wording_valid if {
	facts.opt_in_wording_valid with input as fixtures.request
}

test_opt_in_wording_is_case_insensitive if {
	facts.opt_in_wording_valid with input as fixtures.with_patch({"consent": {"wording": "I AGREE TO WHATSAPP MESSAGES FROM ACME SHOES"}})
}

test_opt_in_not_naming_whatsapp_is_not_valid if {
	not facts.opt_in_wording_valid with input as fixtures.with_patch({"consent": {"wording": "Send me order updates from Acme Shoes."}})
}

test_opt_in_need_not_name_whatsapp_when_switched_off if {
	facts.opt_in_wording_valid with input as fixtures.with_patch({"consent": {"wording": "Send me order updates from Acme Shoes."}})
		with data.sendgate.config.optin_must_name_whatsapp as false
}

test_opt_in_not_naming_the_business_is_not_valid if {
	not facts.opt_in_wording_valid with input as fixtures.with_patch({"consent": {"wording": "I agree to receive WhatsApp messages."}})
}

test_opt_in_without_opted_in_at_is_no_opt_in if {
	not facts.has_opt_in with input as fixtures.without(["consent/opted_in_at"])
}

test_opt_out_after_opt_in_withdraws_it if {
	req := fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at + hour}})
	facts.opted_out with input as req
}

test_opt_out_at_the_opt_in_instant_withdraws_it if {
	facts.opted_out with input as fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at}})
}

test_opt_in_after_opt_out_is_valid if {
	req := fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at - hour}})
	not facts.opted_out with input as req
	facts.has_opt_in with input as req
}

test_opt_out_without_opt_in if {
	req := json.remove(fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at}}), ["consent/opted_in_at"])
	facts.opted_out with input as req
}

test_no_consent_record_is_not_an_opt_out if {
	not facts.opted_out with input as fixtures.without(["consent"])
}

test_item_label_prefers_name_then_product_type if {
	facts.item_label({"name": "Boots", "product_type": "footwear"}) == "Boots"
	facts.item_label({"name": "", "product_type": "footwear"}) == "footwear"
	facts.item_label({"name": "", "product_type": ""}) == "an unnamed item"
}
