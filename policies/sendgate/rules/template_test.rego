package sendgate.rules.template_test

import data.sendgate.fixtures
import data.sendgate.rules.template

codes := {r.code | some r in template.deny}

with_template(t) := fixtures.with_patch({"message": {"template": t}})

test_not_approved_for_pending_rejected_paused_disabled_or_unspecified if {
	every status in [
		"TEMPLATE_STATUS_PENDING", "TEMPLATE_STATUS_REJECTED", "TEMPLATE_STATUS_PAUSED",
		"TEMPLATE_STATUS_DISABLED", "TEMPLATE_STATUS_UNSPECIFIED",
	] {
		codes == {"template.not_approved"} with input as with_template({"status": status})
	}
}

test_not_approved_message_names_template_and_status if {
	some r in template.deny with input as with_template({"status": "TEMPLATE_STATUS_PAUSED"})
	contains(r.message, "\"order_shipped\" is paused")
}

test_not_approved_when_template_message_names_no_template if {
	codes == {"template.not_approved"} with input as fixtures.without(["message/template"])
}

test_approved_template_passes if {
	count(codes) == 0 with input as fixtures.request
}

test_template_of_a_free_form_message_is_not_judged if {
	req := object.union(fixtures.reply, {"message": {"template": {
		"name": "draft",
		"language": "en",
		"status": "TEMPLATE_STATUS_PENDING",
		"category": "CATEGORY_MARKETING",
	}}})
	count(codes) == 0 with input as req
}

test_category_mismatch_when_template_category_differs if {
	req := with_template({"category": "CATEGORY_MARKETING"})
	codes == {"template.category_mismatch"} with input as req
	some r in template.deny with input as req
	contains(r.message, "approved as MARKETING but the message is sent as UTILITY")
}

test_category_mismatch_and_not_approved_together if {
	req := with_template({"status": "TEMPLATE_STATUS_REJECTED", "category": "CATEGORY_AUTHENTICATION"})
	codes == {"template.not_approved", "template.category_mismatch"} with input as req
}

test_no_category_mismatch_for_marketing_template_sent_as_marketing if {
	count(codes) == 0 with input as fixtures.marketing
}
