#!/usr/bin/env python3
"""Writes cases.jsonl: decision cases for every reason code and a near miss
for each, in the public corpus format. Run from this folder after editing."""
import copy, json

OPTIN = {"optedInAt": "2026-01-05T09:00:00Z", "channel": "web",
         "wording": "Yes, I want to receive order updates and offers from Acme Shoes on WhatsApp.",
         "scopes": ["CATEGORY_UTILITY", "CATEGORY_MARKETING", "CATEGORY_AUTHENTICATION"]}
BASE = {"sendTime": "2026-11-20T10:00:00Z",
        "business": {"id": "biz-acme", "displayName": "Acme Shoes", "vertical": "retail", "country": "NL"},
        "recipient": {"phone": "+31612345678", "country": "NL", "locale": "nl_NL"},
        "message": {"category": "CATEGORY_UTILITY", "type": "MESSAGE_TYPE_TEMPLATE",
                    "text": "Your order 4711 has shipped and will arrive on Tuesday.",
                    "template": {"name": "order_shipped", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_UTILITY"}},
        "consent": OPTIN}
MARKETING_TPL = {"name": "weekend_sale", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_MARKETING"}
STOP_LINE = " Reply STOP to unsubscribe."

cases = []

def case(name, decision, codes=(), advice=(), optional=(), error=False, **patch):
    req = copy.deepcopy(BASE)
    req["requestId"] = name
    for path, value in patch.items():
        parts = path.split("__")
        obj = req
        for p in parts[:-1]:
            obj = obj.setdefault(p, {})
        if value is None:
            obj.pop(parts[-1], None)
        else:
            obj[parts[-1]] = value
    c = {"name": name, "request": req}
    if error:
        c["error"] = True
    else:
        c.update(decision=decision, codes=list(codes), optional=list(optional), advice=list(advice))
    cases.append(c)

ALLOW, DENY = "DECISION_ALLOW", "DECISION_DENY"

def marketing(text):
    return {"message__category": "CATEGORY_MARKETING", "message__template": MARKETING_TPL, "message__text": text}

# consent
case("utility_with_valid_optin_allowed", ALLOW)
case("no_optin_business_initiated", DENY, ["consent.missing"], consent=None)
case("no_optin_but_window_open_reply_allowed", ALLOW, consent=None,
     message__type="MESSAGE_TYPE_TEXT", message__category="CATEGORY_SERVICE", message__template=None,
     conversation={"lastInboundAt": "2026-11-20T09:00:00Z"})
case("marketing_without_optin_even_in_window", DENY, ["consent.missing"], advice=[], consent=None,
     conversation={"lastInboundAt": "2026-11-20T09:00:00Z"}, **marketing("Spring sale: 20% off all boots!" + STOP_LINE))
case("opted_out_blocks_utility", DENY, ["consent.opted_out"], consent__optedOutAt="2026-03-01T00:00:00Z")
case("opted_out_before_new_optin_allowed", ALLOW, consent__optedOutAt="2025-12-01T00:00:00Z")
case("opted_out_at_same_instant_blocks", DENY, ["consent.opted_out"], consent__optedOutAt="2026-01-05T09:00:00Z")
case("opted_out_then_wrote_again_service_reply_allowed", ALLOW, consent__optedOutAt="2026-03-01T00:00:00Z",
     conversation={"lastInboundAt": "2026-11-20T08:00:00Z"},
     message__type="MESSAGE_TYPE_TEXT", message__category="CATEGORY_SERVICE", message__template=None,
     message__text="Thanks for your message, your order is on its way.")
case("opted_out_then_wrote_again_marketing_blocked", DENY, ["consent.opted_out"], consent__optedOutAt="2026-03-01T00:00:00Z",
     conversation={"lastInboundAt": "2026-11-20T08:00:00Z"}, **marketing("New arrivals: 20% off boots this week." + STOP_LINE))
case("opted_out_suppresses_other_consent_codes", DENY, ["consent.opted_out"],
     consent={"optedOutAt": "2026-03-01T00:00:00Z", "wording": ""}, **marketing("Sale: 20% off!" + STOP_LINE))
case("wording_without_whatsapp_invalid", DENY, ["consent.invalid"], consent__wording="Yes, send me order updates from Acme Shoes.")
case("wording_without_business_invalid", DENY, ["consent.invalid"], consent__wording="I agree to receive WhatsApp messages.")
case("empty_wording_invalid", DENY, ["consent.invalid"], consent__wording="")
case("wording_case_insensitive_valid", ALLOW, consent__wording="i want WHATSAPP updates from ACME SHOES")
case("marketing_without_marketing_scope", DENY, ["consent.scope"], consent__scopes=["CATEGORY_UTILITY"],
     **marketing("Our winter collection is here: 20% off boots." + STOP_LINE))
case("marketing_with_marketing_scope_allowed", ALLOW, **marketing("Our winter collection is here: 20% off boots." + STOP_LINE))
# window
case("free_text_after_window_closed", DENY, ["window.closed"], message__type="MESSAGE_TYPE_TEXT", message__template=None,
     message__category="CATEGORY_SERVICE", message__text="Are you still interested in the boots?",
     conversation={"lastInboundAt": "2026-11-17T10:00:00Z"})
case("free_text_inside_window_allowed", ALLOW, message__type="MESSAGE_TYPE_TEXT", message__template=None,
     message__category="CATEGORY_SERVICE", message__text="Sure, we can exchange the size 42 for a 43.",
     conversation={"lastInboundAt": "2026-11-19T10:00:01Z"})
case("media_exactly_24h_after_inbound_closed", DENY, ["window.closed"], message__type="MESSAGE_TYPE_MEDIA", message__template=None,
     message__category="CATEGORY_SERVICE", message__text="Here is the photo of your repaired shoe.",
     conversation={"lastInboundAt": "2026-11-19T09:59:59Z"})
case("interactive_no_conversation_closed", DENY, ["window.closed"], message__type="MESSAGE_TYPE_INTERACTIVE", message__template=None,
     message__text="Pick a delivery slot for your order.")
# template
case("template_paused", DENY, ["template.not_approved"], message__template__status="TEMPLATE_STATUS_PAUSED")
case("template_pending", DENY, ["template.not_approved"], message__template__status="TEMPLATE_STATUS_PENDING")
case("template_category_mismatch", DENY, ["template.category_mismatch"], message__template__category="CATEGORY_MARKETING")
# category
case("category_unspecified", DENY, ["category.missing"], optional=["template.category_mismatch"], message__category=None)
case("promo_in_utility", DENY, ["category.mismatch"], message__text="Your repair is ready. Buy one get one free this weekend only!")
case("dutch_promo_in_utility", DENY, ["category.mismatch"], message__text="Uw pakket is verzonden. Nu 30% korting op alle laarzen!",
     message__template={"name": "order_shipped", "language": "nl", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_UTILITY"})
case("free_delivery_of_order_not_promo", ALLOW, message__text="Good news: free delivery of your order 5521, arriving Monday.")
case("otp_outside_authentication", DENY, ["category.authentication_required"], message__text="Your verification code is 482913.")
case("otp_in_authentication_allowed", ALLOW, message__category="CATEGORY_AUTHENTICATION",
     message__template={"name": "otp", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_AUTHENTICATION"},
     message__text="Your verification code is 482913. It expires in 10 minutes.")
case("order_number_is_not_otp", ALLOW, message__text="Order 482913 has been packed.")
# vertical
case("vertical_unknown", DENY, ["vertical.unknown"], business__vertical="space_tourism")
case("vertical_prohibited", DENY, ["vertical.prohibited"], business__vertical="payday_lending")
case("vertical_no_promotion_marketing", DENY, ["vertical.marketing_not_allowed"], business__vertical="alcohol",
     **marketing("Try our new craft beer selection this weekend." + STOP_LINE))
case("vertical_no_promotion_utility_allowed", ALLOW, business__vertical="alcohol")
case("clinic_sells_device", DENY, ["vertical.services_only", "commerce.prohibited_item"], business__vertical="body_enhancement_clinic",
     message__items=[{"name": "Compression garment", "kind": "ITEM_KIND_GOOD", "productType": "medical_device"}])
case("pharmacy_sells_unlisted_good", DENY, ["vertical.services_only"], business__vertical="pharmaceutical",
     message__items=[{"name": "Tote bag", "kind": "ITEM_KIND_GOOD", "productType": "apparel"}])
case("clinic_sells_appointment_allowed", ALLOW, business__vertical="medical_device",
     message__items=[{"name": "Fitting appointment", "kind": "ITEM_KIND_SERVICE", "productType": "appointment"}])
# government
case("government_not_enrolled", DENY, ["government.not_enrolled"], business__vertical="government")
case("government_area_not_allowed", DENY, ["government.area_not_allowed"], business__vertical="government",
     business__governmentProgram={"enrolled": True, "area": "elections"})
case("government_local_allowed", ALLOW, business__vertical="government",
     business__governmentProgram={"enrolled": True, "area": "local_government"})
# commerce
case("retail_sells_weapon", DENY, ["commerce.prohibited_item"], message__items=[{"name": "Hunting knife", "kind": "ITEM_KIND_GOOD", "productType": "weapon"}])
case("retail_sells_apparel_allowed", ALLOW, message__items=[{"name": "Boots", "kind": "ITEM_KIND_GOOD", "productType": "apparel"}])
# identifiers requested
case("asks_card_number", DENY, ["identifier.requested.payment_card"], message__text="Please provide your card number and CVV to complete the payment.")
case("asks_card_german", DENY, ["identifier.requested.payment_card"], message__text="Bitte senden Sie uns Ihre Kartennummer für die Zahlung.")
case("card_ending_reference_allowed", ALLOW, message__text="Your payment with the card ending in 1234 was received.")
case("never_ask_notice_allowed", ALLOW, message__text="Reminder: we will never ask for your PIN or card number.")
case("asks_iban_dutch", DENY, ["identifier.requested.bank_account"], message__text="Kunt u uw rekeningnummer doorgeven voor de terugbetaling?")
case("asks_iban_spanish", DENY, ["identifier.requested.bank_account"], message__text="Por favor indique su número de cuenta para el reembolso.")
case("asks_bsn", DENY, ["identifier.requested.national_id"], message__text="Stuur ons uw BSN zodat we uw dossier kunnen openen.")
case("asks_ssn_last4_allowed", ALLOW, message__text="Please confirm the last 4 digits of your SSN.")
case("asks_passport_photo", DENY, ["identifier.requested.document"], optional=["identifier.requested.national_id"],
     message__text="Please upload a photo of your passport to verify your account.")
case("asks_id_copy_french", DENY, ["identifier.requested.document"], optional=["identifier.requested.national_id"],
     message__text="Merci de nous envoyer une copie recto verso de votre carte d'identité.")
# identifiers disclosed
case("discloses_visa", DENY, ["identifier.disclosed.payment_card"], message__text="We charged 4111 1111 1111 1111 for your order.")
case("discloses_fullwidth_card", DENY, ["identifier.disclosed.payment_card"], message__text="Card on file: ４１１１１１１１１１１１１１１１.")
case("card_failing_luhn_allowed", ALLOW, message__text="Reference 4111 1111 1111 1112 for your order.")
case("discloses_iban", DENY, ["identifier.disclosed.bank_account"], message__text="Refund sent to BE68 5390 0754 7034.")
case("masked_iban_allowed", ALLOW, message__text="Refund sent to NL** **** **** **43 00.")
case("discloses_bsn", DENY, ["identifier.disclosed.national_id"], message__text="Uw BSN 111222333 is geregistreerd.")
case("discloses_dni", DENY, ["identifier.disclosed.national_id"], message__text="Su DNI 12345678Z ha sido verificado.")
# advice
case("marketing_without_opt_out_gets_advice", ALLOW, advice=["advice.opt_out_instructions"],
     **marketing("Our winter collection is here: 20% off boots."))
case("marketing_with_stop_button_no_advice", ALLOW,
     message__buttons=[{"type": "BUTTON_TYPE_QUICK_REPLY", "text": "Stop"}], **marketing("Our winter collection is here: 20% off boots."))
# refused
case("bad_phone_refused", None, error=True, recipient__phone="+31 6 abc")
case("missing_business_id_refused", None, error=True, business__id="")
case("unknown_category_refused", None, error=True, message__category=42)
case("text_too_long_refused", None, error=True, message__text="a" * 4097)

with open("cases.jsonl", "w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(cases), "cases")
