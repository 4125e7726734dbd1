# METADATA
# title: Government program
# description: >-
#   "Government clients join through a government program, no longer limited to
#   Covid-19: public health, economic recovery, social welfare, city/state/local
#   government."
package sendgate.rules.government

import data.sendgate.config
import data.sendgate.facts

# METADATA
# title: Government business not enrolled
# description: >-
#   "Government clients join through a government program." A business of the
#   government vertical without government_program.enrolled.
# custom:
#   code: government.not_enrolled
deny contains reason if {
	facts.vertical_status == "government"
	not facts.government_enrolled
	reason := {
		"code": "government.not_enrolled",
		"message": "Government bodies may message only once enrolled in Meta's government program. Enrol the business and set government_program.enrolled.",
	}
}

# METADATA
# title: Government area not allowed
# description: >-
#   "Public health, economic recovery, social welfare, city/state/local
#   government." An enrolled government business whose program area is not
#   in config.government_areas (compared trimmed and lower-cased; city,
#   county, state and regional government are local_government).
# custom:
#   code: government.area_not_allowed
deny contains reason if {
	facts.vertical_status == "government"
	facts.government_enrolled
	not facts.government_area in config.government_areas
	reason := {
		"code": "government.area_not_allowed",
		"message": sprintf(
			"Government program area %q is not allowed. Allowed areas: %s.",
			[input.business.government_program.area, concat(", ", config.government_areas)],
		),
	}
}
