// Package postgres is the ledger.Store for fleets: any number of sendgate
// replicas share one PostgreSQL database. The schema migrations are SQL
// files embedded in the binary and applied at start-up with goose, under
// an advisory lock so that replicas starting together migrate once.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/sendgate/sendgate/internal/ledger"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL ledger store.
type Store struct {
	pool *pgxpool.Pool
}

var _ ledger.Store = (*Store)(nil)

// Open connects to the database at url (postgres://…; a search_path
// parameter selects the schema), applies the migrations it lacks and
// returns the store.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	// Every Check reads the ledger: pgx's default of four connections
	// would make concurrent decisions queue for one.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Migrations returns how many migrations the binary carries.
func Migrations() int {
	entries, _ := migrations.ReadDir("migrations")
	return len(entries)
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("ledger migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, mustSub(migrations, "migrations"),
		goose.WithSessionLocker(locker), goose.WithTableName("ledger_schema_version"))
	if err != nil {
		return fmt.Errorf("ledger migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("ledger migrations: %w", err)
	}
	return nil
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

const eventColumns = `business_id, event_id, recipient, kind, at, recorded_at, channel, wording, scopes, evidence, scope, source, keyword`

// recordSQL stores one event unless its id is taken, and folds it into
// its subject's state in the same statement. Ids are compared in byte
// order (COLLATE "C"), as ledger.State.Apply compares them.
const recordSQL = `
WITH ins AS (
    INSERT INTO ledger_events (` + eventColumns + `)
    VALUES ($1, $2, $3, $4::smallint, $5::timestamptz, $6, $7, $8, $9::text[], $10::jsonb, $11::smallint, $12, $13)
    ON CONFLICT (business_id, event_id) DO NOTHING
    RETURNING seq
), upd AS (
    INSERT INTO ledger_states AS s (recipient, business_id, opt_in_at, opt_in_event, channel, wording, scopes, keyword,
                                    opted_out_at, marketing_opted_out_at, last_inbound_at)
    SELECT $3, $1,
           CASE WHEN $4 = 1 THEN $5 END, CASE WHEN $4 = 1 THEN $2 END, CASE WHEN $4 = 1 THEN $7 END,
           CASE WHEN $4 = 1 THEN $8 END, CASE WHEN $4 = 1 THEN $9 END, CASE WHEN $4 = 1 THEN $13 END,
           CASE WHEN $4 = 2 AND $11 <> 2 THEN $5 END,
           CASE WHEN $4 = 2 AND $11 = 2 THEN $5 END,
           CASE WHEN $4 = 3 THEN $5 END
    FROM ins
    ON CONFLICT (recipient, business_id) DO UPDATE SET
        opt_in_at    = CASE WHEN ` + optInWins + ` THEN excluded.opt_in_at ELSE s.opt_in_at END,
        opt_in_event = CASE WHEN ` + optInWins + ` THEN excluded.opt_in_event ELSE s.opt_in_event END,
        channel      = CASE WHEN ` + optInWins + ` THEN excluded.channel ELSE s.channel END,
        wording      = CASE WHEN ` + optInWins + ` THEN excluded.wording ELSE s.wording END,
        scopes       = CASE WHEN ` + optInWins + ` THEN excluded.scopes ELSE s.scopes END,
        keyword      = CASE WHEN ` + optInWins + ` THEN excluded.keyword ELSE s.keyword END,
        opted_out_at           = GREATEST(s.opted_out_at, excluded.opted_out_at),
        marketing_opted_out_at = GREATEST(s.marketing_opted_out_at, excluded.marketing_opted_out_at),
        last_inbound_at        = GREATEST(s.last_inbound_at, excluded.last_inbound_at)
)
SELECT seq FROM ins`

const optInWins = `(excluded.opt_in_at IS NOT NULL AND (s.opt_in_at IS NULL OR excluded.opt_in_at > s.opt_in_at
    OR (excluded.opt_in_at = s.opt_in_at AND excluded.opt_in_event COLLATE "C" > s.opt_in_event COLLATE "C")))`

const suppressSQL = `
INSERT INTO ledger_suppressions AS p (recipient, business_id, erased_at) VALUES ($1, $2, $3)
ON CONFLICT (recipient, business_id) DO UPDATE SET erased_at = GREATEST(p.erased_at, excluded.erased_at)`

// Record implements ledger.Store: the events are sent in one round trip,
// in one transaction.
func (s *Store) Record(ctx context.Context, evs []ledger.Event) ([]ledger.Recorded, error) {
	out := make([]ledger.Recorded, len(evs))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var batch pgx.Batch
		for i := range evs {
			e := evs[i].Clone()
			e.At, e.RecordedAt = ledger.Micro(e.At), ledger.Micro(e.RecordedAt)
			out[i] = ledger.Recorded{Event: e}
			if e.Kind == ledger.KindErasure {
				batch.Queue(suppressSQL, e.Recipient[:], e.BusinessID, e.At)
				continue
			}
			batch.Queue(recordSQL, e.BusinessID, e.ID, e.Recipient[:], int16(e.Kind), e.At, e.RecordedAt,
				e.Channel, e.Wording, nonNil(e.Scopes), evidence(e.Evidence), int16(e.Scope), e.Source, e.Keyword)
		}
		br := tx.SendBatch(ctx, &batch)
		for i := range evs {
			if evs[i].Kind == ledger.KindErasure {
				if _, err := br.Exec(); err != nil {
					br.Close()
					return err
				}
				continue
			}
			var seq int64
			switch err := br.QueryRow().Scan(&seq); {
			case errors.Is(err, pgx.ErrNoRows):
				out[i].Duplicate = true
			case err != nil:
				br.Close()
				return err
			}
		}
		if err := br.Close(); err != nil {
			return err
		}
		for i := range out {
			if !out[i].Duplicate {
				continue
			}
			rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM ledger_events WHERE business_id = $1 AND event_id = $2`,
				out[i].Event.BusinessID, out[i].Event.ID)
			if err != nil {
				return err
			}
			first, err := pgx.CollectExactlyOneRow(rows, scanEvent)
			if err != nil {
				return err
			}
			out[i].Event = first
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	return out, nil
}

// statesSQL reads the states of many subjects in one query, in order.
const statesSQL = `
SELECT s.opt_in_at, s.opt_in_event, s.channel, s.wording, s.scopes, s.keyword,
       s.opted_out_at, s.marketing_opted_out_at, s.last_inbound_at,
       (SELECT max(p.erased_at) FROM ledger_suppressions p
         WHERE p.recipient = i.recipient AND p.business_id IN (i.business_id, ''))
FROM unnest($1::bytea[], $2::text[]) WITH ORDINALITY AS i(recipient, business_id, n)
LEFT JOIN ledger_states s ON s.recipient = i.recipient AND s.business_id = i.business_id
ORDER BY i.n`

// stateSQL is statesSQL for one subject, the common case (one Check).
const stateSQL = `
SELECT s.opt_in_at, s.opt_in_event, s.channel, s.wording, s.scopes, s.keyword,
       s.opted_out_at, s.marketing_opted_out_at, s.last_inbound_at,
       (SELECT max(p.erased_at) FROM ledger_suppressions p
         WHERE p.recipient = $1 AND p.business_id IN ($2, ''))
FROM (VALUES (1)) AS one(x)
LEFT JOIN ledger_states s ON s.recipient = $1 AND s.business_id = $2`

// States implements ledger.Store.
func (s *Store) States(ctx context.Context, subjects []ledger.Subject) ([]ledger.State, error) {
	out := make([]ledger.State, 0, len(subjects))
	if len(subjects) == 0 {
		return out, nil
	}
	recipients := make([][]byte, len(subjects))
	businesses := make([]string, len(subjects))
	for i := range subjects {
		recipients[i] = subjects[i].Recipient[:]
		businesses[i] = subjects[i].BusinessID
	}
	var rows pgx.Rows
	var err error
	if len(subjects) == 1 {
		rows, err = s.pool.Query(ctx, stateSQL, recipients[0], businesses[0])
	} else {
		rows, err = s.pool.Query(ctx, statesSQL, recipients, businesses)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			optInAt, optedOut, marketing, inbound, erased *time.Time
			event, channel, wording, keyword              *string
			scopes                                        []string
		)
		if err := rows.Scan(&optInAt, &event, &channel, &wording, &scopes, &keyword, &optedOut, &marketing, &inbound, &erased); err != nil {
			return nil, fmt.Errorf("ledger database: %w", err)
		}
		st := ledger.State{OptedOutAt: utc(optedOut), MarketingOptedOutAt: utc(marketing), LastInboundAt: utc(inbound), ErasedAt: utc(erased)}
		if optInAt != nil {
			st.OptIn = &ledger.OptIn{At: utc(optInAt), EventID: deref(event), Channel: deref(channel), Wording: deref(wording), Scopes: scopes, Keyword: deref(keyword)}
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	if len(out) != len(subjects) {
		return nil, fmt.Errorf("ledger database: %d states for %d subjects", len(out), len(subjects))
	}
	return out, nil
}

// History implements ledger.Store.
func (s *Store) History(ctx context.Context, sub ledger.Subject) ([]ledger.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM ledger_events
        WHERE recipient = $1 AND business_id = $2
        ORDER BY at, recorded_at, event_id COLLATE "C"`, sub.Recipient[:], sub.BusinessID)
	if err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	evs, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("ledger database: %w", err)
	}
	slices.SortStableFunc(evs, ledger.CompareEvents)
	return evs, nil
}

// Erase implements ledger.Store. PostgreSQL keeps deleted rows in its
// files until vacuum reuses their space; no query, dump or replica sees
// them once the transaction commits.
func (s *Store) Erase(ctx context.Context, business string, r ledger.Recipient, at time.Time) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM ledger_events WHERE recipient = $1 AND ($2 = '' OR business_id = $2)`, r[:], business)
		if err != nil {
			return err
		}
		n = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `DELETE FROM ledger_states WHERE recipient = $1 AND ($2 = '' OR business_id = $2)`, r[:], business); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, suppressSQL, r[:], business, ledger.Micro(at))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ledger database: %w", err)
	}
	return n, nil
}

// rebuildSQL recomputes the states of the subjects in purged_subjects
// from the events left.
const rebuildSQL = `
INSERT INTO ledger_states (recipient, business_id, opt_in_at, opt_in_event, channel, wording, scopes, keyword,
                           opted_out_at, marketing_opted_out_at, last_inbound_at)
SELECT t.recipient, t.business_id, oi.at, oi.event_id, oi.channel, oi.wording, oi.scopes, oi.keyword,
       (SELECT max(at) FROM ledger_events e WHERE e.recipient = t.recipient AND e.business_id = t.business_id AND e.kind = 2 AND e.scope <> 2),
       (SELECT max(at) FROM ledger_events e WHERE e.recipient = t.recipient AND e.business_id = t.business_id AND e.kind = 2 AND e.scope = 2),
       (SELECT max(at) FROM ledger_events e WHERE e.recipient = t.recipient AND e.business_id = t.business_id AND e.kind = 3)
FROM purged_subjects t
LEFT JOIN LATERAL (
    SELECT at, event_id, channel, wording, scopes, keyword FROM ledger_events e
    WHERE e.recipient = t.recipient AND e.business_id = t.business_id AND e.kind = 1
    ORDER BY at DESC, event_id COLLATE "C" DESC LIMIT 1
) oi ON true
WHERE EXISTS (SELECT 1 FROM ledger_events e WHERE e.recipient = t.recipient AND e.business_id = t.business_id)`

// Purge implements ledger.Store.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE purged_subjects (recipient bytea, business_id text) ON COMMIT DROP`); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `
WITH gone AS (DELETE FROM ledger_events WHERE kind IN (1, 3) AND at < $1 RETURNING recipient, business_id),
subjects AS (INSERT INTO purged_subjects SELECT DISTINCT recipient, business_id FROM gone)
SELECT count(*) FROM gone`, cutoff).Scan(&n)
		if err != nil || n == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ledger_states s USING purged_subjects t
            WHERE s.recipient = t.recipient AND s.business_id = t.business_id`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, rebuildSQL); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("ledger database: %w", err)
	}
	return n, nil
}

// Export implements ledger.Store.
func (s *Store) Export(ctx context.Context, business string, fn func(ledger.Event) error) error {
	rows, err := s.pool.Query(ctx, `
SELECT `+eventColumns+` FROM ledger_events WHERE $1 = '' OR business_id = $1
UNION ALL
SELECT business_id, '', recipient, 4, erased_at, erased_at, '', '', '{}', '{}', 0, '', ''
FROM ledger_suppressions WHERE $1 = '' OR business_id = $1 OR business_id = ''
ORDER BY recipient`, business)
	if err != nil {
		return fmt.Errorf("ledger database: %w", err)
	}
	defer rows.Close()
	var group []ledger.Event
	flush := func() error {
		slices.SortStableFunc(group, ledger.CompareExport)
		for _, e := range group {
			if err := fn(e); err != nil {
				return err
			}
		}
		group = group[:0]
		return nil
	}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("ledger database: %w", err)
		}
		if len(group) > 0 && group[0].Recipient != e.Recipient {
			if err := flush(); err != nil {
				return err
			}
		}
		group = append(group, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger database: %w", err)
	}
	return flush()
}

// BindKey implements ledger.Store.
func (s *Store) BindKey(ctx context.Context, fingerprint string) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO ledger_meta (name, value) VALUES ('key_fingerprint', $1) ON CONFLICT DO NOTHING`, fingerprint); err != nil {
		return fmt.Errorf("ledger database: %w", err)
	}
	var stored string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM ledger_meta WHERE name = 'key_fingerprint'`).Scan(&stored); err != nil {
		return fmt.Errorf("ledger database: %w", err)
	}
	if stored != fingerprint {
		return ledger.ErrKeyMismatch
	}
	return nil
}

// Close implements ledger.Store.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

func scanEvent(row pgx.CollectableRow) (ledger.Event, error) {
	var (
		e         ledger.Event
		recipient []byte
		kind      int16
		scope     int16
		evidence  map[string]string
	)
	err := row.Scan(&e.BusinessID, &e.ID, &recipient, &kind, &e.At, &e.RecordedAt, &e.Channel, &e.Wording, &e.Scopes, &evidence, &scope, &e.Source, &e.Keyword)
	if err != nil {
		return ledger.Event{}, err
	}
	if len(recipient) != len(e.Recipient) {
		return ledger.Event{}, fmt.Errorf("recipient of %d bytes", len(recipient))
	}
	copy(e.Recipient[:], recipient)
	e.Kind, e.Scope = ledger.Kind(kind), ledger.Scope(scope)
	e.At, e.RecordedAt = e.At.UTC(), e.RecordedAt.UTC()
	if len(evidence) > 0 {
		e.Evidence = evidence
	}
	if len(e.Scopes) == 0 {
		e.Scopes = nil
	}
	return e, nil
}

func evidence(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
