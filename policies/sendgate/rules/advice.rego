# METADATA
# title: Advice
# description: >-
#   Non-blocking findings: the message may go, but a person should look at it.
package sendgate.rules.advice

import data.sendgate.facts

# METADATA
# title: Marketing without opt-out instructions
# description: >-
#   "Respect all requests ... to opt out." A MARKETING message that tells the
#   recipient no way to opt out: no "reply STOP"/"afmelden"-style line and no
#   opt-out quick-reply button.
# custom:
#   code: advice.opt_out_instructions
advice contains reason if {
	input.message.category == "CATEGORY_MARKETING"
	not facts.opt_out_offered
	reason := {
		"code": "advice.opt_out_instructions",
		"message": "The marketing message does not tell the recipient how to opt out. Add a line such as \"Reply STOP to unsubscribe\" or a \"Stop\" quick-reply button.",
	}
}
