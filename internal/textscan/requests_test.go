package textscan

import (
	"strings"
	"testing"
)

// requestTypes lists the request types found, in order.
func requestTypes(f *Findings) []string {
	var out []string
	for _, r := range f.Requests {
		out = append(out, r.Type)
	}
	return out
}

func TestAnalyzeRequests(t *testing.T) {
	l := shippedLexicon(t)
	tests := []struct {
		name string
		text string
		want string // comma-separated request types, "" for none
	}{
		// English
		{"en/request_card", "Could you share your credit card number so we can charge the repair?", "payment_card"},
		{"en/request_card_send_us", "Please send us your card number to complete the booking.", "payment_card"},
		{"en/request_cvv", "What is your CVV?", "payment_card"},
		{"en/request_iban", "We need your IBAN for the refund.", "bank_account"},
		{"en/request_ssn", "Reply with your social security number.", "national_id"},
		{"en/mention_card", "Your card number was updated successfully.", ""},
		{"en/negation", "We will never ask for your PIN or card number.", ""},
		{"en/negation_do_not_share", "Do not share your PIN with anyone.", ""},
		{"en/partial_last_4", "Please confirm the last 4 digits of your SSN.", ""},
		{"en/partial_ending_in", "Please confirm your card number ending in 1234.", ""},
		{"en/partial_masked", "Please confirm your card number **** 1234.", ""},
		{"en/negation_governs_cue", "We will never ask you to share your card number, PIN or CVV via WhatsApp.", ""},
		{"en/negation_then_colon_request", "Never miss an update: please send us your IBAN.", "bank_account"},
		{"es/negation_governs_cue", "Nunca le pediremos que comparta su número de tarjeta.", ""},
		{"en/negation_then_request", "We never ask for your PIN, but please send us your IBAN.", "bank_account"},
		{"en/cue_right_after_noun", "Your IBAN, please provide it.", "bank_account"},
		{"en/mention_then_unrelated_cue", "Your card number was saved, please confirm your visit.", ""},
		{"nl/topicalised_object", "Uw IBAN kunt u doorgeven via het formulier.", "bank_account"},
		{"en/clauses_are_separate", "Never share your PIN. Please send us your IBAN.", "bank_account"},
		// Dutch
		{"nl/request_iban", "Kunt u uw rekeningnummer doorgeven voor de terugbetaling?", "bank_account"},
		{"nl/request_stuur_ons", "Stuur ons uw IBAN zodat we kunnen terugstorten.", "bank_account"},
		{"nl/request_bsn_gap", "Graag uw burgerservicenummer doorgeven.", "national_id"},
		{"nl/request_vul_in", "Vul hier uw pincode in.", "payment_card"},
		{"nl/mention", "Uw rekeningnummer is gewijzigd.", ""},
		{"nl/negation", "Wij vragen nooit om uw pincode of kaartnummer.", ""},
		{"nl/negation_after_noun", "Deel uw pincode nooit met anderen.", ""},
		{"nl/partial", "Kunt u de laatste 4 cijfers van uw kaartnummer doorgeven?", ""},
		{"nl/partial_eindigend_op", "Stuur ons uw kaartnummer eindigend op 1234 ter controle.", ""},
		// German
		{"de/request_card", "Bitte geben Sie Ihre Kartennummer an.", "payment_card"},
		{"de/request_steuer_id", "Wie lautet Ihre Steuer-ID?", "national_id"},
		{"de/request_iban", "Wir benötigen Ihre IBAN für die Erstattung.", "bank_account"},
		{"de/mention", "Ihre Kontonummer wurde gespeichert.", ""},
		{"de/negation", "Wir fragen nie nach Ihrer PIN.", ""},
		{"de/negation_weitergeben", "Geben Sie Ihre PIN niemals weiter.", ""},
		{"de/partial", "Bitte nennen Sie die letzten 4 Ziffern Ihrer Kartennummer.", ""},
		// Spanish
		{"es/request_card", "Por favor indique su número de tarjeta para completar el pago.", "payment_card"},
		{"es/request_dni", "¿Cuál es su DNI?", "national_id"},
		{"es/request_without_opening_mark", "Cuál es su DNI?", "national_id"},
		{"es/request_account", "Necesitamos su número de cuenta.", "bank_account"},
		{"es/mention", "Su número de cuenta ha sido actualizado.", ""},
		{"es/negation", "Nunca le pediremos su PIN ni el número de tarjeta.", ""},
		{"es/partial", "Por favor indique los últimos 4 dígitos de su número de tarjeta.", ""},
		// Portuguese
		{"pt/request_card", "Envie-nos o número do cartão para concluir o pagamento.", "payment_card"},
		{"pt/request_cpf", "Qual é o seu CPF?", "national_id"},
		{"pt/request_account", "Precisamos do seu número da conta.", "bank_account"},
		{"pt/mention", "O número do cartão foi atualizado.", ""},
		{"pt/negation", "Nunca compartilhe a senha do cartão ou o número do cartão.", ""},
		{"pt/partial", "Informe os últimos 4 dígitos do número do cartão.", ""},
		// French
		{"fr/request_rib", "Merci de nous communiquer votre RIB.", "bank_account"},
		{"fr/request_nir", "Quel est votre numéro de sécurité sociale ?", "national_id"},
		{"fr/request_card", "Envoyez-nous votre numéro de carte.", "payment_card"},
		{"fr/mention", "Votre numéro de carte a été mis à jour.", ""},
		{"fr/negation", "Nous ne vous demanderons jamais votre code PIN.", ""},
		{"fr/negation_ne_partagez", "Ne partagez jamais votre numéro de carte.", ""},
		{"fr/partial", "Veuillez indiquer les 4 derniers chiffres de votre numéro de carte.", ""},
		// Documents
		{"doc/en_upload_photo", "Upload a photo of your passport.", "document"},
		{"doc/fr_recto_verso", "Envoyez une copie recto verso de votre carte d'identité.", "document"},
		{"doc/nl_kopie_paspoort_not_national_id", "Stuur ons een kopie van uw paspoort.", "document"},
		{"doc/de_foto_ausweis", "Bitte laden Sie ein Foto Ihres Personalausweises hoch.", "document"},
		{"doc/es_foto_dni", "Envíenos una foto de su DNI por ambas caras.", "document"},
		{"doc/pt_foto_cartao", "Envie uma foto do seu cartão de cidadão.", "document"},
		{"doc/en_bank_statement", "Please upload a scan of your latest bank statement.", "document"},
		{"doc/with_number_noun", "Send us your passport number and a photo of your passport.", "document,national_id"},
		{"doc/negated", "We will never ask for a photo of your passport.", ""},
		{"doc/noun_without_capture_verb", "Remember to bring your passport to the airport.", ""},
		{"doc/capture_without_document", "Please send us a photo of the damaged shoes.", ""},
		// A notice's reach: a list of nouns stays negated, even with a
		// verb-like word inside one of them ("mot de passe"); an ask that
		// opens a new part of the clause after a pause reopens it.
		{"fr/negated_list_with_compound_noun", "Nous ne vous demanderons jamais votre code PIN, mot de passe ou numéro de carte par WhatsApp.", ""},
		{"en/negated_list", "We will never ask for your PIN, password, or card number.", ""},
		{"en/reopened_by_modal_ask", "We never ask for your PIN, but could you send us your IBAN?", "bank_account"},
		{"nl/reopened_by_contrast", "Wij vragen nooit om uw pincode, maar stuur ons wel uw IBAN.", "bank_account"},
		{"en/not_reopened_mid_list", "We will never ask for your PIN, card type or security code.", ""},
		// A longer carrier of another type overlapping a listed noun's end
		// says what the number is.
		{"fr/id_card_number_not_payment_card", "Veuillez indiquer le numéro de votre carte d'identité.", "national_id"},
		{"fr/bank_card_number_stays_payment_card", "Veuillez indiquer le numéro de votre carte bancaire.", "payment_card"},
		{"es/credit_card_number_stays_payment_card", "Envíenos el número de tarjeta de crédito.", "payment_card"},
		// Need verbs with the business as subject, in either word order.
		{"de/need_verb_inverted", "Für die Auszahlung benötige ich Ihre vollständige Bankverbindung.", "bank_account"},
		{"en/need_verb_with_auxiliaries", "We will also need your passport number.", "national_id"},
		{"en/need_verb_not_the_business", "Do you need a new PIN for your card?", ""},
		{"en/need_verb_negated", "We don't need your card number for this.", ""},
		// "ne … que" restricts; "ne … pas" negates.
		{"fr/restrictive_ne_que", "Il ne nous manque plus que votre RIB.", "bank_account"},
		{"fr/negated_ne_pas", "Il ne nous manque pas votre RIB.", ""},
		// Clitics glued to an imperative, object pronouns after it.
		{"es/clitic_glued", "Para desbloquear su tarjeta, escríbanos aquí el PIN.", "payment_card"},
		{"fr/object_pronoun_after_verb", "Pour débloquer votre carte, écrivez-nous votre code confidentiel.", "payment_card"},
		{"nl/subject_after_verb", "Zodra de pas klaar is, sturen we je pincode per post.", ""},
		// An accented copula matches only when written with its accent.
		{"pt/and_is_not_is", "Por favor, informe o seu NIF e a data de nascimento.", "national_id"},
		{"pt/accented_copula", "Confirme se o seu NIF é o correto.", ""},
		{"es/preposition_a_is_no_copula", "Envíe su DNI a nuestro correo.", "national_id"},
		// An ask after a pause with an object of its own does not reach back.
		{"es/ask_after_pause_keeps_its_object", "Para abrir la cuenta, envíenos una foto de su DNI.", "document"},
		// A verb of a list under one negation does not reopen it.
		{"en/negated_verb_list", "We will never call, text or email you to ask for your card PIN.", ""},
		// Modal questions and "may I have".
		{"nl/may_i_have", "Mag ik uw burgerservicenummer?", "national_id"},
		{"en/modal_question", "Could you let me have your driving licence number?", "national_id"},
		{"en/modal_question_partial", "Can you confirm the card ending in 1234?", ""},
		// A verb noun after a determiner is a noun.
		{"es/verb_noun_after_determiner", "Puede cambiar su número de cuenta desde la app.", ""},
		{"en/verb_noun_after_preposition", "Our agent will reply via WhatsApp about your new card PIN.", ""},
		{"en/verb_noun_as_verb", "WhatsApp us your IBAN for the refund.", "bank_account"},
		// "Someone asks" is a fraud warning.
		{"nl/someone_asks", "Vraagt iemand via WhatsApp om je pincode? Dat is altijd oplichting.", ""},
		// A verb noun right before the noun is part of a compound.
		{"en/verb_noun_modifier", "Your courier needs a 4-digit safe-drop PIN for the locker.", ""},
		{"en/verb_noun_imperative", "Drop us your PIN here.", "payment_card"},
		// "Which …?" questions.
		{"nl/which_question", "Naar welk rekeningnummer mogen we het bedrag terugstorten?", "bank_account"},
		{"en/which_question_not_an_identifier", "Which order number is this about?", ""},
		// Several clauses, several types
		{"multi/two_types", "What is your IBAN? And please send us your card number.", "bank_account,payment_card"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := l.Analyze(tt.text)
			if got := strings.Join(requestTypes(f), ","); got != tt.want {
				t.Errorf("Analyze(%q) requests = %q, want %q\n%+v", tt.text, got, tt.want, f.Requests)
			}
		})
	}
}

func TestRequestEvidenceMasksIdentifiers(t *testing.T) {
	l := shippedLexicon(t)
	text := "Hello! Please confirm your card number 4111 1111 1111 1111 for us."
	f := l.Analyze(text)
	if len(f.Requests) != 1 {
		t.Fatalf("requests = %+v, want one", f.Requests)
	}
	r := f.Requests[0]
	want := "Please confirm your card number **** **** **** 1111 for us."
	if r.Evidence != want {
		t.Errorf("evidence = %q, want %q", r.Evidence, want)
	}
	if got := string([]rune(text)[r.Start:r.End]); got != "Please confirm your card number 4111 1111 1111 1111 for us." {
		t.Errorf("span = %q", got)
	}
	if r.Cue == "" || r.Noun != "card number" {
		t.Errorf("cue %q noun %q", r.Cue, r.Noun)
	}
}

func TestNoticesAreReported(t *testing.T) {
	l := shippedLexicon(t)
	text := "We will never ask for your PIN or card number."
	f := l.Analyze(text)
	if len(f.Notices) != 1 || f.Notices[0].Term != "will never ask" {
		t.Fatalf("notices = %+v, want one \"will never ask\"", f.Notices)
	}
	if got := string([]rune(text)[f.Notices[0].Start:f.Notices[0].End]); got != "will never ask" {
		t.Errorf("notice span = %q", got)
	}
}

func TestRequestEvidenceMasksEveryIdentifierInTheClause(t *testing.T) {
	text := "Is this right? Please confirm your card number 4111 1111 1111 1111 and IBAN NL91ABNA0417164300 today."
	f := shippedLexicon(t).Analyze(text)
	if len(f.Requests) == 0 {
		t.Fatalf("no request in %q", text)
	}
	want := "Please confirm your card number **** **** **** 1111 and IBAN NL** **** **** **43 00 today."
	for _, r := range f.Requests {
		if r.Evidence != want {
			t.Errorf("%s evidence = %q, want %q", r.Type, r.Evidence, want)
		}
	}
}
