package textscan

// collectCodes keeps numbers shaped like a one-time passcode: 4–8 digits
// in one group, or in two or three short groups joined by blanks or
// hyphens ("123-456", "12 34 56").
func (a *analysis) collectCodes(groups []digitGroup, tokenIDs []foundID) {
	if len(groups) == 0 || len(groups) > 3 {
		return
	}
	n := 0
	for k, g := range groups {
		size := int(g.end - g.start)
		n += size
		if k > 0 && ((g.sep != '-' && g.sep != ' ') || size > 4 || (len(groups) == 3 && size > 3)) {
			return
		}
	}
	if n < 4 || n > 8 {
		return
	}
	st, en := groups[0].start, groups[len(groups)-1].end
	for _, id := range tokenIDs {
		if id.start < en && st < id.end {
			return
		}
	}
	// Amounts and percentages are not codes.
	if (st > 0 && isCurrencyBefore(a.text, int(st))) || (int(en) < len(a.text) && a.text[en] == '%') {
		return
	}
	a.codes = append(a.codes, codeCandidate{start: st, end: en})
}

func isCurrencyBefore(s string, i int) bool {
	if s[i-1] == ' ' {
		i--
	}
	if i == 0 {
		return false
	}
	switch s[i-1] {
	case '$', '.', ',':
		return true
	}
	if i >= 3 {
		switch s[i-3 : i] {
		case "€", "£", "eur", "usd", "gbp", "brl", "chf":
			return true
		}
	}
	if i >= 2 && s[i-2:i] == "r$" {
		return true
	}
	return false
}
