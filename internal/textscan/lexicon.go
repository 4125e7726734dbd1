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
	b := lexiconBuilder{patIndex: map[string]int32{}, seen: map[string]bool{}, lex: &Lexicon{optOut: map[string]bool{}}}
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
	seen     map[string]bool
	// boundary[pat] says which pattern edges need a word boundary.
	boundary []uint8
}

func (b *lexiconBuilder) addPhrases(key string, k kind, sub string, p Phrases) error {
	for _, lang := range sortedKeys(p) {
		for i, raw := range p[lang] {
			if err := b.addPhrase(k, sub, raw); err != nil {
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

func (b *lexiconBuilder) addPhrase(k kind, sub, raw string) error {
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
	if b.seen[key] {
		return nil
	}
	b.seen[key] = true
	id := int32(len(b.lex.phrases))
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
