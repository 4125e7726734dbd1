package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/ledger"
	iserver "github.com/sendgate/sendgate/internal/server"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

type importOptions struct {
	name, format string
	size         int64
	batch        int
	concurrency  int
	showRefused  int
	progress     func(done, total int64, rows int)
}

// importRow is one parsed row: an opt-in, an opt-out, or a line of an
// export (which names the recipient by its hash).
type importRow struct {
	line   int
	optIn  *sendgatev1.RecordOptInRequest
	optOut *sendgatev1.RecordOptOutRequest
	event  *ledger.Event
}

// refusal is a row that was not recorded, and why.
type refusal struct {
	line   int
	reason string
}

type importSummary struct {
	name                 string
	rows, accepted, dups int
	refused              []refusal
	took                 time.Duration
}

func (s *importSummary) print(w io.Writer, show int) {
	rate := ""
	if secs := s.took.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" (%s rows/s)", thousands(int(float64(s.rows)/secs)))
	}
	fmt.Fprintf(w, "%s: %s rows read in %s%s: %s accepted (%s of them already recorded), %s refused\n",
		s.name, thousands(s.rows), s.took.Round(time.Millisecond), rate, thousands(s.accepted), thousands(s.dups), thousands(len(s.refused)))
	for i, r := range s.refused {
		if i == show {
			fmt.Fprintf(w, "  … and %d more\n", len(s.refused)-show)
			break
		}
		fmt.Fprintf(w, "  line %d: %s\n", r.line, r.reason)
	}
}

// importFile reads rows from r and records them through client or into l.
func importFile(ctx context.Context, r io.Reader, o importOptions, client sendgatev1.LedgerServiceClient, l *ledger.Ledger) (importSummary, error) {
	sum := importSummary{name: o.name}
	counted := &countingReader{r: r}
	br := bufio.NewReaderSize(counted, 1<<20)
	format := o.format
	if format == "" {
		format = sniffFormat(o.name, br)
	}
	var rows rowReader
	switch format {
	case "jsonl", "json", "ndjson":
		rows = &jsonlRows{r: br}
	case "csv":
		c := csv.NewReader(br)
		c.FieldsPerRecord = -1
		c.ReuseRecord = true
		rows = &csvRows{r: c}
	default:
		return sum, fmt.Errorf("--format %q: want csv or jsonl", format)
	}
	var w rowWriter
	if client != nil {
		w = newServerWriter(ctx, client, o.concurrency, &sum)
	} else {
		w = &storeWriter{ctx: ctx, l: l, batch: max(o.batch, 1), sum: &sum, pending: make([]ledger.Event, 0, min(max(o.batch, 1), 1<<20))}
	}
	lastShown := time.Time{}
	for {
		row, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *rowError
		if errors.As(err, &perr) {
			sum.rows++
			sum.refused = append(sum.refused, refusal{perr.line, perr.msg})
			continue
		}
		if err != nil {
			w.close()
			return sum, err
		}
		sum.rows++
		if reason := check(row, client != nil); reason != "" {
			sum.refused = append(sum.refused, refusal{row.line, reason})
			continue
		}
		if err := w.write(row); err != nil {
			w.close()
			return sum, err
		}
		if o.progress != nil && time.Since(lastShown) > 100*time.Millisecond {
			lastShown = time.Now()
			o.progress(counted.n, o.size, sum.rows)
		}
	}
	err := w.close()
	if o.progress != nil {
		o.progress(counted.n, o.size, sum.rows)
		o.progress(-1, 0, 0) // ends the bar's line
	}
	sortRefusals(sum.refused)
	return sum, err
}

// check validates a row as the server would, and says why it is refused.
func check(row importRow, remote bool) string {
	var vs []validate.Violation
	switch {
	case row.optIn != nil:
		vs = validate.RecordOptIn(row.optIn)
	case row.optOut != nil:
		vs = validate.RecordOptOut(row.optOut)
	case remote:
		return "an exported line names no phone number: import it into a store directly (without --addr)"
	case row.event.Kind == 0:
		return "kind: unknown"
	}
	if len(vs) == 0 {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Field + ": " + v.Description
	}
	return strings.Join(parts, "; ")
}

// sniffFormat guesses the format from the file name, else from the first
// character: a JSON line starts with "{".
func sniffFormat(name string, br *bufio.Reader) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".jsonl", ".ndjson", ".json":
		return "jsonl"
	}
	b, _ := br.Peek(64)
	if t := bytes.TrimLeft(b, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return "jsonl"
	}
	return "csv"
}

type rowReader interface {
	next() (importRow, error)
}

// rowError is a row that could not be parsed.
type rowError struct {
	line int
	msg  string
}

func (e *rowError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// fields are the columns of a row, named as in the CSV header and JSONL keys.
type fields struct {
	Type       string            `json:"type"`
	Kind       string            `json:"kind"` // only in an exported line
	EventID    string            `json:"event_id"`
	BusinessID string            `json:"business_id"`
	Phone      string            `json:"phone"`
	At         string            `json:"at"`
	Channel    string            `json:"channel"`
	Wording    string            `json:"wording"`
	Scopes     []string          `json:"scopes"`
	Evidence   map[string]string `json:"evidence"`
	Scope      string            `json:"scope"`
	Source     string            `json:"source"`
}

// row turns the fields into a request; err names what cannot be read.
func (f *fields) row(line int) (importRow, error) {
	bad := func(msg string) (importRow, error) { return importRow{}, &rowError{line, msg} }
	if f.At == "" {
		return bad("at: is required (when the person opted in or out, RFC 3339)")
	}
	at, err := time.Parse(time.RFC3339Nano, f.At)
	if err != nil {
		return bad(fmt.Sprintf("at: %q is not an RFC 3339 time such as 2024-05-01T09:30:00Z", f.At))
	}
	ts := timestamppb.New(at)
	switch strings.ToLower(strings.ReplaceAll(f.Type, "-", "_")) {
	case "opt_in", "optin":
		req := &sendgatev1.RecordOptInRequest{EventId: f.EventID, BusinessId: f.BusinessID, Phone: f.Phone, OptedInAt: ts,
			Channel: f.Channel, Wording: f.Wording, Evidence: f.Evidence}
		for _, s := range f.Scopes {
			c, ok := categoryNamed(s)
			if !ok {
				return bad(fmt.Sprintf("scopes: %q is not a category (MARKETING, UTILITY, AUTHENTICATION, SERVICE)", s))
			}
			req.Scopes = append(req.Scopes, c)
		}
		if req.EventId == "" {
			req.EventId = contentID(req)
		}
		return importRow{line: line, optIn: req}, nil
	case "opt_out", "optout":
		req := &sendgatev1.RecordOptOutRequest{EventId: f.EventID, BusinessId: f.BusinessID, Phone: f.Phone, OptedOutAt: ts,
			Source: sendgatev1.OptOutSource_OPT_OUT_SOURCE_IMPORT}
		switch strings.ToUpper(strings.TrimPrefix(strings.ToUpper(f.Scope), "OPT_OUT_SCOPE_")) {
		case "", "ALL":
			req.Scope = sendgatev1.OptOutScope_OPT_OUT_SCOPE_ALL
		case "MARKETING":
			req.Scope = sendgatev1.OptOutScope_OPT_OUT_SCOPE_MARKETING
		default:
			return bad(fmt.Sprintf("scope: %q is neither ALL nor MARKETING", f.Scope))
		}
		if f.Source != "" {
			src := iserver.SourceOf(strings.ToLower(f.Source))
			if src == sendgatev1.OptOutSource_OPT_OUT_SOURCE_UNSPECIFIED {
				return bad(fmt.Sprintf("source: %q is not one of keyword, web, agent, meta_marketing_stop, import", f.Source))
			}
			req.Source = src
		}
		if req.EventId == "" {
			req.EventId = contentID(req)
		}
		return importRow{line: line, optOut: req}, nil
	case "":
		return bad("type: is required (opt_in or opt_out)")
	}
	return bad(fmt.Sprintf("type: %q is neither opt_in nor opt_out", f.Type))
}

// contentID is the event id of a row that gives none: a digest of what it
// records, so that importing the same file twice records nothing twice.
func contentID(m proto.Message) string {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	sum := sha256.Sum256(b)
	return "import-" + hex.EncodeToString(sum[:12])
}

func categoryNamed(s string) (sendgatev1.Category, bool) {
	name := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(name, "CATEGORY_") {
		name = "CATEGORY_" + name
	}
	c, ok := sendgatev1.Category_value[name]
	return sendgatev1.Category(c), ok && c != 0
}

// jsonlRows reads one JSON object a line: an import row, or a line of an
// export (which has a "kind").
type jsonlRows struct {
	r    *bufio.Reader
	line int
}

func (j *jsonlRows) next() (importRow, error) {
	for {
		b, err := j.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			return importRow{}, err
		}
		j.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		var f fields
		if uerr := json.Unmarshal(b, &f); uerr != nil {
			return importRow{}, &rowError{j.line, "not a JSON object: " + uerr.Error()}
		}
		if f.Kind != "" {
			var e sendgatev1.LedgerEvent
			if uerr := protojson.Unmarshal(b, &e); uerr != nil {
				return importRow{}, &rowError{j.line, "not an exported event: " + uerr.Error()}
			}
			ev, cerr := iserver.EventOf(&e)
			if cerr != nil {
				return importRow{}, &rowError{j.line, "recipient: " + cerr.Error()}
			}
			return importRow{line: j.line, event: &ev}, nil
		}
		return f.row(j.line)
	}
}

// csvRows reads a CSV file whose header names the fields; columns
// "evidence.KEY" fill the evidence, and scopes are separated by "|".
type csvRows struct {
	r      *csv.Reader
	header []string
}

func (c *csvRows) next() (importRow, error) {
	for {
		rec, err := c.r.Read()
		line, _ := c.r.FieldPos(0)
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return importRow{}, &rowError{perr.Line, perr.Err.Error()}
			}
			return importRow{}, err
		}
		if c.header == nil {
			c.header = make([]string, len(rec))
			for i, h := range rec {
				c.header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		var f fields
		for i, v := range rec {
			if i >= len(c.header) {
				return importRow{}, &rowError{line, fmt.Sprintf("%d columns, but the header names %d", len(rec), len(c.header))}
			}
			switch h := c.header[i]; h {
			case "type":
				f.Type = v
			case "event_id":
				f.EventID = v
			case "business_id":
				f.BusinessID = v
			case "phone":
				f.Phone = strings.TrimSpace(v)
			case "at", "opted_in_at", "opted_out_at":
				if v != "" {
					f.At = strings.TrimSpace(v)
				}
			case "channel":
				f.Channel = v
			case "wording":
				f.Wording = v
			case "scopes":
				for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ';' || r == ' ' }) {
					f.Scopes = append(f.Scopes, s)
				}
			case "scope":
				f.Scope = v
			case "source":
				f.Source = v
			default:
				if k, ok := strings.CutPrefix(h, "evidence."); ok && v != "" {
					if f.Evidence == nil {
						f.Evidence = map[string]string{}
					}
					f.Evidence[k] = v
				}
			}
		}
		return f.row(line)
	}
}

type rowWriter interface {
	write(importRow) error
	close() error
}

// storeWriter records rows into a store in batches. A full batch is
// recorded in the background while the next one is read and parsed: the
// store's commit and the parsing each keep a core busy.
type storeWriter struct {
	ctx     context.Context
	l       *ledger.Ledger
	batch   int
	pending []ledger.Event
	sum     *importSummary
	// recording, when not nil, answers once the batch in the background
	// is recorded.
	recording chan recorded
	spare     []ledger.Event
	// failed is the error recording a batch gave: nothing more is recorded.
	failed error
}

// recorded is what recording one batch gave.
type recorded struct {
	events         []ledger.Event
	accepted, dups int
	err            error
}

func (w *storeWriter) write(row importRow) error {
	var e ledger.Event
	switch {
	case row.optIn != nil:
		r := row.optIn
		e = ledger.Event{ID: r.GetEventId(), BusinessID: r.GetBusinessId(), Recipient: w.l.Recipient(r.GetPhone()), Kind: ledger.KindOptIn,
			At: r.GetOptedInAt().AsTime(), Channel: r.GetChannel(), Wording: r.GetWording(), Evidence: r.GetEvidence()}
		for _, s := range r.GetScopes() {
			e.Scopes = append(e.Scopes, s.String())
		}
	case row.optOut != nil:
		r := row.optOut
		e = ledger.Event{ID: r.GetEventId(), BusinessID: r.GetBusinessId(), Recipient: w.l.Recipient(r.GetPhone()), Kind: ledger.KindOptOut,
			At: r.GetOptedOutAt().AsTime(), Scope: ledger.ScopeAll}
		if r.GetScope() == sendgatev1.OptOutScope_OPT_OUT_SCOPE_MARKETING {
			e.Scope = ledger.ScopeMarketing
		}
		e.Source = sourceName(r.GetSource())
	default:
		e = *row.event
	}
	w.pending = append(w.pending, e)
	if len(w.pending) >= w.batch {
		return w.flush()
	}
	return nil
}

func sourceName(s sendgatev1.OptOutSource) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "OPT_OUT_SOURCE_"))
}

// flush hands the pending batch to the background, once the batch before
// it is recorded.
func (w *storeWriter) flush() error {
	if err := w.wait(); err != nil {
		return err
	}
	if w.failed != nil {
		return w.failed
	}
	if len(w.pending) == 0 {
		return nil
	}
	events := w.pending
	w.pending = w.spare[:0]
	if w.pending == nil {
		w.pending = make([]ledger.Event, 0, cap(events))
	}
	done := make(chan recorded, 1)
	w.recording = done
	go func() {
		rec, err := w.l.Record(w.ctx, events)
		r := recorded{events: events, err: err}
		for _, x := range rec {
			r.accepted++
			if x.Duplicate {
				r.dups++
			}
		}
		done <- r
	}()
	return nil
}

// wait waits for the batch in the background and counts it.
func (w *storeWriter) wait() error {
	if w.recording == nil {
		return nil
	}
	r := <-w.recording
	w.recording = nil
	w.spare = r.events[:0]
	w.sum.accepted += r.accepted
	w.sum.dups += r.dups
	if r.err != nil {
		w.failed = r.err
	}
	return r.err
}

func (w *storeWriter) close() error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.wait()
}

// serverWriter sends rows to a server, several calls at once.
type serverWriter struct {
	ctx    context.Context
	client sendgatev1.LedgerServiceClient
	rows   chan importRow
	closed bool
	wg     sync.WaitGroup
	mu     sync.Mutex
	sum    *importSummary
	err    error
}

func newServerWriter(ctx context.Context, client sendgatev1.LedgerServiceClient, n int, sum *importSummary) *serverWriter {
	w := &serverWriter{ctx: ctx, client: client, rows: make(chan importRow, 2*max(n, 1)), sum: sum}
	for range max(n, 1) {
		w.wg.Go(func() { w.work(w.rows) })
	}
	return w
}

func (w *serverWriter) work(rows <-chan importRow) {
	for row := range rows {
		var dup bool
		var err error
		if row.optIn != nil {
			var resp *sendgatev1.RecordOptInResponse
			resp, err = w.client.RecordOptIn(w.ctx, row.optIn)
			dup = resp.GetDuplicate()
		} else {
			var resp *sendgatev1.RecordOptOutResponse
			resp, err = w.client.RecordOptOut(w.ctx, row.optOut)
			dup = resp.GetDuplicate()
		}
		w.mu.Lock()
		switch {
		case err == nil:
			w.sum.accepted++
			if dup {
				w.sum.dups++
			}
		case status.Code(err) == codes.InvalidArgument:
			w.sum.refused = append(w.sum.refused, refusal{row.line, status.Convert(err).Message()})
		case w.err == nil:
			w.err = fmt.Errorf("line %d: %w", row.line, err)
		}
		w.mu.Unlock()
	}
}

func (w *serverWriter) write(row importRow) error {
	w.mu.Lock()
	err := w.err
	w.mu.Unlock()
	if err != nil {
		return err
	}
	select {
	case w.rows <- row:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

func (w *serverWriter) close() error {
	if !w.closed {
		w.closed = true
		close(w.rows)
		w.wg.Wait()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progressTo returns a progress bar drawn on w when w is a terminal, else nil.
func progressTo(w io.Writer) func(done, total int64, rows int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	start := time.Now()
	return func(done, total int64, rows int) {
		if done < 0 {
			fmt.Fprintln(f)
			return
		}
		const width = 30
		frac := 0.0
		if total > 0 {
			frac = min(float64(done)/float64(total), 1)
		}
		filled := int(frac * width)
		rate := float64(rows) / max(time.Since(start).Seconds(), 1e-3)
		fmt.Fprintf(f, "\r[%s%s] %3.0f%%  %s rows  %s rows/s ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			frac*100, thousands(rows), thousands(int(rate)))
	}
}

// thousands writes n with thousands separators: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// sortRefusals orders refusals by line: rows sent to a server come back
// in any order.
func sortRefusals(r []refusal) {
	slices.SortStableFunc(r, func(a, b refusal) int { return cmp.Compare(a.line, b.line) })
}
