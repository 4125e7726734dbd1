package sendgate.rules.consent_ledger_test

import data.sendgate.fixtures
import data.sendgate.main
import data.sendgate.rules.consent
import data.sendgate.rules.window

hour := fixtures.hour

codes := {r.code | some r in consent.deny}

# every_code is every blocking code of the whole decision.
every_code := {r.code | some family, reasons in main.decision.reasons; some r in reasons}

ledger_opt_in := {
	"opted_in_at": fixtures.opted_in_at,
	"channel": "web",
	"wording": fixtures.wording,
	"scopes": ["CATEGORY_UTILITY", "CATEGORY_MARKETING"],
	"keyword": "",
}

only_ledger(ledger) := object.union(fixtures.without(["consent"]), {"ledger": ledger})

marketing_ledger(ledger) := object.union(json.remove(fixtures.marketing, ["consent"]), {"ledger": ledger})

# stopped is the ledger after the recipient sent STOP two days before send_time.
stopped := object.union(ledger_opt_in, {"opted_out_at": fixtures.send_time - (48 * hour)})

erased_at := fixtures.send_time - (24 * hour)

test_a_ledger_opt_in_alone_allows_a_utility_template if {
	count(every_code) == 0 with input as only_ledger(ledger_opt_in)
}

test_a_ledger_opt_in_alone_allows_marketing if {
	count(every_code) == 0 with input as marketing_ledger(ledger_opt_in)
}

test_missing_says_neither_source_holds_an_opt_in if {
	codes == {"consent.missing"} with input as only_ledger({})
	some r in consent.deny with input as only_ledger({})
	contains(r.message, "neither in the request nor in sendgate's consent ledger")
}

test_missing_without_a_ledger_says_nothing_of_one if {
	some r in consent.deny with input as fixtures.without(["consent"])
	not contains(r.message, "ledger")
}

test_a_ledger_stop_blocks_with_opted_out_from_the_ledger if {
	codes == {"consent.opted_out"} with input as only_ledger(stopped)
	some r in consent.deny with input as only_ledger(stopped)
	contains(r.message, "recorded in sendgate's consent ledger")
	contains(r.message, "2026-11-18T10:00:00Z")
}

test_a_ledger_stop_blocks_even_with_a_valid_opt_in_in_the_request if {
	req := object.union(fixtures.request, {"ledger": stopped})
	codes == {"consent.opted_out"} with input as req
}

test_a_request_opt_out_says_it_came_from_the_request if {
	req := object.union(fixtures.with_patch({"consent": {"opted_out_at": fixtures.send_time - hour}}), {"ledger": ledger_opt_in})
	codes == {"consent.opted_out"} with input as req
	some r in consent.deny with input as req
	contains(r.message, "from the consent record in the request")
}

test_replies_allowed_once_the_ledger_saw_the_recipient_write_after_stop if {
	req := object.union(fixtures.reply, {"ledger": object.union(stopped, {"last_inbound_at": fixtures.send_time - hour})})
	count(every_code) == 0 with input as req
}

test_marketing_stays_blocked_after_stop_even_when_the_recipient_wrote if {
	req := marketing_ledger(object.union(stopped, {"last_inbound_at": fixtures.send_time - hour}))
	codes == {"consent.opted_out"} with input as req
}

test_a_marketing_stop_blocks_marketing_only if {
	ledger := object.union(ledger_opt_in, {"marketing_opted_out_at": fixtures.send_time - (48 * hour)})
	codes == {"consent.opted_out"} with input as marketing_ledger(ledger)
	some r in consent.deny with input as marketing_ledger(ledger)
	contains(r.message, "opted out of marketing messages")
	count(every_code) == 0 with input as only_ledger(ledger)
}

test_a_later_ledger_opt_in_lifts_the_stop if {
	ledger := object.union(stopped, {"opted_in_at": fixtures.send_time - hour, "wording": "START", "keyword": "START", "channel": "whatsapp"})
	count(every_code) == 0 with input as only_ledger(ledger)
}

test_erased_blocks_with_erased_alone if {
	codes == {"consent.erased"} with input as only_ledger({"erased_at": erased_at})
	some r in consent.deny with input as only_ledger({"erased_at": erased_at})
	contains(r.message, "erased from sendgate's consent ledger at 2026-11-19T10:00:00Z")
}

test_erased_blocks_a_reply_inside_the_window_too if {
	req := object.union(fixtures.reply, {"ledger": {"erased_at": erased_at, "last_inbound_at": fixtures.send_time - hour}})
	codes == {"consent.erased"} with input as req
}

test_erased_is_not_lifted_by_an_opt_in_in_the_request if {
	req := object.union(fixtures.with_patch({"consent": {"opted_in_at": fixtures.send_time - hour}}), {"ledger": {"erased_at": erased_at}})
	codes == {"consent.erased"} with input as req
}

test_erased_is_lifted_by_a_ledger_opt_in_after_the_erasure if {
	ledger := object.union(ledger_opt_in, {"erased_at": erased_at, "opted_in_at": erased_at + hour})
	count(every_code) == 0 with input as only_ledger(ledger)
}

test_an_opt_out_hides_erased if {
	req := object.union(fixtures.with_patch({"consent": {"opted_out_at": fixtures.send_time - hour}}), {"ledger": {"erased_at": erased_at}})
	codes == {"consent.opted_out"} with input as req
}

test_invalid_ledger_wording_says_where_it_is if {
	req := only_ledger(object.union(ledger_opt_in, {"wording": "Yes, send me offers"}))
	codes == {"consent.invalid"} with input as req
	some r in consent.deny with input as req
	contains(r.message, "recorded in sendgate's consent ledger")
	r.evidence == "Yes, send me offers"
}

test_scope_from_the_ledger if {
	ledger := object.union(ledger_opt_in, {"scopes": ["CATEGORY_UTILITY"]})
	codes == {"consent.scope"} with input as marketing_ledger(ledger)
}

test_window_closed_names_the_ledger_as_where_the_recipient_last_wrote if {
	req := object.union(json.remove(fixtures.reply, ["conversation"]), {"ledger": {"last_inbound_at": fixtures.send_time - (30 * hour)}})
	some r in window.deny with input as req
	contains(r.message, "last wrote at 2026-11-19T04:00:00Z (recorded in sendgate's consent ledger)")
}

test_window_open_from_the_ledger_allows_a_reply if {
	req := object.union(json.remove(fixtures.reply, ["conversation"]), {"ledger": {"last_inbound_at": fixtures.send_time - hour}})
	count(every_code) == 0 with input as req
}
