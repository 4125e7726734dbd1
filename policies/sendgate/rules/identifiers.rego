# METADATA
# title: Sensitive identifiers
# description: >-
#   "Don't share or ask people to share full length individual payment card
#   numbers, financial account numbers, personal ID card numbers, or other
#   sensitive identifiers." Template review adds: not requesting documents that
#   may contain them; partial identifiers ("last 4 digits of your SSN") are OK.
#   The Go text analysis finds the requests (a request cue and an identifier
#   noun in one clause, not negated, not partial) and the checksum-valid
#   identifiers; these rules decide on its findings.
package sendgate.rules.identifiers

import data.sendgate.facts

# METADATA
# title: Asks for a sensitive identifier
# description: >-
#   The text asks the recipient to share an identifier of a type that
#   requested holds; the reason is that entry's, with the asking clause as
#   evidence.
deny contains {"code": r.code, "message": r.message, "evidence": request.evidence} if {
	some request in facts.findings.requests
	r := requested[request.type]
}

# METADATA
# title: Discloses a sensitive identifier
# description: >-
#   The text contains a full identifier of a type that disclosed holds, other
#   than one of the business's own accounts; the reason is that entry's, with
#   the masked identifier as evidence.
deny contains {"code": r.code, "message": r.message, "evidence": identifier.masked} if {
	some identifier in facts.findings.identifiers
	r := disclosed[identifier.type]
	not facts.own_account(identifier)
}

# METADATA
# title: Asks for a payment card number
# description: >-
#   "Don't ... ask people to share full length individual payment card
#   numbers." The text asks the recipient to share a payment card number (or
#   its CVV or expiry date).
# custom:
#   code: identifier.requested.payment_card
requested["payment_card"] := {
	"code": "identifier.requested.payment_card",
	"message": "The text asks the recipient for payment card details. Never collect card numbers, CVVs or expiry dates in a chat; send a link to a secure payment page instead.",
}

# METADATA
# title: Asks for a bank account number
# description: >-
#   "Don't ... ask people to share ... financial account numbers." The text asks
#   for a bank account number, IBAN or other financial account number.
# custom:
#   code: identifier.requested.bank_account
requested["bank_account"] := {
	"code": "identifier.requested.bank_account",
	"message": "The text asks the recipient for a bank account number. Never collect account numbers or IBANs in a chat; use a secure form or payment page instead.",
}

# METADATA
# title: Asks for a personal ID number
# description: >-
#   "Don't ... ask people to share ... personal ID card numbers, or other
#   sensitive identifiers." The text asks for a personal ID number (BSN, SSN,
#   passport or national ID card number, ...).
# custom:
#   code: identifier.requested.national_id
requested["national_id"] := {
	"code": "identifier.requested.national_id",
	"message": "The text asks the recipient for a personal ID number. Never collect ID, passport or social security numbers in a chat; use a secure form instead.",
}

# METADATA
# title: Asks for a copy of an ID document or bank card
# description: >-
#   Template review: not requesting documents that may contain sensitive
#   identifiers. The text asks for a photo, scan or copy of an ID document,
#   bank card or bank statement.
# custom:
#   code: identifier.requested.document
requested["document"] := {
	"code": "identifier.requested.document",
	"message": "The text asks the recipient for a photo, scan or copy of an ID document, bank card or bank statement. Never collect such documents in a chat; use a secure upload page instead.",
}

# METADATA
# title: Discloses a payment card number
# description: >-
#   "Don't share ... full length individual payment card numbers." The text
#   contains a full card number that passes the Luhn check.
# custom:
#   code: identifier.disclosed.payment_card
disclosed["payment_card"] := {
	"code": "identifier.disclosed.payment_card",
	"message": "The text contains a full payment card number. Show at most its last 4 digits.",
}

# METADATA
# title: Discloses a bank account number
# description: >-
#   "Don't share ... full length ... financial account numbers." The text
#   contains a full IBAN that passes the mod-97 check.
# custom:
#   code: identifier.disclosed.bank_account
disclosed["bank_account"] := {
	"code": "identifier.disclosed.bank_account",
	"message": "The text contains a full IBAN. Show at most its last 4 characters.",
}

# METADATA
# title: Discloses a personal ID number
# description: >-
#   "Don't share ... personal ID card numbers, or other sensitive identifiers."
#   The text contains a national ID number that passes its country's checksum.
# custom:
#   code: identifier.disclosed.national_id
disclosed["national_id"] := {
	"code": "identifier.disclosed.national_id",
	"message": "The text contains a full personal ID number. Remove it, or show at most its last few characters.",
}
