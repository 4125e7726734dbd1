# A minimal sendgate bundle for the bundle tests: it blocks texts listed in
# data.sendgate.blocked_texts and allows everything else.
package sendgate.main

decision := {"reasons": reasons, "advice": []}

reasons contains {"code": "test.blocked_text", "message": "this text is blocked"} if {
	input.message.text in data.sendgate.blocked_texts
}
