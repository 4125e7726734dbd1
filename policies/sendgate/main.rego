# METADATA
# title: The decision
# description: >-
#   Collects every rule family's reasons under data.sendgate.rules. The engine
#   evaluates data.sendgate.main.decision and allows exactly when its reasons
#   are empty. Both lists are sorted by code so that equal requests get equal
#   answers.
package sendgate.main

# decision is the bundle's answer for one proposed message. Every reason has
# the keys code, evidence, message and policy, and Rego orders objects key by
# key, so sorting orders them by code first (then evidence, then message).
decision := {
	"reasons": sort(reasons),
	"advice": sort(advice),
}

# reasons are the blocking reasons of every family, each given the one shape
# the engine reads and naming its package. A reason missing a field still
# counts (with the field empty): a rule that meant to deny must never allow by
# mistake. The shape is written out in the head rather than built by a shared
# function, which OPA would call once more for every reason.
reasons contains {
	"code": object.get(reason, "code", ""),
	"evidence": object.get(reason, "evidence", ""),
	"message": object.get(reason, "message", ""),
	"policy": concat(".", ["sendgate.rules", family]),
} if {
	some family
	some reason in data.sendgate.rules[family].deny
}

# advice are the non-blocking findings of every family, in the same shape.
advice contains {
	"code": object.get(reason, "code", ""),
	"evidence": object.get(reason, "evidence", ""),
	"message": object.get(reason, "message", ""),
	"policy": concat(".", ["sendgate.rules", family]),
} if {
	some family
	some reason in data.sendgate.rules[family].advice
}
