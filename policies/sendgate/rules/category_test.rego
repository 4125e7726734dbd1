package sendgate.rules.category_test

import data.sendgate.fixtures
import data.sendgate.rules.category

codes := {r.code | some r in category.deny}

as_category(c, text) := fixtures.with_patch({"message": {
	"category": c,
	"text": text,
	"template": {"category": c},
}})

# category.missing

test_missing_when_unspecified if {
	codes == {"category.missing"} with input as as_category("CATEGORY_UNSPECIFIED", "Your order 4711 has shipped.")
}

test_not_missing_when_set if {
	every c in ["CATEGORY_MARKETING", "CATEGORY_UTILITY", "CATEGORY_AUTHENTICATION", "CATEGORY_SERVICE"] {
		not "category.missing" in codes with input as as_category(c, "Your order 4711 has shipped.")
	}
}

# category.mismatch

test_mismatch_for_promotion_in_utility if {
	req := fixtures.with_text("Your repair is ready. Buy one get one free this weekend only!")
	codes == {"category.mismatch"} with input as req
	some r in category.deny with input as req
	contains(lower(r.evidence), "buy one get one")
}

test_mismatch_for_discount_in_service_reply if {
	req := object.union(fixtures.reply, {"message": {"text": "Thanks for waiting! Use code WINTER20 for 20% off your next pair."}})
	codes == {"category.mismatch"} with input as req
}

test_mismatch_for_dutch_promotion_in_utility if {
	codes == {"category.mismatch"} with input as fixtures.with_text("Uw bestelling is verzonden. Nu 25% korting op alle sneakers in onze uitverkoop!")
}

test_mismatch_for_german_promotion_in_authentication if {
	req := as_category("CATEGORY_AUTHENTICATION", "Jetzt 10 % Rabatt mit dem Gutschein HERBST10 sichern!")
	codes == {"category.mismatch"} with input as req
}

test_no_mismatch_for_promotion_sent_as_marketing if {
	count(codes) == 0 with input as fixtures.marketing
}

test_no_mismatch_for_receipt_and_free_delivery if {
	req := fixtures.with_text("Thank you for order 4711: 2 items, total EUR 89.95. Free delivery of your order is included.")
	count(codes) == 0 with input as req
}

# category.authentication_required

test_authentication_required_for_passcode_in_utility if {
	req := fixtures.with_text("Your Acme Shoes verification code is 482913. It expires in 10 minutes.")
	codes == {"category.authentication_required"} with input as req
	some r in category.deny with input as req
	not contains(r.evidence, "482913")
}

test_authentication_required_for_dutch_passcode_in_service if {
	req := object.union(fixtures.reply, {"message": {"text": "Uw verificatiecode is 739204. Deel deze code met niemand."}})
	codes == {"category.authentication_required"} with input as req
}

test_no_authentication_required_in_authentication if {
	req := as_category("CATEGORY_AUTHENTICATION", "Your Acme Shoes verification code is 482913. It expires in 10 minutes.")
	count(codes) == 0 with input as req
}

test_no_authentication_required_for_an_order_number if {
	count(codes) == 0 with input as fixtures.with_text("Your order 482913 has shipped and will arrive on Tuesday.")
}

# category.marketing_disabled

test_marketing_disabled_blocks_marketing if {
	codes == {"category.marketing_disabled"} with input as fixtures.marketing
		with data.sendgate.config.marketing_enabled as false
}

test_marketing_disabled_leaves_utility_alone if {
	count(codes) == 0 with input as fixtures.request
		with data.sendgate.config.marketing_enabled as false
}

test_marketing_enabled_by_default if {
	count(codes) == 0 with input as fixtures.marketing
}

# helpers

test_evidence_is_the_first_promotion_in_the_text if {
	# The analysis finds "20% off" after the lexicon's phrases and lists
	# every finding in text order, so the rule quotes the earliest.
	req := fixtures.with_text("Your order shipped. Sale now on: 20% off, and free shipping!")
	some r in category.deny with input as req
	r.code == "category.mismatch"
	r.evidence == "Sale"
}

test_evidence_is_the_first_passcode_in_the_text if {
	req := fixtures.with_text("Your code is 4829. Backup code: 77120456.")
	some r in category.deny with input as req
	r.code == "category.authentication_required"
	r.evidence == "****"
}
