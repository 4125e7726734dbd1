package textscan

// Checksums of the identifier schemes. Every function takes the digits as
// values 0–9 (not ASCII) so callers can reuse one buffer.

// luhnValid is the card check: doubling every second digit from the right.
func luhnValid(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return len(d) > 0 && sum%10 == 0
}

// ibanValid applies ISO 13616 mod-97 to a compact, lower-case IBAN.
func ibanValid(s []byte) bool {
	if len(s) < 5 {
		return false
	}
	rem := 0
	add := func(c byte) bool {
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'a' && c <= 'z':
			rem = (rem*100 + int(c-'a') + 10) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range s[4:] {
		if !add(c) {
			return false
		}
	}
	for _, c := range s[:4] {
		if !add(c) {
			return false
		}
	}
	return rem == 1
}

// bsnValid is the Dutch elfproef on 9 digits: 9·d1+…+2·d8 − d9 ≡ 0 (mod 11), > 0.
func bsnValid(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += (9 - i) * int(d[i])
	}
	sum -= int(d[8])
	return sum > 0 && sum%11 == 0
}

// ssnValid applies the US area/group/serial rules; there is no checksum.
func ssnValid(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area := num(d[0:3])
	group := num(d[3:5])
	serial := num(d[5:9])
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

// steuerIDValid is ISO 7064 MOD 11,10 on the German tax id.
func steuerIDValid(d []byte) bool {
	if len(d) != 11 || d[0] == 0 {
		return false
	}
	product := 10
	for i := 0; i < 10; i++ {
		sum := (int(d[i]) + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (sum * 2) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check == int(d[10])
}

const dniLetters = "trwagmyfpdxbnjzsqvhlcke"

// dniLetterValid checks the Spanish DNI/NIE control letter for number n.
func dniLetterValid(n int, letter byte) bool {
	return dniLetters[n%23] == letter
}

// beNationalValid checks the Belgian national number (YYMMDD SSS CC),
// trying the pre-2000 and the 2000-and-later rule.
func beNationalValid(d []byte) bool {
	if len(d) != 11 {
		return false
	}
	month := num(d[2:4])
	day := num(d[4:6])
	// Months above 12 mark bis-numbers (+20, +40); 00 means unknown.
	if month%20 > 12 || month > 52 || day > 31 {
		return false
	}
	base := num(d[0:9])
	check := num(d[9:11])
	return 97-base%97 == check || 97-(2000000000+base)%97 == check
}

// nirValid checks the French social security number key.
func nirValid(d []byte) bool {
	if len(d) != 15 {
		return false
	}
	if d[0] != 1 && d[0] != 2 && d[0] != 3 && d[0] != 4 && d[0] != 7 && d[0] != 8 {
		return false
	}
	if m := num(d[3:5]); m == 0 || (m > 12 && m < 20) || m > 42 && m < 50 {
		return false
	}
	return 97-num(d[0:13])%97 == num(d[13:15])
}

// cpfValid checks the two Brazilian CPF mod-11 digits and rejects repdigits.
func cpfValid(d []byte) bool {
	if len(d) != 11 {
		return false
	}
	same := true
	for _, v := range d[1:] {
		if v != d[0] {
			same = false
			break
		}
	}
	if same {
		return false
	}
	for k := 9; k <= 10; k++ {
		sum := 0
		for i := 0; i < k; i++ {
			sum += int(d[i]) * (k + 1 - i)
		}
		r := sum * 10 % 11
		if r == 10 {
			r = 0
		}
		if r != int(d[k]) {
			return false
		}
	}
	return true
}

// nifValid checks the Portuguese NIF mod-11 digit and its leading digit.
func nifValid(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	switch d[0] {
	case 1, 2, 3, 5, 6, 8, 9:
	default:
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(d[i]) * (9 - i)
	}
	check := 11 - sum%11
	if check >= 10 {
		check = 0
	}
	return check == int(d[8])
}

var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// aadhaarValid checks the Indian Aadhaar number: 12 digits, first 2–9, Verhoeff.
func aadhaarValid(d []byte) bool {
	if len(d) != 12 || d[0] < 2 {
		return false
	}
	c := byte(0)
	for i := 0; i < 12; i++ {
		c = verhoeffD[c][verhoeffP[i%8][d[11-i]]]
	}
	return c == 0
}

// Odd-position values of the Italian codice fiscale check, indexed by
// digit value (0–9) or letter (a–z).
var (
	cfOddDigit  = [10]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21}
	cfOddLetter = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
)

// codiceFiscaleValid checks the layout (with omocodia letters in digit
// places) and the control letter of a lower-case 16-character code.
func codiceFiscaleValid(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 0, 1, 2, 3, 4, 5, 8, 11, 15:
			if !isASCIILetter(c) {
				return false
			}
		default:
			if !isDigit(c) && !(c >= 'l' && c <= 'v' && c != 'o') {
				return false
			}
		}
	}
	if !isMonthLetter(s[8]) {
		return false
	}
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		if i%2 == 0 {
			if isDigit(c) {
				sum += cfOddDigit[c-'0']
			} else {
				sum += cfOddLetter[c-'a']
			}
		} else {
			if isDigit(c) {
				sum += int(c - '0')
			} else {
				sum += int(c - 'a')
			}
		}
	}
	return s[15] == byte('a'+sum%26)
}

func isMonthLetter(c byte) bool {
	switch c {
	case 'a', 'b', 'c', 'd', 'e', 'h', 'l', 'm', 'p', 'r', 's', 't':
		return true
	}
	return false
}

// ninoValid applies the UK National Insurance number letter rules to the
// two prefix letters and the suffix letter.
func ninoValid(a, b, suffix byte) bool {
	switch a {
	case 'd', 'f', 'i', 'q', 'u', 'v':
		return false
	}
	switch b {
	case 'd', 'f', 'i', 'o', 'q', 'u', 'v':
		return false
	}
	switch string([]byte{a, b}) {
	case "bg", "gb", "kn", "nk", "nt", "tn", "zz":
		return false
	}
	return suffix >= 'a' && suffix <= 'd'
}

// num reads digit values as a decimal number.
func num(d []byte) int {
	n := 0
	for _, v := range d {
		n = n*10 + int(v)
	}
	return n
}
