package sendgate.rules.identifiers_test

import data.sendgate.fixtures
import data.sendgate.rules.identifiers

codes := {r.code | some r in identifiers.deny}

saying(text) := fixtures.with_text(text)

# identifier.requested.payment_card

test_requested_payment_card if {
	req := saying("Could you share your credit card number so we can charge the repair?")
	codes == {"identifier.requested.payment_card"} with input as req
	some r in identifiers.deny with input as req
	contains(lower(r.evidence), "credit card number")
}

test_requested_cvv_in_dutch if {
	codes == {"identifier.requested.payment_card"} with input as saying("Stuur ons uw kaartnummer en de CVC-code om de bestelling af te ronden.")
}

test_not_requested_payment_card_in_a_safety_notice if {
	count(codes) == 0 with input as saying("Acme Shoes will never ask for your PIN or card number.")
}

test_not_requested_payment_card_for_a_masked_card if {
	count(codes) == 0 with input as saying("We charged EUR 89.95 to your card ending 1234.")
}

# identifier.requested.bank_account

test_requested_bank_account_in_dutch if {
	codes == {"identifier.requested.bank_account"} with input as saying("Kunt u uw rekeningnummer doorgeven voor de terugbetaling?")
}

test_requested_iban if {
	codes == {"identifier.requested.bank_account"} with input as saying("Please provide your IBAN so we can refund the deposit.")
}

test_not_requested_bank_account_in_a_dutch_safety_notice if {
	count(codes) == 0 with input as saying("Let op: wij vragen nooit om uw rekeningnummer via WhatsApp.")
}

test_not_requested_bank_account_for_a_masked_iban if {
	count(codes) == 0 with input as saying("Uw terugbetaling is overgemaakt naar NL** **** **** **43 00.")
}

# identifier.requested.national_id

test_requested_social_security_number if {
	codes == {"identifier.requested.national_id"} with input as saying("To finish your application, please provide your social security number.")
}

test_requested_bsn if {
	codes == {"identifier.requested.national_id"} with input as saying("Wat is uw burgerservicenummer?")
}

test_not_requested_national_id_for_last_four_digits if {
	count(codes) == 0 with input as saying("Please confirm the last 4 digits of your SSN.")
}

# identifier.requested.document

test_requested_photo_of_passport if {
	codes == {"identifier.requested.document"} with input as saying("Please send us a photo of your passport to verify your identity.")
}

test_requested_copy_of_id_card_in_dutch if {
	codes == {"identifier.requested.document"} with input as saying("Stuur ons een kopie van uw identiteitskaart.")
}

test_not_requested_document_for_a_photo_of_the_product if {
	count(codes) == 0 with input as saying("Please send us a photo of the damaged shoes so we can arrange the repair.")
}

# identifier.disclosed.payment_card

test_disclosed_payment_card if {
	req := saying("Your card 4111 1111 1111 1111 has been charged EUR 89.95.")
	codes == {"identifier.disclosed.payment_card"} with input as req
	some r in identifiers.deny with input as req
	endswith(r.evidence, "1111")
	not contains(r.evidence, "4111 1111 1111 1111")
}

test_not_disclosed_payment_card_failing_luhn if {
	count(codes) == 0 with input as saying("Your card 4111 1111 1111 1112 has been charged EUR 89.95.")
}

# identifier.disclosed.bank_account

test_disclosed_iban if {
	req := saying("Refund sent to BE68 5390 0754 7034.")
	codes == {"identifier.disclosed.bank_account"} with input as req
	some r in identifiers.deny with input as req
	not contains(r.evidence, "5390 0754")
}

test_not_disclosed_iban_failing_mod_97 if {
	count(codes) == 0 with input as saying("Refund sent to BE68 5390 0754 7035.")
}

# identifier.disclosed.national_id

test_disclosed_bsn if {
	req := saying("We have registered your BSN 111222333 for the warranty.")
	codes == {"identifier.disclosed.national_id"} with input as req
	some r in identifiers.deny with input as req
	not contains(r.evidence, "111222333")
}

test_not_disclosed_bsn_failing_the_eleven_test if {
	count(codes) == 0 with input as saying("We have registered your BSN 111222334 for the warranty.")
}

test_plain_order_update_mentions_nothing if {
	count(codes) == 0 with input as fixtures.request
}

# A business's own account numbers (businesses.<id>.own_accounts)

invoice := fixtures.with_text("Invoice 2026-118: please transfer EUR 49.95 to NL91 ABNA 0417 1643 00 before 1 December.")

test_own_iban_on_an_invoice_is_no_disclosure if {
	count(codes) == 0 with input as invoice
		with data.sendgate.businesses as {"biz-acme": {"own_accounts": ["nl91abna0417164300"]}}
}

test_iban_of_another_business_is_a_disclosure if {
	codes == {"identifier.disclosed.bank_account"} with input as invoice
		with data.sendgate.businesses as {"biz-other": {"own_accounts": ["NL91 ABNA 0417 1643 00"]}}
	codes == {"identifier.disclosed.bank_account"} with input as invoice
}

test_own_account_does_not_cover_another_iban_in_the_text if {
	req := fixtures.with_text("Pay to NL91 ABNA 0417 1643 00; your refund went to BE68 5390 0754 7034.")
	codes == {"identifier.disclosed.bank_account"} with input as req
		with data.sendgate.businesses as {"biz-acme": {"own_accounts": ["NL91ABNA0417164300"]}}
	some r in identifiers.deny with input as req
		with data.sendgate.businesses as {"biz-acme": {"own_accounts": ["NL91ABNA0417164300"]}}
	r.evidence == "BE** **** **** 7034"
}
