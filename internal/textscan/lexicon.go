package textscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Phrases maps a language code (en, nl, de, es, pt, fr, ...) to its phrases.
// A phrase may contain "..." for a gap of a few words within one clause.
type Phrases map[string][]string

// LexiconSpec mirrors data.sendgate.lexicon in the policy bundle (JSON tags = the data.json keys).
type LexiconSpec struct {
	// RequestCues ask the reader to share something ("please provide", "stuur ons uw").
	RequestCues Phrases `json:"request_cues"`
	// IdentifierNouns name identifiers, keyed by type: payment_card, bank_account, national_id.
	IdentifierNouns map[string]Phrases `json:"identifier_nouns"`
	// DocumentNouns name documents holding identifiers (passport, bank statement).
	DocumentNouns Phrases `json:"document_nouns"`
	// CaptureVerbs ask for an image or copy (photo, scan, upload, recto verso).
	CaptureVerbs Phrases `json:"capture_verbs"`
	// Notices are negations and safety warnings ("we will never ask").
	Notices Phrases `json:"notices"`
	// PartialMarkers qualify an identifier as partial ("ending in", "last 4 digits").
	PartialMarkers Phrases `json:"partial_markers"`
	// Promotional phrases make a text marketing ("buy now", "korting").
	Promotional Phrases `json:"promotional"`
	// PromotionalExceptions cancel a promotional phrase they overlap ("actie vereist").
	PromotionalExceptions Phrases `json:"promotional_exceptions"`
	// PercentOffWords next to a percentage make it a discount ("20% off", "korting van 20%").
	PercentOffWords Phrases `json:"percent_off_words"`
	// PasscodeCues announce a one-time code ("verification code", "OTP").
	PasscodeCues Phrases `json:"passcode_cues"`
	// PasscodeExceptions cancel a passcode cue they overlap ("código postal").
	PasscodeExceptions Phrases `json:"passcode_exceptions"`
	// OptOutInstructions tell the reader how to opt out ("reply STOP").
	OptOutInstructions Phrases `json:"opt_out_instructions"`
	// OptOutKeywords are whole inbound texts or buttons that opt out ("STOP", "AFMELDEN").
	OptOutKeywords Phrases `json:"opt_out_keywords"`
	// OptInKeywords are whole inbound texts that opt back in ("START", "UNSTOP").
	OptInKeywords Phrases `json:"opt_in_keywords"`
	// OptOutConfirmations and OptInConfirmations are, per language, the
	// answer a platform sends to confirm an opt-out or opt-in keyword.
	OptOutConfirmations map[string]string `json:"opt_out_confirmations"`
	OptInConfirmations  map[string]string `json:"opt_in_confirmations"`
	// IdentifierContext lists, per scheme (nl_bsn, pt_nif, ...), the words
	// that must stand near a bare number for it to count as that identifier.
	IdentifierContext map[string][]string `json:"identifier_context"`

	// The request grammar (docs/TEXT-ANALYSIS.md).

	// AskVerbs ask the reader to hand something over ("send", "doorgeven",
	// "angeben", "facilite"); they ask unless the business is their subject.
	AskVerbs Phrases `json:"ask_verbs"`
	// ReplyVerbs ask for an answer in the chat itself ("reply with", "by
	// replying"); a web page named in the clause does not excuse them.
	ReplyVerbs Phrases `json:"reply_verbs"`
	// NeedPhrases state that the business needs or misses something ("we
	// still need", "hebben we ... nodig", "il nous manque").
	NeedPhrases Phrases `json:"need_phrases"`
	// NeedVerbs state a need when one of the agents is their subject, before
	// them ("we will also need", "ich benötige") or right after them
	// ("benötige ich", "brauchen wir").
	NeedVerbs Phrases `json:"need_verbs"`
	// Clitics are object pronouns a language glues to an imperative
	// ("escríba" + "nos", "dígame"): every one-word ask verb of the language
	// also matches with each of them appended.
	Clitics Phrases `json:"clitics"`
	// QuestionOpeners ask for something in a question ending in "?" ("what's
	// the", "wie lautet", "quel est").
	QuestionOpeners Phrases `json:"question_openers"`
	// NumberWords and Carriers describe an identifier by what it is: a number
	// word ("number", "digits", "cijfers") within a few words of a carrier of
	// a type ("debit card" → payment_card, "passport" → national_id).
	NumberWords Phrases            `json:"number_words"`
	Carriers    map[string]Phrases `json:"carriers"`
	// NounExceptions are things named like identifiers that are none ("gift
	// card", "loyalty card", "boarding pass"); they cancel nouns they overlap.
	NounExceptions Phrases `json:"noun_exceptions"`
	// FullMarkers before a noun make it the whole number ("full", "entire");
	// PartialNegators before a partial marker cancel it ("not only").
	FullMarkers     Phrases `json:"full_markers"`
	PartialNegators Phrases `json:"partial_negators"`
	// FraudWarnings make their whole sentence a warning ("scam", "fraudsters").
	FraudWarnings Phrases `json:"fraud_warnings"`
	// Elsewhere names a place outside the chat (a page, an app, a terminal)
	// where a number is to be entered; a URL counts too.
	Elsewhere Phrases `json:"elsewhere"`
	// InPerson asks to bring or show something at a place ("please bring",
	// "at reception").
	InPerson Phrases `json:"in_person"`
	// WordClasses are single words the grammar reads around a verb:
	// "agents" (the business as subject: "we", "wir"), "auxiliaries" (a
	// statement, not a request: "will", "zullen"), "negators" ("not",
	// "niet"), "copulas" (a noun followed by one is a subject: "is", "ist"),
	// "modals" and "adverbs" (read past: "we can send", "we then send"),
	// "contrasts" (end a notice's reach like a comma: "but", "maar"),
	// "openers" (may stand between a pause and an ask that reopens the
	// clause: "please", "you"), "coordinators" ("and", "or": an ask followed
	// by one is a verb of a list, "never call, text or email you"),
	// "objects" (object pronouns: after an ask verb they are its object, not
	// its subject: "écrivez-nous") and "restrictives" (a negator with one
	// of them after the verb restricts, it does not negate: "il ne nous
	// manque que"), "verb_nouns" (ask verbs that are nouns too: "app",
	// "text", "WhatsApp") and "determiners" (after one of them a verb noun is
	// a noun: "via WhatsApp", "la app", "mot de passe"). A listed word with an accent matches only a word
	// written with one: Portuguese "é" is a copula, "e" is not.
	WordClasses map[string][]string `json:"word_classes"`
	// OptOutVerbs followed by an opt-out keyword make an opt-out instruction
	// ("reply STOP", "répondez ARRÊT", "stuur STOP").
	OptOutVerbs Phrases `json:"opt_out_verbs"`
	// ReferenceWords before a number make it an order, tracking, booking or
	// voucher reference, never a passcode ("order", "tracking code").
	ReferenceWords Phrases `json:"reference_words"`
	// LanguageMarkers are common words of each language, read (with the
	// other lexicon words) to tell a text's language when it has promotions.
	LanguageMarkers Phrases `json:"language_markers"`
}

// Lexicon is a compiled LexiconSpec; it is immutable and safe for concurrent use.
type Lexicon struct {
	ac      *acMatcher
	phrases []phrase
	// patEntries[pat] lists the (phrase, segment) pairs a pattern stands for.
	patEntries [][]patEntry
	optOut     map[string]bool
	// maxOptOutWords is the longest opt-out keyword in words.
	maxOptOutWords int
	// inbound holds the keywords a whole inbound message is matched against.
	inbound inboundKeywords
	// languages are the language codes of the lists, by bit index.
	languages []string
	// words holds the word classes (wordAgent, ...) by folded word;
	// accentWords those of listed words written with an accent, which
	// match only a word written with one.
	words       map[string]wordClass
	accentWords map[string]wordClass
	// markers holds the languages each language marker belongs to.
	markers map[string]uint64
}

// wordClass is a set of the word classes of WordClasses.
type wordClass uint16

const (
	wordAgent wordClass = 1 << iota
	wordAuxiliary
	wordNegator
	wordCopula
	wordModal
	wordAdverb
	wordContrast
	wordOpener
	wordCoordinator
	wordObject
	wordRestrictive
	wordDeterminer
	wordVerbNoun
)

// wordClassNames are the keys word_classes accepts.
var wordClassNames = map[string]wordClass{
	"agents": wordAgent, "auxiliaries": wordAuxiliary, "negators": wordNegator, "copulas": wordCopula,
	"modals": wordModal, "adverbs": wordAdverb, "contrasts": wordContrast, "openers": wordOpener,
	"coordinators": wordCoordinator, "objects": wordObject, "restrictives": wordRestrictive,
	"determiners": wordDeterminer, "verb_nouns": wordVerbNoun,
}

// kind is what a lexicon phrase signals.
type kind uint8

const (
	kindCue kind = iota
	kindIDNoun
	kindDocNoun
	kindCapture
	kindNotice
	kindPartial
	kindPromo
	kindPromoException
	kindPercentWord
	kindPasscodeCue
	kindPasscodeException
	kindOptOut
	kindContext
	kindAskVerb
	kindReplyVerb
	kindNeed
	kindQuestion
	kindNumberWord
	kindCarrier
	kindNounException
	kindFullMarker
	kindPartialNegator
	kindFraud
	kindElsewhere
	kindInPerson
	kindOptOutVerb
	kindReference
	kindNeedVerb
)

// phrase is one compiled lexicon entry.
type phrase struct {
	kind kind
	// sub is the identifier type for nouns and the scheme for context words.
	sub string
	// term is the phrase as listed in the lexicon.
	term string
	// segs are the pattern ids of the parts between "..." gaps.
	segs []int32
	// schemeBit is the scheme's bit for context words.
	schemeBit uint32
	// langs has the bit of every language whose list holds the phrase;
	// languages names them.
	langs     uint64
	languages []string
}

type patEntry struct {
	phrase int32
	seg    int32
}

const (
	boundaryStart = 1 << iota
	boundaryEnd
)

// identifierTypes are the keys identifier_nouns accepts.
var identifierTypes = []string{"payment_card", "bank_account", "national_id"}

// ErrInvalidLexicon is wrapped by every CompileLexicon error.
var ErrInvalidLexicon = errors.New("invalid lexicon")

// CompileLexicon validates spec, folds its phrases and builds the matchers.
func CompileLexicon(spec LexiconSpec) (*Lexicon, error) {
	b := lexiconBuilder{patIndex: map[string]int32{}, seen: map[string]int32{}, langIndex: map[string]int{},
		lex: &Lexicon{optOut: map[string]bool{}, words: map[string]wordClass{}, accentWords: map[string]wordClass{}, markers: map[string]uint64{}}}
	lists := []struct {
		key  string
		kind kind
		p    Phrases
	}{
		{"request_cues", kindCue, spec.RequestCues},
		{"document_nouns", kindDocNoun, spec.DocumentNouns},
		{"capture_verbs", kindCapture, spec.CaptureVerbs},
		{"notices", kindNotice, spec.Notices},
		{"partial_markers", kindPartial, spec.PartialMarkers},
		{"promotional", kindPromo, spec.Promotional},
		{"promotional_exceptions", kindPromoException, spec.PromotionalExceptions},
		{"percent_off_words", kindPercentWord, spec.PercentOffWords},
		{"passcode_cues", kindPasscodeCue, spec.PasscodeCues},
		{"passcode_exceptions", kindPasscodeException, spec.PasscodeExceptions},
		{"opt_out_instructions", kindOptOut, spec.OptOutInstructions},
		{"ask_verbs", kindAskVerb, withClitics(spec.AskVerbs, spec.Clitics)},
		{"reply_verbs", kindReplyVerb, spec.ReplyVerbs},
		{"need_phrases", kindNeed, spec.NeedPhrases},
		{"need_verbs", kindNeedVerb, spec.NeedVerbs},
		{"question_openers", kindQuestion, spec.QuestionOpeners},
		{"number_words", kindNumberWord, spec.NumberWords},
		{"noun_exceptions", kindNounException, spec.NounExceptions},
		{"full_markers", kindFullMarker, spec.FullMarkers},
		{"partial_negators", kindPartialNegator, spec.PartialNegators},
		{"fraud_warnings", kindFraud, spec.FraudWarnings},
		{"elsewhere", kindElsewhere, spec.Elsewhere},
		{"in_person", kindInPerson, spec.InPerson},
		{"opt_out_verbs", kindOptOutVerb, spec.OptOutVerbs},
		{"reference_words", kindReference, spec.ReferenceWords},
	}
	for _, l := range lists {
		if err := b.addPhrases(l.key, l.kind, "", l.p); err != nil {
			return nil, err
		}
	}
	for _, typ := range sortedKeys(spec.IdentifierNouns) {
		if !slices.Contains(identifierTypes, typ) {
			return nil, fmt.Errorf("%w: identifier_nouns: unknown type %q (want one of %s)",
				ErrInvalidLexicon, typ, strings.Join(identifierTypes, ", "))
		}
		if err := b.addPhrases("identifier_nouns."+typ, kindIDNoun, typ, spec.IdentifierNouns[typ]); err != nil {
			return nil, err
		}
	}
	for _, typ := range sortedKeys(spec.Carriers) {
		if !slices.Contains(identifierTypes, typ) {
			return nil, fmt.Errorf("%w: carriers: unknown type %q (want one of %s)",
				ErrInvalidLexicon, typ, strings.Join(identifierTypes, ", "))
		}
		if err := b.addPhrases("carriers."+typ, kindCarrier, typ, spec.Carriers[typ]); err != nil {
			return nil, err
		}
	}
	if err := b.addWordClasses(spec.WordClasses); err != nil {
		return nil, err
	}
	b.addMarkers(spec.LanguageMarkers)
	for _, scheme := range sortedKeys(spec.IdentifierContext) {
		if _, ok := schemeTypes[scheme]; !ok {
			return nil, fmt.Errorf("%w: identifier_context: unknown scheme %q", ErrInvalidLexicon, scheme)
		}
		key := "identifier_context." + scheme
		if err := b.addPhrases(key, kindContext, scheme, Phrases{"": spec.IdentifierContext[scheme]}); err != nil {
			return nil, err
		}
	}
	if err := b.addKeywords(spec.OptOutKeywords); err != nil {
		return nil, err
	}
	if err := b.lex.inbound.compile(spec); err != nil {
		return nil, err
	}
	for i := range b.lex.phrases {
		ph := &b.lex.phrases[i]
		for bit, lang := range b.lex.languages {
			if ph.langs&(1<<bit) != 0 {
				ph.languages = append(ph.languages, lang)
			}
		}
	}
	b.lex.ac = buildAC(b.patterns, b.boundary)
	if len(b.lex.ac.delta) >= outFlag {
		return nil, fmt.Errorf("%w: too many phrases (%d patterns)", ErrInvalidLexicon, len(b.patterns))
	}
	return b.lex, nil
}

type lexiconBuilder struct {
	lex      *Lexicon
	patterns []string
	patIndex map[string]int32
	// seen maps a phrase's kind, type and patterns to its index.
	seen map[string]int32
	// boundary[pat] says which pattern edges need a word boundary.
	boundary  []uint8
	langIndex map[string]int
}

// langBit returns the bit of a language code, 0 for none ("").
func (b *lexiconBuilder) langBit(lang string) uint64 {
	if lang == "" {
		return 0
	}
	i, ok := b.langIndex[lang]
	if !ok {
		i = len(b.lex.languages)
		if i == 64 {
			return 0 // more languages than bits: the phrase counts in any
		}
		b.langIndex[lang] = i
		b.lex.languages = append(b.lex.languages, lang)
	}
	return 1 << i
}

func (b *lexiconBuilder) addWordClasses(classes map[string][]string) error {
	for _, name := range sortedKeys(classes) {
		c, ok := wordClassNames[name]
		if !ok {
			return fmt.Errorf("%w: word_classes: unknown class %q", ErrInvalidLexicon, name)
		}
		for i, w := range classes[name] {
			f := strings.TrimSpace(foldString(w))
			if f == "" || strings.ContainsAny(f, " \n") {
				return fmt.Errorf("%w: word_classes.%s[%d]: %q is not one word", ErrInvalidLexicon, name, i, w)
			}
			if hasAccent(w) {
				b.lex.accentWords[f] |= c
				continue
			}
			b.lex.words[f] |= c
		}
	}
	return nil
}

func (b *lexiconBuilder) addMarkers(p Phrases) {
	for _, lang := range sortedKeys(p) {
		bit := b.langBit(lang)
		for _, w := range p[lang] {
			if f := strings.TrimSpace(foldString(w)); f != "" {
				b.lex.markers[f] |= bit
			}
		}
	}
}

func (b *lexiconBuilder) addPhrases(key string, k kind, sub string, p Phrases) error {
	for _, lang := range sortedKeys(p) {
		bit := b.langBit(lang)
		for i, raw := range p[lang] {
			if err := b.addPhrase(k, sub, raw, bit); err != nil {
				where := fmt.Sprintf("%s.%s[%d]", key, lang, i)
				if lang == "" {
					where = fmt.Sprintf("%s[%d]", key, i)
				}
				return fmt.Errorf("%w: %s: %w", ErrInvalidLexicon, where, err)
			}
		}
	}
	return nil
}

func (b *lexiconBuilder) addPhrase(k kind, sub, raw string, lang uint64) error {
	parts := strings.Split(raw, "...")
	ph := phrase{kind: k, sub: sub, term: strings.TrimSpace(raw)}
	if k == kindContext {
		ph.schemeBit = schemeBits[sub]
	}
	for _, part := range parts {
		seg := strings.TrimSpace(foldString(part))
		if seg == "" {
			if len(parts) == 1 {
				return fmt.Errorf("empty phrase %q", raw)
			}
			return fmt.Errorf("phrase %q: \"...\" must stand between two words", raw)
		}
		if strings.ContainsAny(seg, "\n") {
			return fmt.Errorf("phrase %q spans lines", raw)
		}
		ph.segs = append(ph.segs, b.pattern(seg))
	}
	// The same phrase listed under several languages is matched once.
	key := fmt.Sprint(k, "\x00", sub, "\x00", ph.segs)
	if id, ok := b.seen[key]; ok {
		b.lex.phrases[id].langs |= lang
		return nil
	}
	ph.langs = lang
	id := int32(len(b.lex.phrases))
	b.seen[key] = id
	b.lex.phrases = append(b.lex.phrases, ph)
	for i, pat := range ph.segs {
		b.lex.patEntries[pat] = append(b.lex.patEntries[pat], patEntry{phrase: id, seg: int32(i)})
	}
	return nil
}

// pattern returns the id of the folded pattern seg, adding it when new.
func (b *lexiconBuilder) pattern(seg string) int32 {
	if id, ok := b.patIndex[seg]; ok {
		return id
	}
	id := int32(len(b.patterns))
	b.patterns = append(b.patterns, seg)
	b.patIndex[seg] = id
	b.lex.patEntries = append(b.lex.patEntries, nil)
	var bd uint8
	if isWordAt(seg, 0) {
		bd |= boundaryStart
	}
	if isWordBefore(seg, len(seg)) {
		bd |= boundaryEnd
	}
	b.boundary = append(b.boundary, bd)
	return id
}

func (b *lexiconBuilder) addKeywords(p Phrases) error {
	for _, lang := range sortedKeys(p) {
		for i, raw := range p[lang] {
			kw := trimKeyword(foldString(raw))
			if kw == "" || strings.Contains(raw, "...") {
				return fmt.Errorf("%w: opt_out_keywords.%s[%d]: bad keyword %q", ErrInvalidLexicon, lang, i, raw)
			}
			b.lex.optOut[kw] = true
			if n := len(strings.Fields(kw)); n > b.lex.maxOptOutWords {
				b.lex.maxOptOutWords = n
			}
		}
	}
	return nil
}

// withClitics returns the ask verbs with, for every language that lists
// clitics, each one-word verb of that language also written with each
// clitic appended ("escriba" → "escribanos"; accents are folded away).
func withClitics(verbs, clitics Phrases) Phrases {
	if len(clitics) == 0 {
		return verbs
	}
	out := make(Phrases, len(verbs))
	for lang, vs := range verbs {
		out[lang] = vs
		suffixes := clitics[lang]
		if len(suffixes) == 0 {
			continue
		}
		all := slices.Clone(vs)
		for _, v := range vs {
			if strings.ContainsAny(strings.TrimSpace(v), " .-") {
				continue
			}
			for _, c := range suffixes {
				all = append(all, strings.TrimSpace(v)+strings.TrimSpace(c))
			}
		}
		out[lang] = all
	}
	return out
}

// hasAccent reports whether folding changes a word beyond its case: it
// has an accent or another mark folding drops.
func hasAccent(w string) bool {
	return strings.TrimSpace(foldString(w)) != strings.ToLower(strings.TrimSpace(w))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ParseLexiconSpec decodes a data.json lexicon strictly: an unknown key
// (a misspelt list name) is an error rather than a silently empty list.
func ParseLexiconSpec(data []byte) (LexiconSpec, error) {
	var spec LexiconSpec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return LexiconSpec{}, fmt.Errorf("%w: %w", ErrInvalidLexicon, err)
	}
	return spec, nil
}
