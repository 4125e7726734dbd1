# METADATA
# title: Templates
# description: >-
#   Business-initiated messages go out as templates that Meta has reviewed and
#   approved, in the category they were approved for.
package sendgate.rules.template

import data.sendgate.facts

# METADATA
# title: Template missing
# description: >-
#   "Closed: only approved templates." A TEMPLATE message that names no
#   template cannot be shown to be approved.
# custom:
#   code: template.not_approved
deny contains reason if {
	input.message.type == "MESSAGE_TYPE_TEMPLATE"
	not input.message.template
	reason := {
		"code": "template.not_approved",
		"message": "The message is sent as a template but names no template. Give the approved template's name, language, status and category.",
	}
}

# METADATA
# title: Template not approved
# description: >-
#   "Closed: only approved templates." A TEMPLATE message whose template status
#   (pending, rejected, paused, disabled or unspecified) is not APPROVED.
# custom:
#   code: template.not_approved
deny contains reason if {
	input.message.type == "MESSAGE_TYPE_TEMPLATE"
	input.message.template.status != "TEMPLATE_STATUS_APPROVED"
	reason := {
		"code": "template.not_approved",
		"message": sprintf(
			"Template %q is %s, not approved. Send it only once Meta has approved it, or use an approved template.",
			[input.message.template.name, status_name(input.message.template.status)],
		),
	}
}

# METADATA
# title: Template category differs from the message category
# description: >-
#   "Meta re-labels such templates as MARKETING." A TEMPLATE message whose
#   template category differs from the message category.
# custom:
#   code: template.category_mismatch
deny contains reason if {
	input.message.type == "MESSAGE_TYPE_TEMPLATE"
	input.message.template.category != input.message.category
	reason := {
		"code": "template.category_mismatch",
		"message": sprintf(
			"Template %q is approved as %s but the message is sent as %s. Send it in the template's own category or use a template approved for %s.",
			[
				input.message.template.name,
				facts.category_name(input.message.template.category),
				facts.category_name(input.message.category),
				facts.category_name(input.message.category),
			],
		),
	}
}

# status_name turns TEMPLATE_STATUS_PENDING into "pending".
status_name(status) := lower(trim_prefix(status, "TEMPLATE_STATUS_"))
