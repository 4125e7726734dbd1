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
# costs); reasons() below gives tests the list the engine answers with.
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

# reasons lists the reasons of one part of a decision ("reasons" or
# "advice") as the engine answers with them: each in the API's shape, sorted,
# duplicates dropped. Rego orders objects key by key, and the keys sort code,
# evidence, message, policy, so sorting orders them as the engine does.
reasons(part) := sort({shaped(family, reason) |
	some family, list in part
	some reason in list
})

shaped(family, reason) := {
	"code": object.get(reason, "code", ""),
	"evidence": object.get(reason, "evidence", ""),
	"message": object.get(reason, "message", ""),
	"policy": concat("", ["sendgate.rules.", family]),
}
