package embedded

import (
	"encoding/binary"
	"errors"
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

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq) }

func encodeTime(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(micros(t))) }

func decodeTime(b []byte) time.Time {
	if len(b) != 8 {
		return time.Time{}
	}
	return fromMicros(int64(binary.BigEndian.Uint64(b)))
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

// An event is stored as: kind, scope (a byte each), at and recorded at
// (microseconds, 8 bytes each), the recipient (32 bytes), then id,
// business, channel, wording, source and keyword, the scopes and the
// evidence (sorted by key), each string preceded by its length (uvarint).
const eventHeader = 1 + 1 + 8 + 8 + 32

var errCorrupt = errors.New("corrupt record")

func encodeEvent(e *ledger.Event) []byte {
	n := eventHeader + 6*2 + len(e.ID) + len(e.BusinessID) + len(e.Channel) + len(e.Wording) + len(e.Source) + len(e.Keyword) + 4
	for _, s := range e.Scopes {
		n += 1 + len(s)
	}
	for k, v := range e.Evidence {
		n += 4 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = append(b, byte(e.Kind), byte(e.Scope))
	b = binary.BigEndian.AppendUint64(b, uint64(micros(e.At)))
	b = binary.BigEndian.AppendUint64(b, uint64(micros(e.RecordedAt)))
	b = append(b, e.Recipient[:]...)
	for _, s := range [...]string{e.ID, e.BusinessID, e.Channel, e.Wording, e.Source, e.Keyword} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Scopes)))
	for _, s := range e.Scopes {
		b = appendString(b, s)
	}
	keys := make([]string, 0, len(e.Evidence))
	for k := range e.Evidence {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(appendString(b, k), e.Evidence[k])
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func decodeEvent(b []byte) (ledger.Event, error) {
	if len(b) < eventHeader {
		return ledger.Event{}, errCorrupt
	}
	e := ledger.Event{
		Kind:       ledger.Kind(b[0]),
		Scope:      ledger.Scope(b[1]),
		At:         fromMicros(int64(binary.BigEndian.Uint64(b[2:]))),
		RecordedAt: fromMicros(int64(binary.BigEndian.Uint64(b[10:]))),
	}
	copy(e.Recipient[:], b[18:])
	d := decoder{b: b[eventHeader:]}
	for _, p := range [...]*string{&e.ID, &e.BusinessID, &e.Channel, &e.Wording, &e.Source, &e.Keyword} {
		*p = d.string()
	}
	if n := d.count(); n > 0 {
		e.Scopes = make([]string, n)
		for i := range e.Scopes {
			e.Scopes[i] = d.string()
		}
	}
	if n := d.count(); n > 0 {
		e.Evidence = make(map[string]string, n)
		for range n {
			k := d.string()
			e.Evidence[k] = d.string()
		}
	}
	if d.bad {
		return ledger.Event{}, errCorrupt
	}
	return e, nil
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) count() int {
	n, w := binary.Uvarint(d.b)
	if w <= 0 || n > uint64(len(d.b)) {
		d.bad = true
		d.b = nil
		return 0
	}
	d.b = d.b[w:]
	return int(n)
}

func (d *decoder) string() string {
	n := d.count()
	if n > len(d.b) {
		d.bad = true
		d.b = nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// stateRecord is the stored part of a subject's state: the latest opt-in
// by its event (whose wording and scopes stay in the event), the latest
// opt-outs and the latest inbound message. The erasure time lives in the
// suppress bucket.
type stateRecord struct {
	optInSeq                              uint64
	optInAt, optedOut, marketing, inbound int64
}

const stateSize = 5 * 8

func (r *stateRecord) encode() []byte {
	b := make([]byte, 0, stateSize)
	for _, v := range [...]uint64{r.optInSeq, uint64(r.optInAt), uint64(r.optedOut), uint64(r.marketing), uint64(r.inbound)} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

func decodeStateRecord(b []byte) (stateRecord, error) {
	if len(b) != stateSize {
		return stateRecord{}, errCorrupt
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[8*i:]) }
	return stateRecord{optInSeq: u(0), optInAt: int64(u(1)), optedOut: int64(u(2)), marketing: int64(u(3)), inbound: int64(u(4))}, nil
}

func sortEvents(evs []ledger.Event) { slices.SortStableFunc(evs, ledger.CompareEvents) }

func sortExport(evs []ledger.Event) { slices.SortStableFunc(evs, ledger.CompareExport) }
