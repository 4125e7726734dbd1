package sendgate.rules.government_test

import data.sendgate.fixtures
import data.sendgate.rules.government

codes := {r.code | some r in government.deny}

government_body(program) := fixtures.with_patch({"business": {
	"display_name": "Social Desk",
	"vertical": "government",
	"government_program": program,
}})

test_not_enrolled_without_program if {
	req := json.remove(government_body({}), ["business/government_program"])
	codes == {"government.not_enrolled"} with input as req
}

test_not_enrolled_when_enrolled_is_false if {
	codes == {"government.not_enrolled"} with input as government_body({"enrolled": false, "area": "public_health"})
}

test_enrolled_in_each_allowed_area if {
	every area in ["public_health", "economic_recovery", "social_welfare", "local_government"] {
		count(codes) == 0 with input as government_body({"enrolled": true, "area": area})
	}
}

test_area_not_allowed if {
	req := government_body({"enrolled": true, "area": "election_campaign"})
	codes == {"government.area_not_allowed"} with input as req
	some r in government.deny with input as req
	contains(r.message, "\"election_campaign\"")
}

test_empty_area_not_allowed if {
	codes == {"government.area_not_allowed"} with input as government_body({"enrolled": true, "area": ""})
}

test_areas_come_from_config if {
	count(codes) == 0 with input as government_body({"enrolled": true, "area": "defence"})
		with data.sendgate.config.government_areas as ["defence"]
}

test_program_of_a_non_government_business_is_not_judged if {
	req := fixtures.with_patch({"business": {"government_program": {"enrolled": false, "area": "retail"}}})
	count(codes) == 0 with input as req
}

enrolled_in(area) := fixtures.with_patch({"business": {
	"vertical": "government",
	"government_program": {"enrolled": true, "area": area},
}})

test_area_is_trimmed_and_lower_cased if {
	count(codes) == 0 with input as enrolled_in(" Social_Welfare ")
}

test_city_county_state_and_regional_government_are_local_government if {
	every area in ["city", "County", "state_government", "regional_government", "municipality"] {
		count(codes) == 0 with input as enrolled_in(area)
	}
	codes == {"government.area_not_allowed"} with input as enrolled_in("national_defence")
}
