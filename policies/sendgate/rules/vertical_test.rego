package sendgate.rules.vertical_test

import data.sendgate.fixtures
import data.sendgate.rules.vertical

codes := {r.code | some r in vertical.deny}

from(v) := fixtures.with_patch({"business": {"vertical": v}})

marketing_from(v) := object.union(fixtures.marketing, {"business": {"vertical": v}})

selling(v, items) := fixtures.with_patch({
	"business": {"vertical": v},
	"message": {"items": items},
})

test_unknown_vertical if {
	codes == {"vertical.unknown"} with input as from("space_tourism")
	some r in vertical.deny with input as from("space_tourism")
	contains(r.message, "\"space_tourism\"")
}

test_empty_vertical_is_unknown if {
	codes == {"vertical.unknown"} with input as from("")
	some r in vertical.deny with input as from("")
	contains(r.message, "has no vertical")
}

test_vertical_keys_are_trimmed_and_lower_cased if {
	count(codes) == 0 with input as from(" Retail ")
	codes == {"vertical.prohibited"} with input as from("TOBACCO")
	codes == {"vertical.unknown"} with input as from("Retailer")
}

test_blank_vertical_is_unknown if {
	codes == {"vertical.unknown"} with input as from("   ")
}

test_known_vertical_is_not_unknown if {
	count(codes) == 0 with input as from("retail")
}

test_tenant_may_add_a_vertical if {
	count(codes) == 0 with input as from("space_tourism")
		with data.sendgate.verticals.space_tourism as {"status": "allowed"}
}

test_prohibited_vertical if {
	every v in ["tobacco", "dating", "payday_lending", "firearms"] {
		codes == {"vertical.prohibited"} with input as from(v)
	}
}

test_no_promotion_vertical_may_send_utility if {
	count(codes) == 0 with input as from("alcohol")
}

test_no_promotion_vertical_may_not_market if {
	every v in ["alcohol", "otc_medication", "real_money_gambling"] {
		codes == {"vertical.marketing_not_allowed"} with input as marketing_from(v)
	}
}

test_allowed_vertical_may_market if {
	count(codes) == 0 with input as marketing_from("retail")
}

test_services_only_vertical_offering_a_good if {
	req := selling("pharmaceutical", [{"name": "Ibuprofen 400 mg", "kind": "ITEM_KIND_GOOD", "product_type": "otc_medication"}])
	codes == {"vertical.services_only"} with input as req
	some r in vertical.deny with input as req
	r.evidence == "Ibuprofen 400 mg"
}

test_services_only_reports_each_good if {
	req := selling("body_enhancement_clinic", [
		{"name": "Compression garment", "kind": "ITEM_KIND_GOOD", "product_type": "medical_device"},
		{"name": "Consultation", "kind": "ITEM_KIND_SERVICE", "product_type": "consultation"},
		{"name": "Scar cream", "kind": "ITEM_KIND_GOOD", "product_type": "healthcare_product"},
	])
	{r.evidence | some r in vertical.deny} == {"Compression garment", "Scar cream"} with input as req
}

test_services_only_vertical_offering_services if {
	req := selling("medical_device", [
		{"name": "Hearing test", "kind": "ITEM_KIND_SERVICE", "product_type": "appointment"},
		{"name": "Fitting", "kind": "ITEM_KIND_SERVICE", "product_type": "procedure"},
	])
	count(codes) == 0 with input as req
}

test_allowed_vertical_may_offer_goods if {
	req := selling("retail", [{"name": "Winter boots", "kind": "ITEM_KIND_GOOD", "product_type": "footwear"}])
	count(codes) == 0 with input as req
}
