package textscan

import (
	"strings"
	"unicode"
)

// schemeTypes maps every scheme Analyze reports to its identifier type.
var schemeTypes = map[string]string{
	"visa": "payment_card", "mastercard": "payment_card", "amex": "payment_card",
	"discover": "payment_card", "jcb": "payment_card", "unionpay": "payment_card",
	"maestro": "payment_card", "mir": "payment_card",
	"iban":   "bank_account",
	"nl_bsn": "national_id", "us_ssn": "national_id", "uk_nino": "national_id",
	"de_steuer_id": "national_id", "es_dni": "national_id", "es_nie": "national_id",
	"it_codice_fiscale": "national_id", "be_national_number": "national_id",
	"fr_nir": "national_id", "br_cpf": "national_id", "pt_nif": "national_id",
	"in_aadhaar": "national_id",
}

// schemeBits gives every scheme a bit, so sets of schemes are masks.
var schemeBits = func() map[string]uint32 {
	bits := map[string]uint32{}
	for i, s := range sortedKeys(schemeTypes) {
		bits[s] = 1 << i
	}
	return bits
}()

// ibanLengths is the IBAN length per country (ISO 13616 registry).
var ibanLengths = map[[2]byte]int{
	{'a', 'd'}: 24, {'a', 'e'}: 23, {'a', 'l'}: 28, {'a', 't'}: 20, {'a', 'z'}: 28,
	{'b', 'a'}: 20, {'b', 'e'}: 16, {'b', 'g'}: 22, {'b', 'h'}: 22, {'b', 'r'}: 29,
	{'b', 'y'}: 28, {'c', 'h'}: 21, {'c', 'r'}: 22, {'c', 'y'}: 28, {'c', 'z'}: 24,
	{'d', 'e'}: 22, {'d', 'k'}: 18, {'d', 'o'}: 28, {'e', 'e'}: 20, {'e', 'g'}: 29,
	{'e', 's'}: 24, {'f', 'i'}: 18, {'f', 'o'}: 18, {'f', 'r'}: 27, {'g', 'b'}: 22,
	{'g', 'e'}: 22, {'g', 'i'}: 23, {'g', 'l'}: 18, {'g', 'r'}: 27, {'g', 't'}: 28,
	{'h', 'r'}: 21, {'h', 'u'}: 28, {'i', 'e'}: 22, {'i', 'l'}: 23, {'i', 'q'}: 23,
	{'i', 's'}: 26, {'i', 't'}: 27, {'j', 'o'}: 30, {'k', 'w'}: 30, {'k', 'z'}: 20,
	{'l', 'b'}: 28, {'l', 'c'}: 32, {'l', 'i'}: 21, {'l', 't'}: 20, {'l', 'u'}: 20,
	{'l', 'v'}: 21, {'l', 'y'}: 25, {'m', 'c'}: 27, {'m', 'd'}: 24, {'m', 'e'}: 22,
	{'m', 'k'}: 19, {'m', 'r'}: 27, {'m', 't'}: 31, {'m', 'u'}: 30, {'n', 'l'}: 18,
	{'n', 'o'}: 15, {'p', 'k'}: 24, {'p', 'l'}: 28, {'p', 's'}: 29, {'p', 't'}: 25,
	{'q', 'a'}: 29, {'r', 'o'}: 24, {'r', 's'}: 22, {'s', 'a'}: 24, {'s', 'c'}: 31,
	{'s', 'e'}: 24, {'s', 'i'}: 19, {'s', 'k'}: 24, {'s', 'm'}: 27, {'s', 't'}: 25,
	{'s', 'v'}: 28, {'t', 'l'}: 23, {'t', 'n'}: 24, {'t', 'r'}: 26, {'u', 'a'}: 29,
	{'v', 'a'}: 22, {'v', 'g'}: 24, {'x', 'k'}: 20,
}

// cardIIN holds the leading digits of a number, read once per candidate
// start so trying each length costs a few comparisons.
type cardIIN struct {
	d0         byte
	p2, p3, p4 int
}

func readIIN(d []byte) cardIIN {
	return cardIIN{d0: d[0], p2: num(d[:2]), p3: num(d[:3]), p4: num(d[:4])}
}

// cardScheme names the card scheme of a number of length n starting with
// the digits d (at least 4) by its prefix (IIN) and length, or returns ""
// so order numbers are not taken for cards.
func cardScheme(d []byte, n int) string { return readIIN(d).scheme(n) }

// scheme names the card scheme for a number of length n with this IIN.
func (c cardIIN) scheme(n int) string {
	p2, p3, p4 := c.p2, c.p3, c.p4
	switch {
	case c.d0 == 4:
		if n == 13 || n == 16 || n == 19 {
			return "visa"
		}
	case (p2 == 34 || p2 == 37) && n == 15:
		return "amex"
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		if n == 16 {
			return "mastercard"
		}
	case p4 >= 2200 && p4 <= 2204:
		if n >= 16 {
			return "mir"
		}
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65:
		if n >= 16 {
			return "discover"
		}
	case p4 >= 3528 && p4 <= 3589:
		if n >= 16 {
			return "jcb"
		}
	case p2 == 62:
		if n >= 16 {
			return "unionpay"
		}
	}
	switch p4 {
	case 5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763:
		return "maestro"
	}
	return ""
}

// possible reports whether some card scheme and length has this IIN; it
// mirrors scheme's prefixes without the lengths.
func (c cardIIN) possible() bool {
	switch {
	case c.d0 == 4, c.p2 == 34, c.p2 == 37, c.p2 >= 51 && c.p2 <= 55, c.p2 == 62, c.p2 == 65,
		c.p3 >= 644 && c.p3 <= 649, c.p4 == 6011, c.p4 >= 2200 && c.p4 <= 2204,
		c.p4 >= 2221 && c.p4 <= 2720, c.p4 >= 3528 && c.p4 <= 3589:
		return true
	}
	switch c.p4 {
	case 5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763:
		return true
	}
	return false
}

// maskIdentifier keeps the last four characters of the compact identifier
// (and an IBAN's country code) and masks the rest.
func maskIdentifier(scheme, raw string) string {
	var compact [40]byte
	n := 0
	for i := 0; i < len(raw) && n < len(compact); i++ {
		if c := raw[i]; isASCIIAlnum(c) {
			compact[n] = byte(unicode.ToUpper(rune(c)))
			n++
		}
	}
	keep := max(n-4, 0)
	var b strings.Builder
	b.Grow(n + n/4 + 1)
	switch schemeTypes[scheme] {
	case "payment_card":
		for i := 0; i < keep; i++ {
			if i > 0 && i%4 == 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('*')
		}
		b.WriteByte(' ')
		b.Write(compact[keep:n])
	case "bank_account":
		for i := 0; i < n; i++ {
			if i > 0 && i%4 == 0 {
				b.WriteByte(' ')
			}
			if i < 2 || i >= keep {
				b.WriteByte(compact[i])
			} else {
				b.WriteByte('*')
			}
		}
	default:
		for i := 0; i < keep; i++ {
			b.WriteByte('*')
		}
		b.Write(compact[keep:n])
	}
	return b.String()
}
