package textscan

import "testing"

// digitsOf turns "123" into the digit values the checksum functions take.
func digitsOf(s string) []byte {
	d := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		d = append(d, s[i]-'0')
	}
	return d
}

// offByOne changes the last digit, the smallest typo a checksum must catch.
func offByOne(s string) string {
	b := []byte(s)
	last := len(b) - 1
	b[last] = '0' + (b[last]-'0'+1)%10
	return string(b)
}

func TestChecksums(t *testing.T) {
	tests := []struct {
		scheme string
		valid  string
		check  func([]byte) bool
	}{
		{"luhn/visa", "4111111111111111", luhnValid},
		{"luhn/mastercard", "5555555555554444", luhnValid},
		{"luhn/amex", "378282246310005", luhnValid},
		{"nl_bsn", "111222333", bsnValid},
		{"nl_bsn/second", "123456782", bsnValid},
		{"de_steuer_id", "86095742719", steuerIDValid},
		{"de_steuer_id/second", "65189523907", steuerIDValid},
		{"be_national_number/before_2000", "85073003328", beNationalValid},
		{"be_national_number/from_2000", "01020300467", beNationalValid},
		{"fr_nir", "255081416802538", nirValid},
		{"fr_nir/second", "185077512345608", nirValid},
		{"br_cpf", "52998224725", cpfValid},
		{"br_cpf/second", "11144477735", cpfValid},
		{"pt_nif", "123456789", nifValid},
		{"pt_nif/company", "501234560", nifValid},
		{"in_aadhaar", "234123412346", aadhaarValid},
		{"in_aadhaar/second", "498765432102", aadhaarValid},
	}
	for _, tt := range tests {
		t.Run(tt.scheme+"/valid", func(t *testing.T) {
			if !tt.check(digitsOf(tt.valid)) {
				t.Errorf("%s rejected", tt.valid)
			}
		})
		t.Run(tt.scheme+"/last_digit_off_by_one", func(t *testing.T) {
			bad := offByOne(tt.valid)
			if tt.check(digitsOf(bad)) {
				t.Errorf("%s accepted", bad)
			}
		})
	}
}

func TestChecksumRejectsStructure(t *testing.T) {
	tests := []struct {
		name  string
		ok    bool
		check func() bool
	}{
		{"ssn_valid", true, func() bool { return ssnValid(digitsOf("123456789")) }},
		{"ssn_area_000", false, func() bool { return ssnValid(digitsOf("000456789")) }},
		{"ssn_area_666", false, func() bool { return ssnValid(digitsOf("666456789")) }},
		{"ssn_area_9xx", false, func() bool { return ssnValid(digitsOf("912456789")) }},
		{"ssn_group_00", false, func() bool { return ssnValid(digitsOf("123006789")) }},
		{"ssn_serial_0000", false, func() bool { return ssnValid(digitsOf("123450000")) }},
		{"bsn_all_zero", false, func() bool { return bsnValid(digitsOf("000000000")) }},
		{"cpf_repdigit", false, func() bool { return cpfValid(digitsOf("11111111111")) }},
		{"steuer_id_leading_zero", false, func() bool { return steuerIDValid(digitsOf("06095742719")) }},
		{"aadhaar_leading_1", false, func() bool { return aadhaarValid(digitsOf("134123412346")) }},
		{"nif_bad_leading_digit", false, func() bool { return nifValid(digitsOf("423456789")) }},
		{"dni_valid", true, func() bool { return dniLetterValid(12345678, 'z') }},
		{"dni_wrong_letter", false, func() bool { return dniLetterValid(12345678, 'y') }},
		{"nino_valid", true, func() bool { return ninoValid('a', 'b', 'c') }},
		{"nino_bad_prefix_gb", false, func() bool { return ninoValid('g', 'b', 'a') }},
		{"nino_bad_first_letter", false, func() bool { return ninoValid('d', 'a', 'a') }},
		{"nino_bad_suffix", false, func() bool { return ninoValid('a', 'b', 'e') }},
		{"codice_fiscale_valid", true, func() bool { return codiceFiscaleValid(("rssmra85t10a562s")) }},
		{"codice_fiscale_omocodia", true, func() bool { return codiceFiscaleValid(("mrtmtt91d08f205j")) }},
		{"codice_fiscale_wrong_check", false, func() bool { return codiceFiscaleValid(("rssmra85t10a562t")) }},
		{"codice_fiscale_bad_month", false, func() bool { return codiceFiscaleValid(("rssmra85z10a562s")) }},
		{"iban_nl", true, func() bool { return ibanValid([]byte("nl91abna0417164300")) }},
		{"iban_nl_off_by_one", false, func() bool { return ibanValid([]byte("nl91abna0417164301")) }},
		{"iban_fr_with_letter", true, func() bool { return ibanValid([]byte("fr1420041010050500013m02606")) }},
		{"iban_bad_char", false, func() bool { return ibanValid([]byte("nl91abna04171643*0")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(); got != tt.ok {
				t.Errorf("got %v, want %v", got, tt.ok)
			}
		})
	}
}

func TestCardScheme(t *testing.T) {
	tests := map[string]string{
		"4111111111111111":    "visa",
		"4222222222222":       "visa",
		"5555555555554444":    "mastercard",
		"2223003122003222":    "mastercard",
		"378282246310005":     "amex",
		"6011111111111117":    "discover",
		"6445644564456445":    "discover",
		"3530111333300000":    "jcb",
		"6200000000000005":    "unionpay",
		"2200000000000004":    "mir",
		"6759649826438453":    "maestro",
		"1234567890123456":    "",
		"9876543210987654321": "",
		"371449635398431000":  "", // Amex prefix at the wrong length
	}
	for digits, want := range tests {
		t.Run(digits, func(t *testing.T) {
			if got := cardScheme(digitsOf(digits), len(digits)); got != want {
				t.Errorf("cardScheme(%s) = %q, want %q", digits, got, want)
			}
		})
	}
}

// TestCardIINPossibleAgreesWithScheme keeps the quick prefix test in step
// with the scheme table.
func TestCardIINPossibleAgreesWithScheme(t *testing.T) {
	for p := 0; p < 10000; p++ {
		c := readIIN([]byte{byte(p / 1000), byte(p / 100 % 10), byte(p / 10 % 10), byte(p % 10)})
		some := false
		for n := 12; n <= 19; n++ {
			some = some || c.scheme(n) != ""
		}
		if some != c.possible() {
			t.Errorf("prefix %04d: scheme for some length %v, possible %v", p, some, c.possible())
		}
	}
}
