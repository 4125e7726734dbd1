package validate

import (
	"strconv"
	"unicode/utf8"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Limits on every field of a request, so that no request costs more to
// decode, validate and decide than the largest honest one. Strings are
// limited in characters (runes) and, where they are identifiers or codes,
// kept short; lists in entries. docs/API.md lists them; the proto comments
// repeat them.
const (
	MaxIDRunes          = 128     // request_id, business.id
	MaxNameRunes        = 256     // business.display_name, message.items[].name
	MaxKeyRunes         = 64      // business.vertical, government_program.area, items[].product_type, consent.channel
	MaxCountryRunes     = 2       // business.country, recipient.country (ISO 3166-1 alpha-2)
	MaxLocaleRunes      = 35      // recipient.locale (a BCP 47 tag)
	MaxTemplateRunes    = 512     // message.template.name
	MaxLanguageRunes    = 16      // message.template.language
	MaxButtonTextRunes  = 64      // message.buttons[].text
	MaxURLRunes         = 2048    // message.buttons[].url
	MaxWordingRunes     = 2048    // consent.wording
	MaxButtons          = 10      // message.buttons
	MaxItems            = 100     // message.items
	MaxScopes           = 8       // consent.scopes
	MaxBatchBytes       = 8 << 20 // a whole CheckBatchRequest, encoded
	maxUTF8BytesPerRune = utf8.UTFMax
)

// MaxEncodedBytes is the encoded size no valid message of v's type
// exceeds, or 0 for a type without a bound: a message larger than this is
// refused before it is decoded.
func MaxEncodedBytes(v any) int {
	switch v.(type) {
	case *sendgatev1.CheckRequest:
		return MaxRequestBytes
	case *sendgatev1.CheckBatchRequest:
		return MaxBatchBytes
	}
	return 0
}

// MaxRequestBytes is the encoded size of the largest request that stays
// within every limit (with room for field tags and lengths): a Check larger
// than this cannot be valid and is refused before it is decoded.
const MaxRequestBytes = 64<<10 + maxUTF8BytesPerRune*(MaxTextRunes+
	2*MaxIDRunes+MaxNameRunes+6*MaxKeyRunes+2*MaxCountryRunes+MaxLocaleRunes+
	MaxTemplateRunes+MaxLanguageRunes+MaxWordingRunes+
	MaxButtons*(MaxButtonTextRunes+MaxURLRunes)+
	MaxItems*(MaxNameRunes+MaxKeyRunes))

// limits adds a violation for every string or list of req over its limit.
func (v *violations) limits(req *sendgatev1.CheckRequest) {
	v.size("request_id", req.GetRequestId(), MaxIDRunes)
	if b := req.GetBusiness(); b != nil {
		v.size("business.id", b.GetId(), MaxIDRunes)
		v.size("business.display_name", b.GetDisplayName(), MaxNameRunes)
		v.size("business.vertical", b.GetVertical(), MaxKeyRunes)
		v.size("business.country", b.GetCountry(), MaxCountryRunes)
		v.size("business.government_program.area", b.GetGovernmentProgram().GetArea(), MaxKeyRunes)
	}
	if r := req.GetRecipient(); r != nil {
		v.size("recipient.country", r.GetCountry(), MaxCountryRunes)
		v.size("recipient.locale", r.GetLocale(), MaxLocaleRunes)
	}
	if m := req.GetMessage(); m != nil {
		if t := m.GetTemplate(); t != nil {
			v.size("message.template.name", t.GetName(), MaxTemplateRunes)
			v.size("message.template.language", t.GetLanguage(), MaxLanguageRunes)
		}
		v.length("message.buttons", len(m.GetButtons()), MaxButtons)
		for i, b := range m.GetButtons() {
			if i == MaxButtons {
				break
			}
			v.sizeAt("message.buttons", i, "text", b.GetText(), MaxButtonTextRunes)
			v.sizeAt("message.buttons", i, "url", b.GetUrl(), MaxURLRunes)
		}
		v.length("message.items", len(m.GetItems()), MaxItems)
		for i, it := range m.GetItems() {
			if i == MaxItems {
				break
			}
			v.sizeAt("message.items", i, "name", it.GetName(), MaxNameRunes)
			v.sizeAt("message.items", i, "product_type", it.GetProductType(), MaxKeyRunes)
		}
	}
	if c := req.GetConsent(); c != nil {
		v.size("consent.channel", c.GetChannel(), MaxKeyRunes)
		v.size("consent.wording", c.GetWording(), MaxWordingRunes)
		v.length("consent.scopes", len(c.GetScopes()), MaxScopes)
	}
}

// size refuses a string of more than limit characters.
func (v *violations) size(field, s string, limit int) {
	if msg := sizeProblem(s, limit); msg != "" {
		v.add(field, msg)
	}
}

// sizeAt is size for a field of a list entry, whose name is built only for
// a violation.
func (v *violations) sizeAt(list string, i int, field, s string, limit int) {
	if msg := sizeProblem(s, limit); msg != "" {
		v.add(list+"["+strconv.Itoa(i)+"]."+field, msg)
	}
}

// sizeProblem describes what is wrong with the size of s, or is empty.
// (Decoding has checked that strings are UTF-8: proto3 requires it.)
func sizeProblem(s string, limit int) string {
	// A string of at most limit bytes has at most as many characters.
	if len(s) > limit {
		if n := utf8.RuneCountInString(s); n > limit {
			return "is " + strconv.Itoa(n) + " characters long; at most " + strconv.Itoa(limit) + " are allowed"
		}
	}
	return ""
}

// length refuses a list of more than limit entries.
func (v *violations) length(field string, n, limit int) {
	if n > limit {
		v.add(field, "has "+strconv.Itoa(n)+" entries; at most "+strconv.Itoa(limit)+" are allowed")
	}
}
