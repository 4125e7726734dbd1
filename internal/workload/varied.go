package workload

import (
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// variedTexts are message texts that between them set off every text
// finding: identifiers asked for and disclosed in several languages,
// partial references and safety notices, promotions, passcodes and opt-out
// instructions, and plain texts with none.
var variedTexts = []string{
	"Your order 4711 has shipped and will arrive on Tuesday.",
	"Your code is 482913. Do not share it with anyone.",
	"Use code 482913 to log in.",
	"Big summer sale: 30% off everything this weekend only! Reply STOP to unsubscribe.",
	"Nu 25% korting op alle sneakers in onze uitverkoop! Stuur STOP om je af te melden.",
	"Please reply with your full card number and CVV.",
	"We will never ask for your card number or PIN.",
	"Your card ending 1234 was charged.",
	"The card 4111 1111 1111 1111 was declined.",
	"Send us your IBAN NL91ABNA0417164300 please.",
	"Kunt u uw BSN doorgeven? 111222333",
	"Please send a photo of your passport.",
	"Por favor, envíenos su DNI 12345678Z.",
	"Envoyez-nous votre numéro de sécurité sociale.",
	"Bitte senden Sie uns Ihre Steuer-ID.",
	"Buy one get one free! Reply STOP to opt out.",
	"Your appointment is confirmed for Monday 10:00.",
	"Hello",
	"",
	"Limited offer: 2 for 1 on all wine. Afmelden? Stuur STOP.",
	"Please confirm your last 4 digits of your SSN.",
	"Your SSN 078-05-1120 is on file.",
	"Envie seu CPF 111.444.777-35 para cadastro.",
}

var (
	variedVerticals = []string{"retail", "pharmaceutical", "government", "alcohol", "adult", "space_tourism", "", "healthcare_provider"}
	variedProducts  = []string{"apparel", "prescription_drug", "firearm", "unknown_type", ""}
	variedButtons   = []string{"Stop", "Afmelden", "Buy now", "Cancel my order"}
	variedWordings  = []string{"Yes, I want offers from Acme Shoes on WhatsApp.", "", "Yes to Acme Shoes", "Yes on whats app", "   "}
	variedAreas     = []string{"public_health", "tax", ""}
)

// VariedRequests returns n valid requests drawn from seed: every category,
// message type, template status, consent state (none, opted in, opted out,
// empty or incomplete wording, partial scopes), window state, vertical
// status (and a vertical not in the table), prohibited and allowed items
// and opt-out buttons, in combinations, so that between them they produce
// every reason code of the default bundle and many near misses. The same
// seed gives the same requests.
func VariedRequests(seed uint64, n int) []*sendgatev1.CheckRequest {
	r := rand.New(rand.NewPCG(seed, 0x5e9d6a7e))
	pick := func(k int) int { return r.IntN(k) }
	reqs := make([]*sendgatev1.CheckRequest, n)
	for i := range reqs {
		reqs[i] = variedRequest(pick, i)
	}
	return reqs
}

// VariedNow is the time VariedRequests are decided at: their timestamps lie
// around it, and some leave send_time unset.
var VariedNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func variedRequest(pick func(int) int, i int) *sendgatev1.CheckRequest {
	now := VariedNow
	req := &sendgatev1.CheckRequest{RequestId: fmt.Sprint("varied-", i)}
	if pick(6) > 0 {
		req.SendTime = timestamppb.New(now)
	}
	vertical := variedVerticals[pick(len(variedVerticals))]
	req.Business = &sendgatev1.Business{Id: "biz", DisplayName: []string{"Acme Shoes", "ACME SHOES"}[pick(2)], Vertical: vertical, Country: "NL"}
	if vertical == "government" || pick(5) == 0 {
		req.Business.GovernmentProgram = &sendgatev1.GovernmentProgram{Enrolled: pick(3) > 0, Area: variedAreas[pick(len(variedAreas))]}
	}
	req.Recipient = &sendgatev1.Recipient{Phone: "+31612345678", Country: "NL"}
	category := sendgatev1.Category(pick(5))
	msg := &sendgatev1.Message{Category: category, Type: sendgatev1.MessageType(pick(5)), Text: variedTexts[pick(len(variedTexts))]}
	if msg.Type == sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE && pick(6) > 0 {
		approvedAs := category
		if pick(4) == 0 {
			approvedAs = sendgatev1.Category(pick(5))
		}
		msg.Template = &sendgatev1.Template{Name: "t", Language: "en", Status: sendgatev1.TemplateStatus(pick(6)), Category: approvedAs}
	}
	for range pick(3) {
		msg.Items = append(msg.Items, &sendgatev1.Item{
			Name:        []string{"", "Thing"}[pick(2)],
			ProductType: variedProducts[pick(len(variedProducts))],
			Kind:        sendgatev1.ItemKind(pick(3)),
		})
	}
	for range pick(3) {
		msg.Buttons = append(msg.Buttons, &sendgatev1.Button{Type: sendgatev1.ButtonType(pick(4)), Text: variedButtons[pick(len(variedButtons))]})
	}
	req.Message = msg
	if pick(5) > 0 {
		c := &sendgatev1.Consent{Channel: "web", Wording: variedWordings[pick(len(variedWordings))]}
		if pick(5) > 0 {
			c.OptedInAt = timestamppb.New(now.Add(-time.Duration(pick(1000)) * time.Hour))
		}
		if pick(4) == 0 {
			c.OptedOutAt = timestamppb.New(now.Add(-time.Duration(pick(1000)) * time.Hour))
		}
		for _, s := range []sendgatev1.Category{1, 2, 3, 4} {
			if pick(2) == 0 {
				c.Scopes = append(c.Scopes, s)
			}
		}
		req.Consent = c
	}
	if pick(4) > 0 {
		// From five hours after send_time (clock skew) to 55 hours before.
		req.Conversation = &sendgatev1.Conversation{LastInboundAt: timestamppb.New(now.Add(-time.Duration(pick(60)-5) * time.Hour))}
	}
	return req
}
