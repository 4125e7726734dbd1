# METADATA
# title: Test fixtures
# description: >-
#   Requests the rule tests start from, in the shape the Go engine builds from
#   the protobuf (timestamps as integer nanoseconds, absent when unset).
package sendgate.fixtures

# hour is one hour in nanoseconds.
hour := 3600000000000

# send_time is 2026-11-20T10:00:00Z.
send_time := 1795168800000000000

# opted_in_at is 2026-01-05T09:00:00Z.
opted_in_at := 1767603600000000000

# wording is an opt-in that names WhatsApp and the business.
wording := "Yes, I want to receive order updates and offers from Acme Shoes on WhatsApp."

# request is an allowed message: an approved UTILITY template, outside the
# window, to a recipient whose opt-in covers every category.
request := {
	"request_id": "test",
	"send_time": send_time,
	"business": {
		"id": "biz-acme",
		"display_name": "Acme Shoes",
		"vertical": "retail",
		"country": "NL",
	},
	"recipient": {"phone": "+31612345678", "country": "NL", "locale": "nl_NL"},
	"message": {
		"category": "CATEGORY_UTILITY",
		"type": "MESSAGE_TYPE_TEMPLATE",
		"text": "Your order 4711 has shipped and will arrive on Tuesday.",
		"template": {
			"name": "order_shipped",
			"language": "en",
			"status": "TEMPLATE_STATUS_APPROVED",
			"category": "CATEGORY_UTILITY",
		},
		"buttons": [],
		"items": [],
	},
	"consent": {
		"opted_in_at": opted_in_at,
		"channel": "web",
		"wording": wording,
		"scopes": ["CATEGORY_UTILITY", "CATEGORY_MARKETING", "CATEGORY_AUTHENTICATION"],
	},
}

# with_patch is request with patch merged in: objects merge key by key, any
# other value replaces the one in request.
with_patch(patch) := object.union(request, patch)

# without is request with the fields at the given paths ("consent",
# "message/template", ...) removed, as the engine leaves unset fields out.
without(paths) := json.remove(request, paths)

# reply is a free-form SERVICE text answering a message the recipient sent
# two hours before send_time, from a recipient with no opt-in record.
reply := object.union(without(["consent", "message/template"]), {
	"message": {
		"category": "CATEGORY_SERVICE",
		"type": "MESSAGE_TYPE_TEXT",
		"text": "Sure, we can exchange the size 42 for a 43.",
	},
	"conversation": {"last_inbound_at": send_time - (2 * hour)},
})

# marketing is an approved MARKETING template with opt-out instructions.
marketing := with_patch({"message": {
	"category": "CATEGORY_MARKETING",
	"text": "Our winter sale starts today: 30% off all boots at Acme Shoes! Reply STOP to unsubscribe.",
	"template": {"name": "winter_sale", "category": "CATEGORY_MARKETING"},
}})

# text_message is request with a free-form text of the given category.
text_message(category, text) := object.union(without(["message/template"]), {"message": {
	"category": category,
	"type": "MESSAGE_TYPE_TEXT",
	"text": text,
}})

# with_text is request (an approved UTILITY template) saying text.
with_text(text) := with_patch({"message": {"text": text}})
