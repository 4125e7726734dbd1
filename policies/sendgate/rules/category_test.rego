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
	req := object.union(fixtures.reply, {
		"recipient": {"locale": "en_GB"},
		"message": {"text": "Thanks for waiting! Use code WINTER20 for 20% off your next pair."},
	})
	codes == {"category.mismatch"} with input as req
}

test_mismatch_for_dutch_promotion_in_utility if {
	req := fixtures.with_patch({"message": {
		"text": "Uw bestelling is verzonden. Nu 25% korting op alle sneakers in onze uitverkoop!",
		"template": {"language": "nl"},
	}})
	codes == {"category.mismatch"} with input as req
}

test_mismatch_for_german_promotion_in_authentication if {
	req := object.union(
		as_category("CATEGORY_AUTHENTICATION", "Jetzt 10 % Rabatt mit dem Gutschein HERBST10 sichern!"),
		{"message": {"template": {"language": "de_DE"}}},
	)
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

# A promotional signal counts only in the message's own language.

spanish(text) := fixtures.with_patch({"message": {"text": text, "template": {"language": "es"}}})

test_spanish_sale_departs_and_is_no_promotion if {
	count(codes) == 0 with input as spanish("Su vuelo IB3170 sale a las 14:25 de la puerta B12.")
}

test_english_sale_in_a_spanish_template_is_no_promotion if {
	count(codes) == 0 with input as spanish("Confirmamos su reserva. El tren sale mañana a las 9:00.")
}

test_spanish_discount_in_a_spanish_template_is_a_promotion if {
	codes == {"category.mismatch"} with input as spanish("Su pedido ha salido. ¡Ahora un 20% de descuento en toda la tienda!")
}

test_locale_gives_the_language_without_template if {
	req := object.union(fixtures.reply, {
		"recipient": {"locale": "es_ES"},
		"message": {"text": "Su autobús sale a las 8:15 del andén 4."},
	})
	count(codes) == 0 with input as req
	codes == {"category.mismatch"} with input as json.patch(req, [{"op": "replace", "path": "/recipient/locale", "value": "en_US"}])
}

test_language_from_the_text_without_template_or_locale if {
	req := json.remove(object.union(fixtures.reply, {"message": {"text": "Hola Ana, su tren sale de la estación a las 10:40; le esperamos en el andén."}}), ["recipient/locale"])
	count(codes) == 0 with input as req
	near := json.remove(object.union(fixtures.reply, {"message": {"text": "Hi Ana, our big summer sale starts today at the station shop."}}), ["recipient/locale"])
	codes == {"category.mismatch"} with input as near
}

test_bare_percentage_discount_counts_in_any_language if {
	codes == {"category.mismatch"} with input as spanish("Su pedido 4471 está en camino. -20% en su próxima compra.")
}

# category.marketing_paused_region

to_phone(phone) := object.union(fixtures.marketing, {"recipient": {"phone": phone}})

test_marketing_to_a_us_number_is_paused if {
	codes == {"category.marketing_paused_region"} with input as to_phone("+12025550143")
}

test_marketing_to_a_dutch_number_is_not_paused if {
	count(codes) == 0 with input as to_phone("+31612345678")
}

test_utility_to_a_us_number_is_not_paused if {
	count(codes) == 0 with input as fixtures.with_patch({"recipient": {"phone": "+12025550143"}})
}

test_paused_calling_codes_come_from_config if {
	count(codes) == 0 with input as to_phone("+12025550143") with data.sendgate.config.marketing_paused_calling_codes as []
	codes == {"category.marketing_paused_region"} with input as to_phone("+447700900123")
		with data.sendgate.config.marketing_paused_calling_codes as ["1", "44"]
}
