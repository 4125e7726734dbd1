package sendgate.rules.window_test

import data.sendgate.fixtures
import data.sendgate.rules.window

hour := fixtures.hour

codes := {r.code | some r in window.deny}

# late_reply is a free-form SERVICE text to a recipient who last wrote three days ago.
late_reply := object.union(fixtures.reply, {"conversation": {"last_inbound_at": fixtures.send_time - (72 * hour)}})

test_closed_for_text_three_days_after_the_recipient_wrote if {
	codes == {"window.closed"} with input as late_reply
	some r in window.deny with input as late_reply
	contains(r.message, "2026-11-17T10:00:00Z")
}

test_closed_for_text_when_the_recipient_never_wrote if {
	req := json.remove(late_reply, ["conversation"])
	codes == {"window.closed"} with input as req
	some r in window.deny with input as req
	contains(r.message, "has not written")
}

test_closed_for_interactive_and_media if {
	every t in ["MESSAGE_TYPE_INTERACTIVE", "MESSAGE_TYPE_MEDIA"] {
		codes == {"window.closed"} with input as object.union(late_reply, {"message": {"type": t}})
	}
}

test_closed_for_text_at_exactly_24_hours if {
	req := object.union(fixtures.reply, {"conversation": {"last_inbound_at": fixtures.send_time - (24 * hour)}})
	codes == {"window.closed"} with input as req
}

test_open_for_text_two_hours_after_the_recipient_wrote if {
	count(codes) == 0 with input as fixtures.reply
}

test_open_for_media_23_hours_after_the_recipient_wrote if {
	req := object.union(fixtures.reply, {
		"message": {"type": "MESSAGE_TYPE_MEDIA"},
		"conversation": {"last_inbound_at": fixtures.send_time - (23 * hour)},
	})
	count(codes) == 0 with input as req
}

test_templates_may_be_sent_outside_the_window if {
	count(codes) == 0 with input as fixtures.request
}

# Clarification 1: open when send_time - window_hours < last_inbound_at <= send_time + clock_skew_seconds.

inbound_at(t) := fixtures.with_patch({
	"message": {"type": "MESSAGE_TYPE_TEXT"},
	"conversation": {"last_inbound_at": t},
})

test_inbound_exactly_at_the_skew_limit_keeps_the_window_open if {
	count(codes) == 0 with input as inbound_at(fixtures.send_time + (300 * 1000000000))
}

test_inbound_past_the_skew_limit_is_unknown_and_closes_the_window if {
	codes == {"window.closed"} with input as inbound_at((fixtures.send_time + (300 * 1000000000)) + 1)
}

test_inbound_exactly_24_hours_old_has_closed_the_window if {
	codes == {"window.closed"} with input as inbound_at(fixtures.send_time - (24 * fixtures.hour))
	count(codes) == 0 with input as inbound_at((fixtures.send_time - (24 * fixtures.hour)) + 1)
}

test_unspecified_type_is_judged_as_text if {
	req := fixtures.with_patch({"message": {"type": "MESSAGE_TYPE_UNSPECIFIED"}})
	codes == {"window.closed"} with input as req
}
