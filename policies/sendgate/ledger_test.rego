package sendgate.ledger_test

import data.sendgate.facts
import data.sendgate.fixtures

hour := fixtures.hour

# ledger_opt_in is what the ledger holds after a web opt-in naming the business.
ledger_opt_in := {
	"opted_in_at": fixtures.opted_in_at,
	"channel": "web",
	"wording": fixtures.wording,
	"scopes": ["CATEGORY_UTILITY", "CATEGORY_MARKETING"],
	"keyword": "",
}

# only_ledger is the base request without its own consent, with ledger as input.ledger.
only_ledger(ledger) := object.union(fixtures.without(["consent"]), {"ledger": ledger})

test_window_open_when_only_the_ledger_saw_the_recipient_write if {
	req := only_ledger({"last_inbound_at": fixtures.send_time - (2 * hour)})
	facts.window_open with input as req
	facts.last_inbound == {"at": fixtures.send_time - (2 * hour), "source": "ledger"} with input as req
}

test_window_closed_when_the_ledger_saw_the_recipient_write_25_hours_ago if {
	not facts.window_open with input as only_ledger({"last_inbound_at": fixtures.send_time - (25 * hour)})
}

test_window_open_when_either_source_is_recent if {
	req := object.union(only_ledger({"last_inbound_at": fixtures.send_time - (30 * hour)}), {"conversation": {"last_inbound_at": fixtures.send_time - hour}})
	facts.window_open with input as req
	facts.last_inbound.source == "request" with input as req
}

test_last_inbound_is_the_later_of_both if {
	req := object.union(only_ledger({"last_inbound_at": fixtures.send_time - hour}), {"conversation": {"last_inbound_at": fixtures.send_time - (3 * hour)}})
	facts.last_inbound == {"at": fixtures.send_time - hour, "source": "ledger"} with input as req
}

test_a_ledger_opt_in_is_an_opt_in if {
	facts.has_opt_in with input as only_ledger(ledger_opt_in)
	facts.ledger_wording_valid with input as only_ledger(ledger_opt_in)
	facts.marketing_in_scope with input as only_ledger(ledger_opt_in)
}

test_an_empty_ledger_adds_nothing if {
	not facts.has_opt_in with input as only_ledger({})
	not facts.opt_out_applies with input as only_ledger({})
	not facts.erased with input as only_ledger({})
	facts.ledger_used with input as only_ledger({})
	not facts.ledger_used with input as fixtures.request
}

test_either_source_may_hold_the_valid_opt_in if {
	req := object.union(fixtures.with_patch({"consent": {"wording": "Yes please"}}), {"ledger": ledger_opt_in})
	facts.opt_in_wording_valid with input as req
	not facts.opt_in_wording_valid with input as fixtures.with_patch({"consent": {"wording": "Yes please"}})
}

test_a_keyword_opt_in_names_whatsapp_and_the_business_by_where_it_was_sent if {
	facts.opt_in_wording_valid with input as only_ledger(object.union(ledger_opt_in, {"wording": "START", "keyword": "START", "channel": "whatsapp"}))
	not facts.opt_in_wording_valid with input as only_ledger(object.union(ledger_opt_in, {"wording": "START"}))
}

test_a_ledger_opt_out_after_its_opt_in_applies if {
	req := only_ledger(object.union(ledger_opt_in, {"opted_out_at": fixtures.opted_in_at + hour}))
	facts.ledger_opted_out with input as req
	facts.opt_out_applies with input as req
}

test_a_ledger_opt_in_after_its_opt_out_lifts_it if {
	req := only_ledger(object.union(ledger_opt_in, {"opted_out_at": fixtures.opted_in_at - hour}))
	not facts.ledger_opted_out with input as req
	not facts.opt_out_applies with input as req
}

test_a_ledger_opt_out_is_not_lifted_by_a_later_opt_in_in_the_request if {
	req := object.union(fixtures.with_patch({"consent": {"opted_in_at": fixtures.opted_in_at + (2 * hour)}}), {"ledger": {"opted_out_at": fixtures.opted_in_at + hour}})
	facts.opt_out_applies with input as req
}

test_a_request_opt_out_is_not_lifted_by_an_opt_in_in_the_ledger if {
	req := object.union(json.remove(fixtures.with_patch({"consent": {"opted_out_at": fixtures.opted_in_at}}), ["consent/opted_in_at"]), {"ledger": ledger_opt_in})
	facts.opted_out with input as req
	facts.request_opt_out_applies with input as req
}

test_the_ledger_seeing_the_recipient_write_lifts_a_request_opt_out_for_replies if {
	req := object.union(fixtures.with_patch({"consent": {"opted_out_at": fixtures.send_time - (48 * hour)}}), {"ledger": {"last_inbound_at": fixtures.send_time - hour}})
	not facts.opt_out_applies with input as req
	facts.opt_out_applies with input as object.union(req, {"message": {"category": "CATEGORY_MARKETING"}})
}

test_a_marketing_opt_out_applies_to_marketing_only if {
	ledger := object.union(ledger_opt_in, {"marketing_opted_out_at": fixtures.opted_in_at + hour})
	not facts.opt_out_applies with input as only_ledger(ledger)
	facts.opt_out_applies with input as object.union(fixtures.marketing, {"ledger": ledger})
}

test_erased_until_a_ledger_opt_in_after_the_erasure if {
	erased_at := fixtures.send_time - (24 * hour)
	facts.erased with input as only_ledger({"erased_at": erased_at})
	facts.erased with input as only_ledger(object.union(ledger_opt_in, {"erased_at": erased_at}))
	facts.erased with input as only_ledger(object.union(ledger_opt_in, {"erased_at": erased_at, "opted_in_at": erased_at}))
	not facts.erased with input as only_ledger(object.union(ledger_opt_in, {"erased_at": erased_at, "opted_in_at": erased_at + 1}))
	facts.opt_out_applies with input as only_ledger({"erased_at": erased_at})
}

test_an_opt_in_in_the_request_does_not_lift_an_erasure if {
	req := object.union(fixtures.with_patch({"consent": {"opted_in_at": fixtures.send_time - hour}}), {"ledger": {"erased_at": fixtures.send_time - (24 * hour)}})
	facts.erased with input as req
}

test_source_note_only_once_a_ledger_is_used if {
	facts.source_note("request") == "" with input as fixtures.request
	facts.source_note("ledger") == " (recorded in sendgate's consent ledger)" with input as only_ledger({})
	facts.source_note("request") == " (from the consent record in the request)" with input as only_ledger({})
}
