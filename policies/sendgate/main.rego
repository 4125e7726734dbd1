# METADATA
# title: The decision
# description: >-
#   Collects every rule family's reasons under data.sendgate.rules. The engine
#   evaluates data.sendgate.main.decision and allows exactly when no family
#   has a reason.
package sendgate.main

# decision is the bundle's answer for one proposed message: each family's
# blocking reasons and its advice, by family name, as the family wrote them
# ({"consent": {{"code": "consent.missing", "message": "..."}}, ...}).
#
# The engine gives every reason the one shape of the API (a missing field
# reads as empty, the policy is the family's package, "sendgate.rules.consent")
# and sorts them by code, evidence and message, so that equal requests get
# equal answers. Doing that in Go rather than here spares OPA building,
# copying and sorting every reason once more (about half of what a reason
# costs); main_test.rego's listed() gives tests the list the engine answers
# with.
decision := {
	"reasons": {family: reasons |
		some family
		reasons := data.sendgate.rules[family].deny
		reasons != set()
	},
	"advice": {family: advice |
		some family
		advice := data.sendgate.rules[family].advice
		advice != set()
	},
}
