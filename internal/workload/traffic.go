package workload

import (
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Traffics are the kinds of traffic the benchmarks and the load generator
// measure separately, by name; each gives n requests from a seed.
var Traffics = map[string]func(seed uint64, n int) []*sendgatev1.CheckRequest{
	"campaign":      Campaign,
	"transactional": Transactional,
	"conversation":  Conversation,
	"mix":           func(_ uint64, n int) []*sendgatev1.CheckRequest { return cycle(DefaultMix(), n) },
}

// TrafficNames lists Traffics in the order reports show them.
var TrafficNames = []string{"campaign", "transactional", "conversation", "mix"}

// TrafficNow is when the traffics' requests are sent.
var TrafficNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// campaignBusiness sends the campaign.
func campaignBusiness() *sendgatev1.Business {
	return &sendgatev1.Business{Id: "biz-acme", DisplayName: "Acme Shoes", Vertical: "retail", Country: "NL"}
}

// Campaign is one business sending one approved template to n recipients:
// the marketing template to four in five (a spring sale with an opt-out
// line), the utility template (a loyalty-points statement) to the rest. The
// recipients differ in everything a recipient can: phone number, locale,
// consent (none, opted in for utility only or for marketing too, opted out,
// wording that does or does not name the business and WhatsApp) and window
// (none, open, closed). Most are allowed; the rest are denied for consent
// reasons, as in a real send list.
func Campaign(seed uint64, n int) []*sendgatev1.CheckRequest {
	r := rand.New(rand.NewPCG(seed, 0xca4a16))
	marketing := &sendgatev1.Message{
		Category: sendgatev1.Category_CATEGORY_MARKETING,
		Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
		Text:     "Spring sale at Acme Shoes: 20% off all sneakers until Sunday. Reply STOP to unsubscribe.",
		Template: &sendgatev1.Template{Name: "spring_sale_2026", Language: "en",
			Status: sendgatev1.TemplateStatus_TEMPLATE_STATUS_APPROVED, Category: sendgatev1.Category_CATEGORY_MARKETING},
		Buttons: []*sendgatev1.Button{{Type: sendgatev1.ButtonType_BUTTON_TYPE_QUICK_REPLY, Text: "Stop promotions"}},
	}
	utility := &sendgatev1.Message{
		Category: sendgatev1.Category_CATEGORY_UTILITY,
		Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
		Text:     "Your Acme Shoes loyalty statement for November is ready: you have 240 points.",
		Template: &sendgatev1.Template{Name: "loyalty_statement", Language: "en",
			Status: sendgatev1.TemplateStatus_TEMPLATE_STATUS_APPROVED, Category: sendgatev1.Category_CATEGORY_UTILITY},
	}
	wordings := []string{
		"Yes, send me news and offers from Acme Shoes on WhatsApp.",
		"I agree to receive updates from Acme Shoes via WhatsApp.",
		"Yes, please keep me posted.", // names neither: consent.invalid
	}
	locales := []string{"en-GB", "nl-NL", "de-DE", ""}
	reqs := make([]*sendgatev1.CheckRequest, n)
	for i := range reqs {
		msg := marketing
		if r.IntN(5) == 0 {
			msg = utility
		}
		req := &sendgatev1.CheckRequest{
			RequestId: fmt.Sprintf("campaign-%d", i),
			SendTime:  timestamppb.New(TrafficNow),
			Business:  campaignBusiness(),
			Recipient: &sendgatev1.Recipient{Phone: fmt.Sprintf("+316%08d", 10000000+i), Country: "NL", Locale: locales[r.IntN(len(locales))]},
			Message:   msg,
		}
		switch k := r.IntN(20); {
		case k == 0: // no consent record
		default:
			c := &sendgatev1.Consent{
				OptedInAt: timestamppb.New(TrafficNow.Add(-time.Duration(24+r.IntN(24*365)) * time.Hour)),
				Channel:   []string{"web", "in_store", "whatsapp"}[r.IntN(3)],
				Wording:   wordings[r.IntN(2)],
				Scopes:    []sendgatev1.Category{sendgatev1.Category_CATEGORY_UTILITY},
			}
			if r.IntN(12) == 0 {
				c.Wording = wordings[2] // one in twelve names neither
			}
			if r.IntN(4) > 0 {
				c.Scopes = append(c.Scopes, sendgatev1.Category_CATEGORY_MARKETING)
			}
			if k == 1 {
				c.OptedOutAt = timestamppb.New(c.OptedInAt.AsTime().Add(time.Duration(1+r.IntN(24*30)) * time.Hour))
			}
			req.Consent = c
		}
		switch r.IntN(3) {
		case 1: // wrote within the day
			req.Conversation = &sendgatev1.Conversation{LastInboundAt: timestamppb.New(TrafficNow.Add(-time.Duration(1+r.IntN(23*60)) * time.Minute))}
		case 2: // wrote long ago
			req.Conversation = &sendgatev1.Conversation{LastInboundAt: timestamppb.New(TrafficNow.Add(-time.Duration(25+r.IntN(24*60)) * time.Hour))}
		}
		reqs[i] = req
	}
	return reqs
}

// Transactional is n business-initiated messages whose texts are all
// different: one-time passcodes in AUTHENTICATION templates, order
// confirmations and delivery updates in UTILITY templates, each with its
// own numbers, to recipients who opted in.
func Transactional(seed uint64, n int) []*sendgatev1.CheckRequest {
	r := rand.New(rand.NewPCG(seed, 0x7a5c))
	reqs := make([]*sendgatev1.CheckRequest, n)
	for i := range reqs {
		var category sendgatev1.Category
		var name, text string
		switch r.IntN(3) {
		case 0:
			category, name = sendgatev1.Category_CATEGORY_AUTHENTICATION, "login_code"
			text = fmt.Sprintf("%06d is your Acme Shoes verification code. It expires in 10 minutes.", r.IntN(1000000))
		case 1:
			category, name = sendgatev1.Category_CATEGORY_UTILITY, "order_confirmed"
			text = fmt.Sprintf("Thank you for your order AS-%07d. We have received your payment of EUR %d.%02d and will ship within 2 days.", r.IntN(10000000), 20+r.IntN(200), r.IntN(100))
		default:
			category, name = sendgatev1.Category_CATEGORY_UTILITY, "delivery_update"
			text = fmt.Sprintf("Your parcel 3SACM%08d will be delivered on %s between %d:00 and %d:00.", r.IntN(100000000),
				[]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}[r.IntN(5)], 8+r.IntN(4), 12+r.IntN(6))
		}
		reqs[i] = &sendgatev1.CheckRequest{
			RequestId: fmt.Sprintf("transactional-%d", i),
			SendTime:  timestamppb.New(TrafficNow),
			Business:  campaignBusiness(),
			Recipient: &sendgatev1.Recipient{Phone: fmt.Sprintf("+316%08d", 20000000+r.IntN(10000000)), Country: "NL"},
			Message: &sendgatev1.Message{
				Category: category,
				Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
				Text:     text,
				Template: &sendgatev1.Template{Name: name, Language: "en",
					Status: sendgatev1.TemplateStatus_TEMPLATE_STATUS_APPROVED, Category: category},
			},
			Consent: &sendgatev1.Consent{
				OptedInAt: timestamppb.New(TrafficNow.Add(-time.Duration(1+r.IntN(24*365)) * time.Hour)),
				Channel:   "web",
				Wording:   "Yes, send me order and delivery updates from Acme Shoes on WhatsApp.",
				Scopes:    []sendgatev1.Category{sendgatev1.Category_CATEGORY_UTILITY, sendgatev1.Category_CATEGORY_AUTHENTICATION},
			},
		}
	}
	return reqs
}

// Conversation is n free-form replies of a customer service agent, each
// text different, to customers who wrote within the day.
func Conversation(seed uint64, n int) []*sendgatev1.CheckRequest {
	r := rand.New(rand.NewPCG(seed, 0xc0c0))
	names := []string{"Maria", "Jan", "Sophie", "Ahmed", "Lucas", "Emma"}
	reqs := make([]*sendgatev1.CheckRequest, n)
	for i := range reqs {
		var text string
		switch r.IntN(4) {
		case 0:
			text = fmt.Sprintf("Hi %s, thanks for waiting. Your repair ticket %d is ready; you can pick up your shoes at our Utrecht store from tomorrow.", names[r.IntN(len(names))], 1000+r.IntN(9000))
		case 1:
			text = fmt.Sprintf("Hello %s, I have checked order AS-%07d: it left our warehouse this morning and should reach you within %d days.", names[r.IntN(len(names))], r.IntN(10000000), 1+r.IntN(3))
		case 2:
			text = fmt.Sprintf("Sorry about that, %s. I have refunded EUR %d.%02d to your original payment method; it can take up to 5 working days.", names[r.IntN(len(names))], 10+r.IntN(150), r.IntN(100))
		default:
			text = fmt.Sprintf("Size %d of the Runner %d is back in stock in black and white. Would you like me to reserve a pair?", 36+r.IntN(11), 100+r.IntN(900))
		}
		reqs[i] = &sendgatev1.CheckRequest{
			RequestId:    fmt.Sprintf("conversation-%d", i),
			SendTime:     timestamppb.New(TrafficNow),
			Business:     campaignBusiness(),
			Recipient:    &sendgatev1.Recipient{Phone: fmt.Sprintf("+316%08d", 30000000+r.IntN(10000000)), Country: "NL"},
			Message:      &sendgatev1.Message{Category: sendgatev1.Category_CATEGORY_SERVICE, Type: sendgatev1.MessageType_MESSAGE_TYPE_TEXT, Text: text},
			Conversation: &sendgatev1.Conversation{LastInboundAt: timestamppb.New(TrafficNow.Add(-time.Duration(1+r.IntN(20*60)) * time.Minute))},
		}
	}
	return reqs
}

// cycle repeats the mix's requests to n.
func cycle(mix []MixItem, n int) []*sendgatev1.CheckRequest {
	out := make([]*sendgatev1.CheckRequest, n)
	for i := range out {
		out[i] = mix[i%len(mix)].Request
	}
	return out
}
