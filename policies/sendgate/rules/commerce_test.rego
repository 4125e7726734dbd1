package sendgate.rules.commerce_test

import data.sendgate.fixtures
import data.sendgate.rules.commerce

codes := {r.code | some r in commerce.deny}

selling(items) := fixtures.with_patch({"message": {"items": items}})

test_prohibited_item if {
	req := selling([{"name": "Craft IPA 6-pack", "kind": "ITEM_KIND_GOOD", "product_type": "alcohol"}])
	codes == {"commerce.prohibited_item"} with input as req
	some r in commerce.deny with input as req
	r.evidence == "Craft IPA 6-pack"
	contains(r.message, "\"alcohol\"")
}

test_prohibited_item_named_by_its_type_when_unnamed if {
	req := selling([{"name": "", "kind": "ITEM_KIND_GOOD", "product_type": "e_cigarette"}])
	{r.evidence | some r in commerce.deny} == {"e_cigarette"} with input as req
}

test_prohibited_whatever_the_item_kind if {
	req := selling([{"name": "Poker night entry", "kind": "ITEM_KIND_SERVICE", "product_type": "gambling"}])
	codes == {"commerce.prohibited_item"} with input as req
}

test_each_prohibited_item_is_reported if {
	req := selling([
		{"name": "Hunting rifle", "kind": "ITEM_KIND_GOOD", "product_type": "weapon"},
		{"name": "Leather boots", "kind": "ITEM_KIND_GOOD", "product_type": "footwear"},
		{"name": "Rifle cartridges", "kind": "ITEM_KIND_GOOD", "product_type": "ammunition"},
	])
	{r.evidence | some r in commerce.deny} == {"Hunting rifle", "Rifle cartridges"} with input as req
}

test_allowed_items if {
	req := selling([
		{"name": "Leather boots", "kind": "ITEM_KIND_GOOD", "product_type": "apparel"},
		{"name": "Resoling", "kind": "ITEM_KIND_SERVICE", "product_type": "repair"},
		{"name": "Flu shot", "kind": "ITEM_KIND_SERVICE", "product_type": "vaccination"},
	])
	count(codes) == 0 with input as req
}

test_unknown_product_type_is_not_prohibited if {
	req := selling([
		{"name": "Garden gnome", "kind": "ITEM_KIND_GOOD", "product_type": "garden_decoration"},
		{"name": "Mystery box", "kind": "ITEM_KIND_GOOD", "product_type": ""},
	])
	count(codes) == 0 with input as req
}

test_no_items_nothing_to_judge if {
	count(codes) == 0 with input as fixtures.request
}

test_product_type_is_trimmed_and_lower_cased if {
	req := fixtures.with_patch({"message": {"items": [{"name": "Red wine 75cl", "kind": "ITEM_KIND_GOOD", "product_type": " Alcohol"}]}})
	codes == {"commerce.prohibited_item"} with input as req
	near := fixtures.with_patch({"message": {"items": [{"name": "Wine glasses", "kind": "ITEM_KIND_GOOD", "product_type": "Alcoholware"}]}})
	count(codes) == 0 with input as near
}
