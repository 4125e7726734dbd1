package sendgate.rules.advice_test

import data.sendgate.fixtures
import data.sendgate.rules.advice

codes := {r.code | some r in advice.advice}

promo := "Our winter sale starts today: 30% off all boots at Acme Shoes!"

marketing(text, buttons) := object.union(fixtures.marketing, {"message": {"text": text, "buttons": buttons}})

test_advice_for_marketing_without_opt_out if {
	codes == {"advice.opt_out_instructions"} with input as marketing(promo, [])
}

test_advice_when_only_a_url_button_says_unsubscribe if {
	req := marketing(promo, [{"type": "BUTTON_TYPE_URL", "text": "Unsubscribe", "url": "https://acme.example/unsubscribe"}])
	codes == {"advice.opt_out_instructions"} with input as req
}

test_advice_when_quick_reply_is_not_an_opt_out if {
	req := marketing(promo, [{"type": "BUTTON_TYPE_QUICK_REPLY", "text": "Shop now", "url": ""}])
	codes == {"advice.opt_out_instructions"} with input as req
}

test_no_advice_with_reply_stop_line if {
	count(codes) == 0 with input as marketing(concat(" ", [promo, "Reply STOP to unsubscribe."]), [])
}

test_no_advice_with_dutch_opt_out_line if {
	text := "Deze week 30% korting op alle laarzen bij Acme Shoes! Stuur AFMELDEN om je af te melden."
	count(codes) == 0 with input as marketing(text, [])
}

test_no_advice_with_stop_quick_reply if {
	req := marketing(promo, [
		{"type": "BUTTON_TYPE_URL", "text": "Shop now", "url": "https://acme.example/sale"},
		{"type": "BUTTON_TYPE_QUICK_REPLY", "text": "Stop", "url": ""},
	])
	count(codes) == 0 with input as req
}

test_no_advice_with_afmelden_quick_reply if {
	count(codes) == 0 with input as marketing(promo, [{"type": "BUTTON_TYPE_QUICK_REPLY", "text": "Afmelden", "url": ""}])
}

test_no_advice_for_utility if {
	count(codes) == 0 with input as fixtures.request
}
