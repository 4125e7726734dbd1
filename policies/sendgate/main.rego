# METADATA
# title: The decision
# description: >-
#   Collects every rule family's reasons under data.sendgate.rules. The engine
#   evaluates data.sendgate.main.decision and allows exactly when its reasons
#   are empty. Both lists are sorted by code so that equal requests get equal
#   answers.
package sendgate.main

# decision is the bundle's answer for one proposed message.
decision := {
	"reasons": by_code(reasons),
	"advice": by_code(advice),
}

# reasons are the blocking reasons of every family, each naming its package.
reasons contains object.union(reason, {"policy": concat(".", ["sendgate.rules", family])}) if {
	some family
	some reason in data.sendgate.rules[family].deny
}

# advice are the non-blocking findings of every family.
advice contains object.union(reason, {"policy": concat(".", ["sendgate.rules", family])}) if {
	some family
	some reason in data.sendgate.rules[family].advice
}

# by_code orders reasons by code; reasons with equal codes keep a fixed order.
by_code(rs) := [r | some pair in sort([[x.code, x] | some x in rs]); r := pair[1]]
