# METADATA
# title: Customer service window
# description: >-
#   "24-hour customer service window. Opens (and resets) on each message or call
#   from the user; the business's own messages never reset it. While open: any
#   message type. Closed: only approved templates, and only with opt-in."
package sendgate.rules.window

import data.sendgate.config
import data.sendgate.facts

# METADATA
# title: Free-form message outside the window
# description: >-
#   "Closed: only approved templates." A non-template message (TEXT,
#   INTERACTIVE, MEDIA) while the customer service window is closed.
# custom:
#   code: window.closed
deny contains reason if {
	input.message.type in {"MESSAGE_TYPE_TEXT", "MESSAGE_TYPE_INTERACTIVE", "MESSAGE_TYPE_MEDIA", "MESSAGE_TYPE_UNSPECIFIED"}
	facts.business_initiated
	reason := {
		"code": "window.closed",
		"message": sprintf(
			"The %d-hour customer service window is closed (%s). Outside the window only approved templates may be sent; send an approved template instead.",
			[config.window_hours, last_heard],
		),
	}
}

# last_heard says when the recipient last wrote, for the message.
default last_heard := "the recipient has not written to you"

last_heard := sprintf("the recipient last wrote at %s%s", [time.format(facts.last_inbound.at), heard_where])

# heard_where names the source of the latest inbound message, once a ledger
# is in use.
default heard_where := ""

heard_where := " (per the request's conversation)" if {
	facts.ledger_used
	facts.last_inbound.source == "request"
}

heard_where := " (recorded in sendgate's consent ledger)" if facts.last_inbound.source == "ledger"
