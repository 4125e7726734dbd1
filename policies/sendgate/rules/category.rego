# METADATA
# title: Message categories
# description: >-
#   "Utility must be non-promotional and specific to the user's order, account
#   or a safety-critical matter. Mixed content (an order update with a promo) is
#   marketing. One-time passcodes only in AUTHENTICATION templates."
package sendgate.rules.category

import data.sendgate.facts

# METADATA
# title: Category missing
# description: >-
#   Every message declares MARKETING, UTILITY, AUTHENTICATION or SERVICE; a
#   message whose category is unspecified cannot be judged.
# custom:
#   code: category.missing
deny contains reason if {
	input.message.category == "CATEGORY_UNSPECIFIED"
	reason := {
		"code": "category.missing",
		"message": "The message has no category. Set it to MARKETING, UTILITY, AUTHENTICATION or SERVICE.",
	}
}

# METADATA
# title: Promotional text in a non-marketing message
# description: >-
#   "Utility must be non-promotional ... Mixed content (an order update with a
#   promo) is marketing." A UTILITY, AUTHENTICATION or SERVICE message whose
#   text is promotional.
# custom:
#   code: category.mismatch
deny contains reason if {
	input.message.category in {"CATEGORY_UTILITY", "CATEGORY_AUTHENTICATION", "CATEGORY_SERVICE"}
	count(facts.promotions) > 0
	reason := {
		"code": "category.mismatch",
		"message": sprintf(
			"The text is promotional, which a %s message may not be. Send it as MARKETING (with a marketing opt-in), or remove the promotion.",
			[facts.category_name(input.message.category)],
		),
		"evidence": facts.promotions[0].excerpt, # the first, as findings are in text order
	}
}

# METADATA
# title: One-time passcode outside an authentication message
# description: >-
#   "One-time passcodes only in AUTHENTICATION templates." The text carries a
#   one-time passcode but the category is not AUTHENTICATION.
# custom:
#   code: category.authentication_required
deny contains reason if {
	input.message.category != "CATEGORY_AUTHENTICATION"
	count(facts.findings.passcodes) > 0
	reason := {
		"code": "category.authentication_required",
		"message": "The text carries a one-time passcode. Send passcodes only in an AUTHENTICATION template.",
		"evidence": facts.findings.passcodes[0].term, # the first, as findings are in text order
	}
}

# METADATA
# title: Marketing disabled
# description: >-
#   "You may not send advertising, marketing or promotional messages." (the
#   policy edition before June 2023). MARKETING while config.marketing_enabled
#   is false; it is true in the default bundle.
# custom:
#   code: category.marketing_disabled
deny contains reason if {
	input.message.category == "CATEGORY_MARKETING"
	data.sendgate.config.marketing_enabled == false
	reason := {
		"code": "category.marketing_disabled",
		"message": "This policy bundle does not allow promotional messages. Do not send MARKETING messages.",
	}
}

# METADATA
# title: Marketing paused in the recipient's region
# description: >-
#   "Meta ... paused marketing to US +1 numbers from 1 Apr 2025." A MARKETING
#   message to a recipient whose country calling code, read from
#   recipient.phone, is in config.marketing_paused_calling_codes.
# custom:
#   code: category.marketing_paused_region
deny contains reason if {
	input.message.category == "CATEGORY_MARKETING"
	strings.any_prefix_match(trim_prefix(input.recipient.phone, "+"), data.sendgate.config.marketing_paused_calling_codes)
	some code in data.sendgate.config.marketing_paused_calling_codes
	startswith(input.recipient.phone, concat("", ["+", code]))
	reason := {
		"code": "category.marketing_paused_region",
		"message": sprintf(
			"Marketing messages to +%s numbers are paused. Do not send MARKETING to this recipient; UTILITY, AUTHENTICATION and SERVICE messages may still go.",
			[code],
		),
	}
}
