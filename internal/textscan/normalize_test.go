package textscan

import (
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower_and_accents", "Número de Tarjeta ÉÀÇ", "numero de tarjeta eac"},
		{"full_width_digits_and_letters", "ＣＡＲＤ ４１１１", "card 4111"},
		{"zero_width_stripped", "41\u200b11\u200c1\u200d1\u2060\ufeff1\u00ad1", "41111111"},
		{"blanks_collapsed", "a \t  b\u00a0\u00a0c", "a b c"},
		{"newlines_kept", "a\r\nb\n\nc", "a\nb\n\nc"},
		{"blank_before_line_break_dropped", "4111 \r\n1111", "4111\n1111"},
		{"unicode_digits_ascii", "\u0664\u0661\u0661\u0661 \u096a\u0967 \uff14\uff11 \U0001D7D2", "4111 41 41 4"},
		{"cyrillic_and_greek_lookalikes_latin", "с\u0430rd numb\u0435r \u0420\u0406N \u039fK \u0443es", "card number pin ok yes"},
		{"real_cyrillic_word_left", "ж\u0434", "жд"},
		{"spaced_letters_joined", "c-a-r-d n.u.m.b.e.r i_b_a_n", "card number iban"},
		{"two_blanks_separate_spaced_runs", "c a r d  n u m b e r", "card number"},
		{"two_single_letters_stay", "e o seu y a las", "e o seu y a las"},
		{"hyphen_after_one_letter", "x-ray e-mail", "x ray e mail"},
		{"spaced_run_in_a_sentence", "send your c v v please", "send your cvv please"},
		{"spaced_with_no_break_spaces", "your c\u00a0v\u00a0v, please", "your cvv,please"},
		{"spaced_at_the_end_with_no_break_spaces", "IBAN:\u00a0i\u00a0b\u00a0a\u00a0n", "iban: iban"},
		{"two_spaced_with_no_break_space_stay", "a\u00a0b of", "a b of"},
		{"hyphen_between_letters_is_space", "envoyez-nous 12-34", "envoyez nous 12-34"},
		{"typographic_apostrophe", "carte d’identité", "carte d'identite"},
		{"spanish_opening_marks", "Ja. ¿Cuál es su DNI?", "ja. cual es su dni?"},
		{"eszett", "Straße", "strasse"},
		{"decomposed_accent", "cafe\u0301", "cafe"},
		{"bullet_mask", "•••• 1234", "**** 1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Normalize(tt.in)
			if n.Text != tt.want {
				t.Errorf("Normalize(%q).Text = %q, want %q", tt.in, n.Text, tt.want)
			}
			if len(n.Origin) != len(n.Text) {
				t.Fatalf("len(Origin) = %d, len(Text) = %d", len(n.Origin), len(n.Text))
			}
			if n.Runes != utf8.RuneCountInString(tt.in) {
				t.Errorf("Runes = %d, want %d", n.Runes, utf8.RuneCountInString(tt.in))
			}
		})
	}
}

func TestNormalizeSpanMapsToOriginal(t *testing.T) {
	in := "Ｐａｙ: ４１１１\u200b１１１１ ok"
	n := Normalize(in)
	// "pay: 41111111 ok": the digits are bytes 5..13 of the folded text.
	sp := n.Span(5, 13)
	if got := string([]rune(in)[sp.Start:sp.End]); got != "４１１１\u200b１１１１" {
		t.Errorf("Span(5,13) = %q", got)
	}
	if sp := n.Span(len(n.Text), len(n.Text)); sp.Start != n.Runes {
		t.Errorf("empty span at end = %+v, want start %d", sp, n.Runes)
	}
}
