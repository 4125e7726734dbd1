package textscan

import (
	"strings"
	"testing"
)

func TestAnalyzeFindsIdentifiers(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct {
		name   string
		text   string
		scheme string
		masked string
		// ident is the identifier as written in text, to check the span.
		ident string
	}{
		{"visa_spaced", "Card 4111 1111 1111 1111 exp 12/26", "visa", "**** **** **** 1111", "4111 1111 1111 1111"},
		{"visa_dotted", "Paid with 4111.1111.1111.1111 today", "visa", "**** **** **** 1111", "4111.1111.1111.1111"},
		{"mastercard_dashed", "Use 5555-5555-5555-4444 please", "mastercard", "**** **** **** 4444", "5555-5555-5555-4444"},
		{"mastercard_2_series", "card 2223 0031 2200 3222", "mastercard", "**** **** **** 3222", "2223 0031 2200 3222"},
		{"amex", "Amex 3782 822463 10005 on file", "amex", "**** **** *** 0005", "3782 822463 10005"},
		{"discover", "6011111111111117", "discover", "**** **** **** 1117", "6011111111111117"},
		{"jcb", "JCB 3530111333300000", "jcb", "**** **** **** 0000", "3530111333300000"},
		{"unionpay", "card: 6200000000000005.", "unionpay", "**** **** **** 0005", "6200000000000005"},
		{"mir", "Мир 2200000000000004", "mir", "**** **** **** 0004", "2200000000000004"},
		{"maestro", "Maestro 6759 6498 2643 8453", "maestro", "**** **** **** 8453", "6759 6498 2643 8453"},
		{"iban_nl_spaced", "Refund to NL91 ABNA 0417 1643 00.", "iban", "NL** **** **** **43 00", "NL91 ABNA 0417 1643 00"},
		{"iban_lower_case", "rekening nl91abna0417164300 ok", "iban", "NL** **** **** **43 00", "nl91abna0417164300"},
		{"iban_be", "Refund sent to BE68 5390 0754 7034.", "iban", "BE** **** **** 7034", "BE68 5390 0754 7034"},
		{"iban_de", "IBAN DE89 3704 0044 0532 0130 00", "iban", "DE** **** **** **** **30 00", "DE89 3704 0044 0532 0130 00"},
		{"iban_fr_letter_in_bban", "FR14 2004 1010 0505 0001 3M02 606", "iban", "FR** **** **** **** **** ***2 606", "FR14 2004 1010 0505 0001 3M02 606"},
		{"iban_es", "ES91 2100 0418 4502 0005 1332", "iban", "ES** **** **** **** **** 1332", "ES91 2100 0418 4502 0005 1332"},
		{"iban_gb", "GB29 NWBK 6016 1331 9268 19", "iban", "GB** **** **** **** **68 19", "GB29 NWBK 6016 1331 9268 19"},
		{"iban_it", "IT60X0542811101000000123456", "iban", "IT** **** **** **** **** ***3 456", "IT60X0542811101000000123456"},
		{"iban_pt", "PT50 0002 0123 1234 5678 9015 4", "iban", "PT** **** **** **** **** *015 4", "PT50 0002 0123 1234 5678 9015 4"},
		{"iban_line_break", "Refund to NL91 ABNA\n0417 1643 00.", "iban", "NL** **** **** **43 00", "NL91 ABNA\n0417 1643 00"},
		{"nl_bsn_with_context", "Uw BSN is 111222333.", "nl_bsn", "*****2333", "111222333"},
		{"nl_bsn_dotted", "burgerservicenummer 1112.22.333", "nl_bsn", "*****2333", "1112.22.333"},
		{"nl_bsn_eight_digits", "BSN: 12345672", "nl_bsn", "****5672", "12345672"},
		{"us_ssn_dashed", "Applicant 123-45-6789 approved", "us_ssn", "*****6789", "123-45-6789"},
		{"us_ssn_bare_with_context", "SSN 123456789", "us_ssn", "*****6789", "123456789"},
		{"uk_nino_spaced", "NI number AB 12 34 56 C", "uk_nino", "*****456C", "AB 12 34 56 C"},
		{"uk_nino_compact", "AB123456C", "uk_nino", "*****456C", "AB123456C"},
		{"de_steuer_id", "Ihre Steuer-ID: 86095742719", "de_steuer_id", "*******2719", "86095742719"},
		{"es_dni", "DNI 12345678Z", "es_dni", "*****678Z", "12345678Z"},
		{"es_dni_hyphen", "con documento 12345678-Z", "es_dni", "*****678Z", "12345678-Z"},
		{"es_nie", "NIE X1234567L", "es_nie", "*****567L", "X1234567L"},
		{"it_codice_fiscale", "CF RSSMRA85T10A562S", "it_codice_fiscale", "************562S", "RSSMRA85T10A562S"},
		{"be_national_number_formatted", "nr 85.07.30-033.28", "be_national_number", "*******3328", "85.07.30-033.28"},
		{"be_national_number_with_context", "Rijksregisternummer 85073003328", "be_national_number", "*******3328", "85073003328"},
		{"fr_nir_spaced", "Numéro de sécurité sociale : 2 55 08 14 168 025 38", "fr_nir", "***********2538", "2 55 08 14 168 025 38"},
		{"br_cpf_punctuated", "cliente 529.982.247-25", "br_cpf", "*******4725", "529.982.247-25"},
		{"br_cpf_with_context", "CPF 52998224725", "br_cpf", "*******4725", "52998224725"},
		{"pt_nif_with_context", "NIF 123456789", "pt_nif", "*****6789", "123456789"},
		{"in_aadhaar_with_context", "Aadhaar 2341 2341 2346", "in_aadhaar", "********2346", "2341 2341 2346"},
		{"full_width_card", "Ｃａｒｄ: ４１１１ １１１１ １１１１ １１１１", "visa", "**** **** **** 1111", "４１１１ １１１１ １１１１ １１１１"},
		{"zero_width_card", "pay 4111\u200b1111\u200b1111\u200b1111 now", "visa", "**** **** **** 1111", "4111\u200b1111\u200b1111\u200b1111"},
		{"soft_hyphen_card", "4111\u00ad1111\u00ad1111\u00ad1111", "visa", "**** **** **** 1111", "4111\u00ad1111\u00ad1111\u00ad1111"},
		{"accents_before_card", "Café ☕ — kaart 4111 1111 1111 1111", "visa", "**** **** **** 1111", "4111 1111 1111 1111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := l.Analyze(tt.text)
			if len(f.Identifiers) != 1 {
				t.Fatalf("Analyze(%q) identifiers = %+v, want one %s", tt.text, f.Identifiers, tt.scheme)
			}
			id := f.Identifiers[0]
			if id.Scheme != tt.scheme || id.Masked != tt.masked || id.Type != schemeTypes[tt.scheme] {
				t.Errorf("got %s/%s %q, want %s %q", id.Type, id.Scheme, id.Masked, tt.scheme, tt.masked)
			}
			if got := string([]rune(tt.text)[id.Start:id.End]); got != tt.ident {
				t.Errorf("span [%d,%d) = %q, want %q", id.Start, id.End, got, tt.ident)
			}
		})
	}
}

func TestAnalyzeIgnoresNonIdentifiers(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct{ name, text string }{
		{"visa_off_by_one", "Card 4111 1111 1111 1112"},
		{"order_number_luhn_no_scheme", "Order 1234567890123452 has shipped"},
		{"iban_off_by_one", "Refund to NL91 ABNA 0417 1643 01."},
		{"iban_two_line_breaks", "Refund to NL91 ABNA\n\n0417 1643 00."},
		{"iban_wrong_length", "NL91 ABNA 0417 1643 0"},
		{"bsn_off_by_one", "Uw BSN is 111222334."},
		{"bsn_without_context", "Reference 111222333 confirmed"},
		{"ssn_without_context", "Ticket 123456789"},
		{"ssn_area_666", "Applicant 666-45-6789"},
		{"steuer_id_without_context", "Bestellung 86095742719"},
		{"steuer_id_off_by_one", "Steuer-ID 86095742710"},
		{"dni_wrong_letter", "DNI 12345678A"},
		{"nie_wrong_letter", "NIE X1234567A"},
		{"nino_bad_prefix", "GB123456A"},
		{"codice_fiscale_wrong_check", "RSSMRA85T10A562T"},
		{"be_off_by_one", "Rijksregisternummer 85073003329"},
		{"nir_off_by_one", "sécurité sociale 255081416802539"},
		{"cpf_off_by_one", "529.982.247-26"},
		{"nif_off_by_one", "NIF 123456788"},
		{"aadhaar_off_by_one", "Aadhaar 2341 2341 2347"},
		{"aadhaar_without_context", "2341 2341 2346"},
		{"phone_e164", "Call us on +31612345678 or +1 415 555 2671"},
		{"phone_spaced", "Bel +31 6 1234 5678"},
		{"masked_card", "Card **** **** **** 1111 was charged"},
		{"masked_iban", "Paid from NL** **** **** **43 00"},
		{"card_ending", "Your card ending 1234 expires soon"},
		{"digits_glued_to_letters", "SKU A4111111111111111B"},
		{"dates_and_amounts", "On 2026-11-20 at 14:00 you paid €1.234,56 (order 4711)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f := l.Analyze(tt.text); f.Identifiers != nil {
				t.Errorf("Analyze(%q) identifiers = %+v, want none", tt.text, f.Identifiers)
			}
		})
	}
}

func TestMaskedReferencesArePartials(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct{ text, want string }{
		{"Kaart **** 1234 is geblokkeerd", "**** 1234"},
		{"IBAN NL** **** **** **43 00 ontvangen", "NL** **** **** **43 00"},
		{"card XXXX-XXXX-XXXX-1234", "XXXX-XXXX-XXXX-1234"},
		{"betaald met •••• 4242", "•••• 4242"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f := l.Analyze(tt.text)
			if len(f.Partials) != 1 {
				t.Fatalf("Analyze(%q) partials = %+v, want one", tt.text, f.Partials)
			}
			p := f.Partials[0]
			if got := string([]rune(tt.text)[p.Start:p.End]); got != tt.want {
				t.Errorf("partial span = %q, want %q", got, tt.want)
			}
			if f.Identifiers != nil {
				t.Errorf("masked reference reported as identifier: %+v", f.Identifiers)
			}
		})
	}
}

func TestMaskIdentifierNeverHoldsTheIdentifier(t *testing.T) {
	for _, tt := range []struct{ scheme, raw string }{
		{"visa", "4111 1111 1111 1111"}, {"iban", "nl91abna0417164300"}, {"nl_bsn", "111222333"},
	} {
		m := maskIdentifier(tt.scheme, tt.raw)
		compact := strings.NewReplacer(" ", "").Replace(strings.ToUpper(tt.raw))
		if strings.Contains(strings.ReplaceAll(m, " ", ""), compact) || strings.Count(m, "*") < len(compact)-6 {
			t.Errorf("maskIdentifier(%s, %q) = %q leaks", tt.scheme, tt.raw, m)
		}
	}
}

func TestCardAfterBulletIsFound(t *testing.T) {
	f := shippedLexicon(t).Analyze("* 4111 1111 1111 1111")
	if len(f.Identifiers) != 1 {
		t.Errorf("identifiers = %+v, want the card", f.Identifiers)
	}
}

func TestCardEndingIsPartial(t *testing.T) {
	f := shippedLexicon(t).Analyze("Your card ending 1234 expires soon")
	if len(f.Partials) != 1 || f.Partials[0].Term != "ending" {
		t.Errorf("partials = %+v, want \"ending\"", f.Partials)
	}
}
