package embedded

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sendgate/sendgate/internal/ledger"
)

// subjectKey appends the key of a subject: the recipient, the length of
// the business id (two bytes) and the business id. An empty business id
// stands for every business.
func subjectKey(dst []byte, business string, r ledger.Recipient) []byte {
	dst = append(dst, r[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(business)))
	return append(dst, business...)
}

// splitSubject reads a subjectKey.
func splitSubject(k []byte) (string, ledger.Recipient) {
	var r ledger.Recipient
	copy(r[:], k)
	n := int(binary.BigEndian.Uint16(k[32:]))
	return string(k[34 : 34+n]), r
}

func idKey(business, id string) []byte {
	k := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(business)+len(id)), uint16(len(business)))
	return append(append(k, business...), id...)
}

func appendUint64(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }

func encodeTime(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixMicro())) }

func decodeTime(b []byte) time.Time {
	if len(b) != 8 {
		return time.Time{}
	}
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b))).UTC()
}

// micros is a time as stored: microseconds since the epoch, 0 for none.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// eventRecord is an event as stored; its recipient is in the key.
type eventRecord struct {
	ID         string            `json:"i"`
	Business   string            `json:"b"`
	Kind       ledger.Kind       `json:"k"`
	At         int64             `json:"a"`
	RecordedAt int64             `json:"r"`
	Channel    string            `json:"c,omitempty"`
	Wording    string            `json:"w,omitempty"`
	Scopes     []string          `json:"s,omitempty"`
	Evidence   map[string]string `json:"e,omitempty"`
	Scope      ledger.Scope      `json:"o,omitempty"`
	Source     string            `json:"src,omitempty"`
	Keyword    string            `json:"kw,omitempty"`
}

func encodeEvent(e *ledger.Event) []byte {
	b, err := json.Marshal(eventRecord{
		ID: e.ID, Business: e.BusinessID, Kind: e.Kind, At: micros(e.At), RecordedAt: micros(e.RecordedAt),
		Channel: e.Channel, Wording: e.Wording, Scopes: e.Scopes, Evidence: e.Evidence,
		Scope: e.Scope, Source: e.Source, Keyword: e.Keyword,
	})
	if err != nil {
		panic(err) // strings, a slice and a map of strings always marshal
	}
	return b
}

// decodeEvent reads an event stored under key (which holds its recipient).
func decodeEvent(key, v []byte) (ledger.Event, error) {
	var r eventRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return ledger.Event{}, fmt.Errorf("corrupt event: %w", err)
	}
	e := ledger.Event{
		ID: r.ID, BusinessID: r.Business, Kind: r.Kind, At: fromMicros(r.At), RecordedAt: fromMicros(r.RecordedAt),
		Channel: r.Channel, Wording: r.Wording, Scopes: r.Scopes, Evidence: r.Evidence,
		Scope: r.Scope, Source: r.Source, Keyword: r.Keyword,
	}
	copy(e.Recipient[:], key)
	return e, nil
}

// stateRecord is a state as stored, without its erasure time, which lives
// in the suppress bucket.
type stateRecord struct {
	OptInAt        int64    `json:"i,omitempty"`
	OptInID        string   `json:"id,omitempty"`
	Channel        string   `json:"c,omitempty"`
	Wording        string   `json:"w,omitempty"`
	Scopes         []string `json:"s,omitempty"`
	Keyword        string   `json:"kw,omitempty"`
	OptedOutAt     int64    `json:"o,omitempty"`
	MarketingOutAt int64    `json:"m,omitempty"`
	LastInboundAt  int64    `json:"l,omitempty"`
}

func encodeState(s *ledger.State) []byte {
	r := stateRecord{OptedOutAt: micros(s.OptedOutAt), MarketingOutAt: micros(s.MarketingOptedOutAt), LastInboundAt: micros(s.LastInboundAt)}
	if o := s.OptIn; o != nil {
		r.OptInAt, r.OptInID, r.Channel, r.Wording, r.Scopes, r.Keyword = micros(o.At), o.EventID, o.Channel, o.Wording, o.Scopes, o.Keyword
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return b
}

func decodeState(v []byte) (ledger.State, error) {
	var r stateRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return ledger.State{}, fmt.Errorf("corrupt state: %w", err)
	}
	s := ledger.State{OptedOutAt: fromMicros(r.OptedOutAt), MarketingOptedOutAt: fromMicros(r.MarketingOutAt), LastInboundAt: fromMicros(r.LastInboundAt)}
	if r.OptInID != "" || r.OptInAt != 0 {
		s.OptIn = &ledger.OptIn{At: fromMicros(r.OptInAt), EventID: r.OptInID, Channel: r.Channel, Wording: r.Wording, Scopes: r.Scopes, Keyword: r.Keyword}
	}
	return s, nil
}

func sortEvents(evs []ledger.Event) { slices.SortStableFunc(evs, ledger.CompareEvents) }

func sortExport(evs []ledger.Event) { slices.SortStableFunc(evs, ledger.CompareExport) }
