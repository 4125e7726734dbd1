package sendgate.main_test

import data.sendgate.main

test_blocked_text_denied if {
	count(main.decision.reasons) == 1 with input as {"message": {"text": "blocked"}}
}

test_other_text_allowed if {
	count(main.decision.reasons) == 0 with input as {"message": {"text": "hello"}}
}
