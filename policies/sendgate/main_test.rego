package sendgate.main_test

import data.sendgate.fixtures
import data.sendgate.main

hour := fixtures.hour

codes(part) := [r.code | some r in listed(part)]

# listed is one part of a decision ("reasons" or "advice") as the engine
# answers with it: each reason in the API's shape (a missing field empty, the
# family's package as policy), sorted, duplicates dropped. Rego orders
# objects key by key, and the keys sort code, evidence, message, policy, so
# sorting orders them as the engine does.
listed(part) := sort({shaped(family, reason) |
	some family, list in part
	some reason in list
})

shaped(family, reason) := {
	"code": object.get(reason, "code", ""),
	"evidence": object.get(reason, "evidence", ""),
	"message": object.get(reason, "message", ""),
	"policy": concat("", ["sendgate.rules.", family]),
}

test_allowed_message_has_no_reasons_and_no_advice if {
	main.decision == {"reasons": {}, "advice": {}} with input as fixtures.request
}

test_allowed_reply_inside_the_window if {
	main.decision == {"reasons": {}, "advice": {}} with input as fixtures.reply
}

test_reasons_from_several_families_sorted_by_code if {
	req := object.union(fixtures.reply, {
		"message": {"category": "CATEGORY_UNSPECIFIED", "items": [{"name": "Vape pen", "kind": "ITEM_KIND_GOOD", "product_type": "e_cigarette"}]},
		"conversation": {"last_inbound_at": fixtures.send_time - (72 * hour)},
	})
	d := main.decision with input as req
	codes(d.reasons) == ["category.missing", "commerce.prohibited_item", "consent.missing", "window.closed"]
	[r.policy | some r in listed(d.reasons)] == [
		"sendgate.rules.category", "sendgate.rules.commerce",
		"sendgate.rules.consent", "sendgate.rules.window",
	]
	d.advice == {}
}

test_every_reason_has_code_message_and_policy if {
	req := object.union(fixtures.without(["consent"]), {"business": {"vertical": "tobacco"}})
	d := main.decision with input as req
	count(listed(d.reasons)) == 2
	every r in listed(d.reasons) {
		r.code != ""
		r.message != ""
		startswith(r.policy, "sendgate.rules.")
	}
}

test_equal_codes_keep_a_fixed_order if {
	req := fixtures.with_patch({"message": {"items": [
		{"name": "Whisky", "kind": "ITEM_KIND_GOOD", "product_type": "alcohol"},
		{"name": "Cigars", "kind": "ITEM_KIND_GOOD", "product_type": "tobacco"},
	]}})
	d := main.decision with input as req
	[r.evidence | some r in listed(d.reasons)] == ["Cigars", "Whisky"]
}

test_advice_is_not_a_reason if {
	req := object.union(fixtures.marketing, {"message": {"text": "Our winter sale starts today: 30% off all boots at Acme Shoes!"}})
	d := main.decision with input as req
	d.reasons == {}
	listed(d.advice) == [{
		"code": "advice.opt_out_instructions",
		"evidence": "",
		"message": listed(d.advice)[0].message,
		"policy": "sendgate.rules.advice",
	}]
}

test_a_tenant_family_is_collected if {
	d := main.decision with input as fixtures.request
		with data.sendgate.rules.tenant.deny as {{"code": "tenant.quiet_hours", "message": "Not at night."}}
	listed(d.reasons) == [{
		"code": "tenant.quiet_hours",
		"evidence": "",
		"message": "Not at night.",
		"policy": "sendgate.rules.tenant",
	}]
}

test_a_malformed_reason_still_denies if {
	d := main.decision with input as fixtures.request
		with data.sendgate.rules.tenant.deny as {{"why": "forgot the code"}}
	d.reasons == {"tenant": {{"why": "forgot the code"}}}
	listed(d.reasons) == [{"code": "", "evidence": "", "message": "", "policy": "sendgate.rules.tenant"}]
}

test_clinic_selling_a_device if {
	req := fixtures.with_patch({
		"business": {"vertical": "body_enhancement_clinic"},
		"message": {
			"text": "Your compression garment is ready.",
			"items": [{"name": "Compression garment", "kind": "ITEM_KIND_GOOD", "product_type": "medical_device"}],
		},
	})
	d := main.decision with input as req
	codes(d.reasons) == ["commerce.prohibited_item", "vertical.services_only"]
}

test_no_promotion_vertical_marketing_without_opt_out if {
	req := object.union(fixtures.marketing, {
		"business": {"vertical": "alcohol"},
		"message": {"text": "Our new winter ale is here: 20% off this weekend only!"},
	})
	d := main.decision with input as req
	codes(d.reasons) == ["vertical.marketing_not_allowed"]
	codes(d.advice) == ["advice.opt_out_instructions"]
}

test_enrolled_government_utility_allowed if {
	req := fixtures.with_patch({
		"business": {
			"id": "gov-uwv",
			"display_name": "Social Desk",
			"vertical": "government",
			"government_program": {"enrolled": true, "area": "social_welfare"},
		},
		"message": {"text": "Your benefit payment for November has been scheduled."},
		"consent": {
			"channel": "ivr",
			"wording": "I agree to get WhatsApp messages from Social Desk.",
			"scopes": ["CATEGORY_UTILITY"],
		},
	})
	main.decision == {"reasons": {}, "advice": {}} with input as req
}

test_opted_out_recipient_asked_for_card_number if {
	req := fixtures.with_patch({
		"message": {"text": "Could you share your credit card number so we can charge the repair?"},
		"consent": {"opted_out_at": fixtures.send_time - (24 * hour)},
	})
	d := main.decision with input as req
	codes(d.reasons) == ["consent.opted_out", "identifier.requested.payment_card"]
}
