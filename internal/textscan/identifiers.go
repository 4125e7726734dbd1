package textscan

// digitGroup is a run of digits in the folded text; sep is the byte that
// separated it from the previous group (0 for the first).
type digitGroup struct {
	start, end int32
	sep        byte
	// off is the index of the group's first digit in analysis.digits.
	off int32
}

// foundID is an identifier found in the folded text.
type foundID struct {
	scheme     string
	start, end int32
	masked     string
}

// maskedRef is a masked identifier ("**** 1234") in the folded text.
type maskedRef struct {
	start, end int32
}

// codeCandidate is a short number that may be a one-time passcode.
type codeCandidate struct {
	start, end int32
}

// scanIdentifiers walks the folded text once, finding identifiers, masked
// references and passcode-sized numbers.
func (a *analysis) scanIdentifiers() {
	s := a.text
	next := -1
	for i := 0; i < len(s); {
		// Every identifier and masked reference holds a digit or a star,
		// and starts a few words before its first one at most; text far
		// from any goes past in a tight loop.
		if i > next {
			next = i
			for next < len(s) && !digitOrStar[s[next]] {
				next++
			}
			if next == len(s) {
				return
			}
			i = tokenStart(s, i, next)
		}
		c := s[i]
		switch {
		case isDigit(c):
			if isWordBefore(s, i) {
				i = skipWord(s, i)
				continue
			}
			i = a.scanNumber(i)
		case isASCIILetter(c):
			if isWordBefore(s, i) {
				i = skipWord(s, i)
				continue
			}
			// Letter-led identifiers have a digit in their first word
			// ("nl91", "x1234567l") or start with a two-letter word
			// ("ab 12 34 56 c"); plain words go past quickly.
			if e, digit := wordEnd(s, i); !digit && e-i != 2 {
				if c == 'x' {
					if e2, ok := a.scanMasked(i); ok {
						i = e2
						continue
					}
				}
				i = e
				continue
			}
			if e := a.scanLetterID(i); e > i {
				i = e
				continue
			}
			if e, ok := a.scanMasked(i); ok {
				i = e
				continue
			}
			i = skipWord(s, i)
		case c == '*':
			if e, ok := a.scanMasked(i); ok {
				i = e
				continue
			}
			// No later star of this run can start a masked reference
			// either; digits after it are still read as numbers.
			for i < len(s) && s[i] == '*' {
				i++
			}
		default:
			i++
		}
	}
}

var digitOrStar = [256]bool{'0': true, '1': true, '2': true, '3': true, '4': true,
	'5': true, '6': true, '7': true, '8': true, '9': true, '*': true}

// tokenStart backs up from byte p over the words and single separators
// that may belong to the same identifier ("nl91", "ab 12 34 56 c",
// "xxxx xxxx xxxx-1234"), at most tokenReach bytes and not before lo
// (where scanning stands), and returns a word start or lo.
func tokenStart(s string, lo, p int) int {
	const tokenReach = 40
	k := p
	for k > lo && p-k < tokenReach {
		c := s[k-1]
		if isASCIIAlnum(c) || c == '*' || c >= 0x80 ||
			(isDigitSep(c) && k >= 2 && (isASCIIAlnum(s[k-2]) || s[k-2] == '*')) {
			k--
			continue
		}
		break
	}
	if k == lo {
		return lo
	}
	for k < p && (isWordBefore(s, k) || s[k] == ' ') {
		k++
	}
	return k
}

func skipWord(s string, i int) int {
	for i < len(s) && (isASCIIAlnum(s[i]) || s[i] >= 0x80) {
		i++
	}
	return i
}

// wordEnd returns the end of the word at i and whether it holds a digit.
func wordEnd(s string, i int) (int, bool) {
	digit := false
	for i < len(s) && (isASCIIAlnum(s[i]) || s[i] >= 0x80) {
		digit = digit || isDigit(s[i])
		i++
	}
	return i, digit
}

func isDigitSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '/' || c == '\n' }

// scanNumber reads a token of digit groups joined by single separators at
// i and tries every window of whole groups against the numeric schemes.
func (a *analysis) scanNumber(i int) int {
	s := a.text
	groups := a.groups[:0]
	digits := a.digits[:0]
	j := i
	var sep byte
	for {
		st := j
		off := int32(len(digits))
		for j < len(s) && isDigit(s[j]) {
			digits = append(digits, s[j]-'0')
			j++
		}
		groups = append(groups, digitGroup{start: int32(st), end: int32(j), sep: sep, off: off})
		if j+1 < len(s) && isDigitSep(s[j]) && isDigit(s[j+1]) {
			sep = s[j]
			j++
			continue
		}
		break
	}
	a.groups, a.digits = groups, digits
	end := j
	// A number right after "+" is a phone number, never an identifier.
	if i > 0 && (s[i-1] == '+' || (s[i-1] == ' ' && i > 1 && s[i-2] == '+')) {
		return end
	}
	last := groups[len(groups)-1]
	if end+1 < len(s) && s[end] == '-' && isASCIILetter(s[end+1]) {
		if e := a.tryDNI(groups, end+1); e > 0 {
			return e
		}
	}
	if end < len(s) && isASCIILetter(s[end]) {
		if e := a.tryDNI(groups, end); e > 0 {
			return e
		}
		// Digits glued to letters are a code, not a number.
		groups = groups[:len(groups)-1]
		end = int(last.start)
	}
	idsBefore := len(a.ids)
	for g := 0; g < len(groups); {
		if n := a.tryWindows(groups, g); n > 0 {
			g += n
			continue
		}
		g++
	}
	a.collectCodes(groups, a.ids[idsBefore:])
	return max(end, int(last.end))
}

// tryWindows tries the longest run of groups starting at g first and
// records the first identifier found; it returns how many groups it used.
func (a *analysis) tryWindows(groups []digitGroup, g int) int {
	// Most starts are ruled out at once: national numbers need a context
	// word in the text or a first group as long as a layout's (SSN 3-2-4,
	// CPF 3.3.3-2, BE 2.2.2-3.2), cards a known prefix. So long digit runs
	// stay linear.
	first := groups[g].end - groups[g].start
	nationalOK := a.ctxAll != 0 || first == 2 || first == 3
	var iin cardIIN
	cardOK := false
	if rest := a.digits[groups[g].off:]; len(rest) >= 12 && rest[0] != 0 {
		iin = readIIN(rest)
		cardOK = iin.possible()
	}
	if !nationalOK && !cardOK {
		return 0
	}
	total := 0
	last := g
	for k := g; k < len(groups); k++ {
		total += int(groups[k].end - groups[k].start)
		if total > 19 {
			break
		}
		last = k
	}
	for k := last; k >= g; k-- {
		d := a.digits[groups[g].off : groups[k].off+groups[k].end-groups[k].start]
		if len(d) < 8 {
			break
		}
		scheme := ""
		if cardOK && len(d) >= 12 {
			if sc := iin.scheme(len(d)); sc != "" && luhnValid(d) {
				scheme = sc
			}
		}
		if scheme == "" && nationalOK {
			scheme = a.nationalScheme(d, groups[g:k+1])
		}
		if scheme != "" {
			a.addID(scheme, groups[g].start, groups[k].end)
			return k - g + 1
		}
	}
	return 0
}

// nationalScheme returns the national-id scheme of the digit string d read
// from groups, requiring an identifier_context word for schemes whose bare
// numbers are ambiguous.
func (a *analysis) nationalScheme(d []byte, groups []digitGroup) string {
	start, end := groups[0].start, groups[len(groups)-1].end
	// Cheap tests first: the context or layout, then the checksum.
	ctx := func(scheme string) bool { return a.hasContext(scheme, start, end) }
	switch len(d) {
	case 8:
		if ctx("nl_bsn") {
			var b [9]byte
			copy(b[1:], d)
			if bsnValid(b[:]) {
				return "nl_bsn"
			}
		}
	case 9:
		if (layout(groups, "3-2-4") || ctx("us_ssn")) && ssnValid(d) {
			return "us_ssn"
		}
		if ctx("nl_bsn") && bsnValid(d) {
			return "nl_bsn"
		}
		if ctx("pt_nif") && nifValid(d) {
			return "pt_nif"
		}
	case 11:
		if (layout(groups, "3.3.3-2") || ctx("br_cpf")) && cpfValid(d) {
			return "br_cpf"
		}
		if (layout(groups, "2.2.2-3.2") || ctx("be_national_number")) && beNationalValid(d) {
			return "be_national_number"
		}
		if ctx("de_steuer_id") && steuerIDValid(d) {
			return "de_steuer_id"
		}
	case 12:
		if ctx("in_aadhaar") && aadhaarValid(d) {
			return "in_aadhaar"
		}
	case 15:
		if ctx("fr_nir") && nirValid(d) {
			return "fr_nir"
		}
	}
	return ""
}

// layout reports whether the groups have exactly the given shape, e.g.
// "3-2-4": group lengths with the separators between them.
func layout(groups []digitGroup, shape string) bool {
	g := 0
	for i := 0; i < len(shape); i++ {
		if g >= len(groups) {
			return false
		}
		n := int(shape[i] - '0')
		if int(groups[g].end-groups[g].start) != n {
			return false
		}
		if i+1 < len(shape) {
			i++
			g++
			if g >= len(groups) || groups[g].sep != shape[i] {
				return false
			}
		}
	}
	return g == len(groups)-1
}

// tryDNI checks for a Spanish DNI: 8 digits and a control letter, glued
// or after a hyphen. It returns the end of the DNI or 0.
func (a *analysis) tryDNI(groups []digitGroup, letterAt int) int {
	s := a.text
	if letterAt+1 < len(s) && isWordAt(s, letterAt+1) {
		return 0
	}
	var buf [8]byte
	d := buf[:0]
	for _, g := range groups {
		for p := g.start; p < g.end; p++ {
			if len(d) == 8 {
				return 0
			}
			d = append(d, s[p]-'0')
		}
	}
	if len(d) != 8 || !dniLetterValid(num(d), s[letterAt]) {
		return 0
	}
	a.addID("es_dni", groups[0].start, int32(letterAt+1))
	return letterAt + 1
}
