package decisionlog

import "testing"

func TestMaskDigits(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"no_digits", "buy now", "buy now"},
		{"short_numbers_kept", "order 12345 on 12 May", "order 12345 on 12 May"},
		{"card_spaced", "card 4111 1111 1111 1111 ok", "card **** **** **** 1111 ok"},
		{"card_dashed", "4111-1111-1111-1111", "****-****-****-1111"},
		{"card_compact", "4111111111111111", "************1111"},
		{"phone_e164", "+31612345678", "+*******5678"},
		{"phone_parens", "(020) 555-1234", "(***) ***-1234"},
		{"iban_compact", "NL91ABNA0417164300", "**************4300"},
		{"iban_spaced", "NL91 ABNA 0417 1643 00", "NL91 ABNA **** **43 00"},
		{"bsn_dotted", "BSN 1234.56.782", "BSN ****.*6.782"},
		{"tax_code_token", "RSSMRA85T10A562S", "************562S"},
		{"already_masked", "NL** **** **** 4300", "NL** **** **** 4300"},
		{"six_digits", "code 123456", "code **3456"},
		{"unicode_text", "café 1234 5678 90 €", "café **** **78 90 €"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MaskDigits(c.in); got != c.want {
				t.Errorf("MaskDigits(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
