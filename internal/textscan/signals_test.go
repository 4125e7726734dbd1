package textscan

import "testing"

func TestAnalyzePromotions(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct {
		name  string
		text  string
		promo bool
	}{
		{"en/bogo", "Your repair is ready. Buy one get one free this weekend only!", true},
		{"en/percent_off", "Get 20% off all boots", true},
		{"en/minus_percent", "Only today: -30% on everything", true},
		{"en/save_percent", "Save 15% on your next visit", true},
		{"en/promo_code", "Use promo code WINTER at checkout", true},
		{"en/sale", "Our winter sale starts now", true},
		{"nl/korting", "20% korting op alles", true},
		{"nl/korting_van", "Nu met korting van 25%", true},
		{"nl/aanbieding", "Bekijk onze aanbieding", true},
		{"de/rabatt", "Bis zu 50 % Rabatt auf Stiefel", true},
		{"de/gutschein", "Ihr Gutschein wartet auf Sie", true},
		{"es/descuento", "20% de descuento en zapatos", true},
		{"es/oferta", "Gran oferta solo hoy", true},
		{"pt/promocao", "Promoção de verão: 30% de desconto", true},
		{"fr/soldes", "Les soldes commencent demain", true},
		{"fr/reduction", "Profitez de 20 % de réduction", true},
		{"exception/free_delivery_of_your_order", "Free delivery of your order is included.", false},
		{"exception/receipt_vat", "Your order 4711 totals €49.99 including 21% VAT.", false},
		{"exception/percent_progress", "Your download is 80% complete.", false},
		{"exception/date_minus_percent", "Report 2026-20% done", false},
		{"exception/wholesale", "We are a wholesale supplier.", false},
		{"exception/actie_vereist", "Actie vereist: bevestig uw adres.", false},
		{"exception/offre_d_emploi", "Votre offre d'emploi a été publiée.", false},
		{"exception/order_code", "Order SALE-2024 has shipped.", false},
		{"exception/salesforce", "Your sales receipt is attached.", false},
		{"plain_utility", "Your appointment at Acme Shoes repair desk is confirmed for Friday 14:00.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := l.Analyze(tt.text)
			if got := len(f.Promotions) > 0; got != tt.promo {
				t.Errorf("Analyze(%q) promotions = %+v, want promotional=%v", tt.text, f.Promotions, tt.promo)
			}
		})
	}
}

func TestAnalyzePasscodes(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct {
		name, text, code string // code as written, "" for none
		term             string
	}{
		{"en/your_code_is", "Your verification code is 482913.", "482913", "******"},
		{"en/code_first", "482913 is your Acme login code.", "482913", "******"},
		{"en/otp_on_next_line", "Your Acme OTP:\n4829", "4829", "****"},
		{"nl/verificatiecode_dashed", "Uw verificatiecode: 123-456", "123-456", "***-***"},
		{"de/bestaetigungscode", "Ihr Bestätigungscode lautet 5821.", "5821", "****"},
		{"es/codigo", "Su código de verificación es 918273", "918273", "******"},
		{"pt/codigo", "Seu código é 2468", "2468", "****"},
		{"fr/code", "Votre code de vérification est 4567", "4567", "****"},
		{"en/is_your_brand_code", "123456 is your Acme code.", "123456", "******"},
		{"en/use_the_code", "Use the code 4455 to confirm your email.", "4455", "****"},
		{"en/three_groups", "Your code: 55 66 77", "55 66 77", "** ** **"},
		{"de/dein_code", "Dein Code lautet 7788.", "7788", "****"},
		{"none/order_number", "Your order 4711 has shipped.", "", ""},
		{"none/date", "Your code is valid until 20 11 2026.", "", ""},
		{"none/postal_code", "Código postal 28001", "", ""},
		{"none/promo_code", "Your promo code is 2024", "", ""},
		{"none/code_without_digits", "Your code is ready.", "", ""},
		{"none/price", "Your code is valid for € 1500", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := l.Analyze(tt.text)
			if tt.code == "" {
				if f.Passcodes != nil {
					t.Errorf("Analyze(%q) passcodes = %+v, want none", tt.text, f.Passcodes)
				}
				return
			}
			if len(f.Passcodes) != 1 {
				t.Fatalf("Analyze(%q) passcodes = %+v, want one", tt.text, f.Passcodes)
			}
			p := f.Passcodes[0]
			if got := string([]rune(tt.text)[p.Start:p.End]); got != tt.code || p.Term != tt.term {
				t.Errorf("passcode %q term %q, want %q term %q", got, p.Term, tt.code, tt.term)
			}
		})
	}
}

func TestUseCodeBeforePasscodeIsNotPromotion(t *testing.T) {
	f := shippedLexicon(t).Analyze("Use code 482913 to log in.")
	if f.Passcodes == nil || f.Promotions != nil {
		t.Errorf("passcodes %+v promotions %+v, want a passcode and no promotion", f.Passcodes, f.Promotions)
	}
}

func TestAnalyzeOptOutInstructions(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct {
		name, text string
		want       bool
	}{
		{"en", "20% off boots! Reply STOP to unsubscribe.", true},
		{"nl_stuur_stop", "Stuur STOP om je af te melden.", true},
		{"nl_afmelden", "Geen berichten meer? Afmelden kan via de link.", true},
		{"de", "Antworte STOPP, um keine Nachrichten mehr zu erhalten.", true},
		{"es", "Responde BAJA para no recibir más mensajes.", true},
		{"pt", "Responda SAIR para cancelar.", true},
		{"fr", "Répondez STOP pour vous désabonner.", true},
		{"none", "Your order has shipped.", false},
		{"none_stop_by", "Stop by our store for a fitting.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := l.Analyze(tt.text)
			if got := len(f.OptOutInstructions) > 0; got != tt.want {
				t.Errorf("Analyze(%q) opt-out = %+v, want %v", tt.text, f.OptOutInstructions, tt.want)
			}
		})
	}
}

func TestIsOptOutKeyword(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct {
		text string
		want bool
	}{
		{"STOP", true},
		{" stop! ", true},
		{"Stop.", true},
		{"STOPALL", true},
		{"Unsubscribe", true},
		{"opt-out", true},
		{"Opt out", true},
		{"AFMELDEN", true},
		{"Uitschrijven", true},
		{"STOPP", true},
		{"Abbestellen", true},
		{"Arrêt", true},
		{"DÉSABONNER", true},
		{"baja", true},
		{"Cancelar", true},
		{"Sair", true},
		{"Descadastrar", true},
		{"Stop promotions", true},
		{"ＳＴＯＰ", true},
		{"S\u200bTOP", true},
		{"Please stop", false},
		{"I want to stop getting these", false},
		{"Stop sending me all these messages every single day please", false},
		{"Stopwatch", false},
		{"Start", false},
		{"Yes", false},
		{"", false},
		{"  ", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := l.IsOptOutKeyword(tt.text); got != tt.want {
				t.Errorf("IsOptOutKeyword(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestPromotionExcerptIsTheOriginalText(t *testing.T) {
	l := shippedLexicon(t)
	// Folding changes the text (accents, width, case), so the excerpt must
	// come from the original, not from the folded text the scan ran on.
	text := "Ｎｉｅｕｗ: ﬁnal sale. Café Olé — nu 25 % KORTING op alles!"
	f := l.Analyze(text)
	if len(f.Promotions) == 0 {
		t.Fatalf("Analyze(%q) found no promotion", text)
	}
	runes := []rune(text)
	for _, m := range f.Promotions {
		if want := string(runes[m.Start:m.End]); m.Excerpt != want {
			t.Errorf("promotion %q excerpt %q, want %q", m.Term, m.Excerpt, want)
		}
	}
	if got := f.Promotions[len(f.Promotions)-1].Excerpt; got != "25 % KORTING" {
		t.Errorf("last excerpt %q, want %q", got, "25 % KORTING")
	}
}
