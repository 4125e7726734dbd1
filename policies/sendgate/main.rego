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

# reasons are the blocking reasons of every family, each naming its package.
reasons contains reason_from(family, reason) if {
	some family
	some reason in data.sendgate.rules[family].deny
}

# advice are the non-blocking findings of every family.
advice contains reason_from(family, reason) if {
	some family
	some reason in data.sendgate.rules[family].advice
}

# reason_from gives a family's reason the one shape the engine reads. A
# reason missing a field still counts (with the field empty): a rule that
# meant to deny must never allow by mistake.
reason_from(family, reason) := {
	"code": object.get(reason, "code", ""),
	"evidence": object.get(reason, "evidence", ""),
	"message": object.get(reason, "message", ""),
	"policy": concat(".", ["sendgate.rules", family]),
}
