# METADATA
# title: Business verticals
# description: >-
#   Which businesses may use the platform, and for what: the vertical table in
#   data.json gives each vertical a status (allowed, services_only, government,
#   no_promotion, prohibited).
package sendgate.rules.vertical

import data.sendgate.facts

# METADATA
# title: Vertical not in the table
# description: >-
#   A business whose vertical is not in the bundle's vertical table cannot be
#   judged; an empty vertical is treated the same way.
# custom:
#   code: vertical.unknown
deny contains reason if {
	facts.vertical_status == ""
	reason := {
		"code": "vertical.unknown",
		"message": unknown_message,
	}
}

default unknown_message := "The business has no vertical. Set business.vertical to one of the verticals in the policy bundle's vertical table."

unknown_message := sprintf(
	"Business vertical %q is not in the policy bundle's vertical table. Use one of its verticals, or ask the policy owner to classify this one.",
	[input.business.vertical],
) if {
	input.business.vertical != ""
}

# METADATA
# title: Vertical prohibited
# description: >-
#   "Prohibited (whatever licences the business holds): firearms; drugs ...;
#   adult products and services; dating; multi-level marketing; payday loans
#   ..., debt collection, bail bonds." A business whose vertical may not use
#   the platform at all.
# custom:
#   code: vertical.prohibited
deny contains reason if {
	facts.vertical_status == "prohibited"
	reason := {
		"code": "vertical.prohibited",
		"message": sprintf(
			"Businesses in the %q vertical may not use WhatsApp Business messaging at all.",
			[input.business.vertical],
		),
	}
}

# METADATA
# title: Vertical may not promote
# description: >-
#   "Since Aug 2024 alcohol, OTC medication and real-money gambling may message
#   (not sell, not to under-18s)." MARKETING from a vertical whose status is
#   no_promotion.
# custom:
#   code: vertical.marketing_not_allowed
deny contains reason if {
	input.message.category == "CATEGORY_MARKETING"
	facts.vertical_status == "no_promotion"
	reason := {
		"code": "vertical.marketing_not_allowed",
		"message": sprintf(
			"Businesses in the %q vertical may message customers but not promote. Send only UTILITY, AUTHENTICATION or SERVICE messages.",
			[input.business.vertical],
		),
	}
}

# METADATA
# title: Services-only vertical offers goods
# description: >-
#   "Pharmaceutical, medical-device and body-enhancement clinics may use the API
#   but may sell only services (visits, procedures, appointments), not items
#   (drugs, devices)." A services_only business offering an ITEM_KIND_GOOD.
# custom:
#   code: vertical.services_only
deny contains reason if {
	facts.vertical_status == "services_only"
	some item in input.message.items
	item.kind == "ITEM_KIND_GOOD"
	reason := {
		"code": "vertical.services_only",
		"message": sprintf(
			"Businesses in the %q vertical may offer only services (visits, procedures, appointments), not goods. Remove %s from the message.",
			[input.business.vertical, facts.item_label(item)],
		),
		"evidence": facts.item_label(item),
	}
}
