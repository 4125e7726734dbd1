package textscan

// scanLetterID tries the identifiers that start with a letter (IBAN, NIE,
// UK NINO, codice fiscale) at the word start i and returns the end of the
// one found, or i.
func (a *analysis) scanLetterID(i int) int {
	s := a.text
	if e := a.tryIBAN(i); e > i {
		return e
	}
	if e := a.tryNIE(i); e > i {
		return e
	}
	if e := a.tryNINO(i); e > i {
		return e
	}
	if i+16 <= len(s) && !isWordAt(s, i+16) {
		if codiceFiscaleValid(s[i : i+16]) {
			a.addID("it_codice_fiscale", int32(i), int32(i+16))
			return i + 16
		}
	}
	return i
}

// tryIBAN reads country letters, check digits and the BBAN for that
// country's length, allowing single spaces, hyphens, dots or line breaks
// between.
func (a *analysis) tryIBAN(i int) int {
	s := a.text
	if i+4 > len(s) || !isASCIILetter(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return i
	}
	want, ok := ibanLengths[[2]byte{s[i], s[i+1]}]
	if !ok {
		return i
	}
	var buf [34]byte
	n := 0
	j := i
	for n < want && j < len(s) {
		c := s[j]
		switch {
		case isASCIIAlnum(c):
			buf[n] = c
			n++
			j++
		case n > 0 && (c == ' ' || c == '-' || c == '.' || c == '\n') && j+1 < len(s) && isASCIIAlnum(s[j+1]):
			j++
		default:
			return i
		}
	}
	if n != want || isWordAt(s, j) || !ibanValid(buf[:n]) {
		return i
	}
	a.addID("iban", int32(i), int32(j))
	return j
}

// tryNIE checks a Spanish foreigner number: X, Y or Z, 7 digits, letter.
func (a *analysis) tryNIE(i int) int {
	s := a.text
	var lead int
	switch s[i] {
	case 'x':
		lead = 0
	case 'y':
		lead = 1
	case 'z':
		lead = 2
	default:
		return i
	}
	j := i + 1
	if j < len(s) && s[j] == '-' {
		j++
	}
	n := lead
	for k := 0; k < 7; k++ {
		if j >= len(s) || !isDigit(s[j]) {
			return i
		}
		n = n*10 + int(s[j]-'0')
		j++
	}
	if j < len(s) && s[j] == '-' {
		j++
	}
	if j >= len(s) || !isASCIILetter(s[j]) || isWordAt(s, j+1) || !dniLetterValid(n, s[j]) {
		return i
	}
	a.addID("es_nie", int32(i), int32(j+1))
	return j + 1
}

// tryNINO checks a UK National Insurance number: two letters, six digits
// (optionally in pairs), suffix A–D.
func (a *analysis) tryNINO(i int) int {
	s := a.text
	if i+9 > len(s) || !isASCIILetter(s[i+1]) {
		return i
	}
	j := i + 2
	digits := 0
	for digits < 6 {
		if j < len(s) && s[j] == ' ' && digits%2 == 0 {
			j++
		}
		if j >= len(s) || !isDigit(s[j]) {
			return i
		}
		digits++
		j++
	}
	if j < len(s) && s[j] == ' ' {
		j++
	}
	if j >= len(s) || isWordAt(s, j+1) || !ninoValid(s[i], s[i+1], s[j]) {
		return i
	}
	a.addID("uk_nino", int32(i), int32(j+1))
	return j + 1
}

// scanMasked finds a masked reference such as "**** 1234",
// "xxxx-xxxx-xxxx-1234" or "nl** **** **** **43 00" starting at i. It
// returns its end and true, or i and false.
func (a *analysis) scanMasked(i int) (int, bool) {
	s := a.text
	start := i
	// A country code glued to the mask ("nl**") belongs to it.
	if s[i] == '*' && i >= 2 && isASCIILetter(s[i-1]) && isASCIILetter(s[i-2]) && !isWordBefore(s, i-2) {
		start = i - 2
	}
	masks, digits := 0, 0
	j := i
	end := i
	for j < len(s) {
		c := s[j]
		switch {
		case c == '*' || (c == 'x' && (masks > 0 || j == i)):
			masks++
		case isDigit(c):
			digits++
		case (c == ' ' || c == '-' || c == '.' || c == '/') && j+1 < len(s) &&
			(s[j+1] == '*' || s[j+1] == 'x' || isDigit(s[j+1])):
		default:
			goto done
		}
		j++
		if c != ' ' && c != '-' && c != '.' && c != '/' {
			end = j
		}
	}
done:
	if masks < 2 || digits < 2 || isWordAt(s, end) {
		return i, false
	}
	a.masked = append(a.masked, maskedRef{start: int32(start), end: int32(end)})
	return end, true
}
