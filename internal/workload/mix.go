package workload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// MaxTextRunes is the longest message text the API accepts, in characters.
const MaxTextRunes = validate.MaxTextRunes

// MixItem is one request of a load or benchmark mix, with a short name
// suitable for a benchmark's key=value label.
type MixItem struct {
	Name    string
	Request *sendgatev1.CheckRequest
}

// DefaultMix returns the built-in mix: a plain utility message
// ("plain"), an identifier-heavy one that asks for and discloses card, bank
// and ID numbers ("identifiers"), a multilingual marketing message
// ("multilingual") and a 4,096-character text ("long4096"). Each call
// returns fresh messages that the caller may modify.
func DefaultMix() []MixItem {
	return []MixItem{
		{Name: "plain", Request: baseRequest("mix-plain", sendgatev1.Category_CATEGORY_UTILITY,
			"Your order 48213 from Acme Shoes has shipped and will arrive on Friday between 09:00 and 13:00. "+
				"Track it in the Acme app or reply to this message if you have a question.")},
		{Name: "identifiers", Request: baseRequest("mix-identifiers", sendgatev1.Category_CATEGORY_UTILITY,
			"To complete your refund, please reply with your full card number, expiry date and CVV, "+
				"or send us your IBAN. The card 4111 1111 1111 1111 was declined and the account "+
				"NL91ABNA0417164300 on file did not accept the transfer. For verification also send "+
				"your BSN 111222333 and a photo of your passport or ID card.")},
		{Name: "multilingual", Request: multilingualRequest()},
		{Name: "long4096", Request: baseRequest("mix-long4096", sendgatev1.Category_CATEGORY_UTILITY, longText(MaxTextRunes))},
	}
}

var mixTime = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// baseRequest is an approved utility template from a retail business to a
// recipient with a valid opt-in, carrying text.
func baseRequest(id string, category sendgatev1.Category, text string) *sendgatev1.CheckRequest {
	return &sendgatev1.CheckRequest{
		RequestId: id,
		SendTime:  timestamppb.New(mixTime),
		Business: &sendgatev1.Business{
			Id: "biz-acme", DisplayName: "Acme Shoes", Vertical: "retail", Country: "NL",
		},
		Recipient: &sendgatev1.Recipient{Phone: "+31612345678", Country: "NL", Locale: "nl_NL"},
		Message: &sendgatev1.Message{
			Category: category,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
			Text:     text,
			Template: &sendgatev1.Template{
				Name: "order_update", Language: "en",
				Status:   sendgatev1.TemplateStatus_TEMPLATE_STATUS_APPROVED,
				Category: category,
			},
		},
		Consent: &sendgatev1.Consent{
			OptedInAt: timestamppb.New(mixTime.AddDate(0, -10, 0)),
			Channel:   "web",
			Wording:   "Yes, I want to receive order updates and offers from Acme Shoes on WhatsApp.",
			Scopes: []sendgatev1.Category{
				sendgatev1.Category_CATEGORY_UTILITY,
				sendgatev1.Category_CATEGORY_MARKETING,
				sendgatev1.Category_CATEGORY_AUTHENTICATION,
			},
		},
		Conversation: &sendgatev1.Conversation{LastInboundAt: timestamppb.New(mixTime.AddDate(0, 0, -3))},
	}
}

func multilingualRequest() *sendgatev1.CheckRequest {
	r := baseRequest("mix-multilingual", sendgatev1.Category_CATEGORY_MARKETING,
		"Hallo! Deze week 20% korting op alle wandelschoenen bij Acme Shoes. "+
			"Diese Woche 20 % Rabatt auf alle Wanderschuhe – nur online. "+
			"¡Esta semana, 20 % de descuento en todas las botas de montaña! "+
			"Cette semaine, −20 % sur toutes les chaussures de randonnée. "+
			"Esta semana, 20% de desconto em todos os sapatos de caminhada. "+
			"Geen berichten meer? Antwoord STOP om je af te melden.")
	r.Message.Buttons = []*sendgatev1.Button{
		{Type: sendgatev1.ButtonType_BUTTON_TYPE_URL, Text: "Shop now", Url: "https://shop.example/acme"},
		{Type: sendgatev1.ButtonType_BUTTON_TYPE_QUICK_REPLY, Text: "Stop promotions"},
	}
	r.Message.Items = []*sendgatev1.Item{
		{Name: "Trail boot", Kind: sendgatev1.ItemKind_ITEM_KIND_GOOD, ProductType: "apparel"},
	}
	return r
}

// longText repeats a realistic utility paragraph, with some accented
// characters, and cuts it to exactly n characters.
func longText(n int) string {
	const para = "Update on your order 48213: the parcel left our warehouse in Tilburg this morning and is now " +
		"with the carrier. Delivery is expected on Friday between 09:00 and 13:00; you will receive a " +
		"notification shortly before arrival. Bezorging gebeurt aan de voordeur; bij afwezigheid gaat het " +
		"pakket naar het dichtstbijzijnde afhaalpunt. Questions about sizes, exchanges or your café " +
		"voucher? Reply to this message and our team will help you during office hours. "
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < n {
		b.WriteString(para)
	}
	return TruncateRunes(b.String(), n)
}

// TruncateRunes returns s cut to at most n characters.
func TruncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// ReadMixFile reads a mix from a JSONL file; see ReadMix.
func ReadMixFile(path string) ([]MixItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := ReadMix(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}

// ReadMix reads JSONL: each non-blank line is either a CheckRequest in
// protojson or a corpus case, an object whose "request" field holds the
// CheckRequest (its "name" field, if any, names the item). Items are named by
// the case name, else the request_id, else the line number.
func ReadMix(r io.Reader) ([]MixItem, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var items []MixItem
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var probe struct {
			Name    string          `json:"name"`
			Request json.RawMessage `json:"request"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		body := raw
		if len(probe.Request) > 0 {
			body = probe.Request
		}
		req := &sendgatev1.CheckRequest{}
		if err := protojson.Unmarshal(body, req); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		name := probe.Name
		if name == "" {
			name = req.GetRequestId()
		}
		if name == "" {
			name = "line-" + strconv.Itoa(line)
		}
		items = append(items, MixItem{Name: name, Request: req})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no requests")
	}
	return items, nil
}
