package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/embedded"
	"github.com/sendgate/sendgate/internal/ledger/memory"
	"github.com/sendgate/sendgate/internal/ledger/postgres"
)

// defaultDataDir is where serve keeps the embedded ledger, its key and the
// last good bundle unless --data-dir says otherwise.
const defaultDataDir = "./sendgate-data"

// keyFileName is the key serve generates in the data directory when the
// embedded ledger is used without --ledger-key-file.
const keyFileName = "ledger.key"

// ledgerOptions are the --ledger flags of serve (and, but for the last
// three, of the ledger commands).
type ledgerOptions struct {
	spec          string // off, memory, embedded or postgres://…
	keyFile       string
	retention     time.Duration
	decideWithout bool
	timeout       time.Duration
}

// bindLedgerFlags defines the ledger flags of serve.
func bindLedgerFlags(fs *flag.FlagSet, o *ledgerOptions) {
	bindLedgerStoreFlags(fs, o, "embedded")
	fs.DurationVar(&o.retention, "ledger-retention", ledger.DefaultRetention, "keep opt-in and inbound events this long (opt-outs and erasure entries are kept for ever)")
	fs.BoolVar(&o.decideWithout, "ledger-decide-without", false, "when the ledger cannot be read, decide without it (logged and counted) instead of failing the call with UNAVAILABLE")
	fs.DurationVar(&o.timeout, "ledger-timeout", engine.DefaultLedgerTimeout, "longest wait for one ledger read of a decision")
}

// bindLedgerStoreFlags defines the flags that choose the store.
func bindLedgerStoreFlags(fs *flag.FlagSet, o *ledgerOptions, def string) {
	fs.StringVar(&o.spec, "ledger", def, "consent ledger: off, memory, embedded (a file in --data-dir) or a postgres:// URL")
	fs.StringVar(&o.keyFile, "ledger-key-file", "", "file holding the key the ledger hashes phone numbers with (at least 32 bytes)")
}

// openedLedger is a ledger ready to serve, with what the engine needs to
// read it and how to close it.
type openedLedger struct {
	Ledger *ledger.Ledger
	Engine engine.LedgerOptions
	close  func()
}

// Close stops the retention job and closes the store; safe on nil.
func (l *openedLedger) Close() {
	if l != nil && l.close != nil {
		l.close()
	}
}

// openServeLedger opens the ledger serve was asked for (nil for off), starts
// its retention job and counts unreadable reads in reg.
func openServeLedger(ctx context.Context, o ledgerOptions, dataDir string, reg prometheus.Registerer, log *slog.Logger) (*openedLedger, error) {
	l, err := openLedgerStore(ctx, o, dataDir, true, log)
	if err != nil || l == nil {
		return nil, err
	}
	unreadable := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sendgate_ledger_unreadable_total",
		Help: "Decisions or batches whose ledger read failed, by what followed: refused (UNAVAILABLE) or decided_without (--ledger-decide-without).",
	}, []string{"outcome"})
	outcome := "refused"
	if o.decideWithout {
		outcome = "decided_without"
	}
	counter := unreadable.WithLabelValues(outcome)
	if err := reg.Register(unreadable); err != nil {
		_ = l.Store().Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		ledger.RunPurge(runCtx, l.Store(), o.retention, ledger.DefaultPurgeInterval, time.Now, log)
	})
	return &openedLedger{
		Ledger: l,
		Engine: engine.LedgerOptions{
			Reader:        l,
			Timeout:       o.timeout,
			DecideWithout: o.decideWithout,
			OnError: func(err error) {
				counter.Inc()
				if o.decideWithout {
					log.Warn("the consent ledger cannot be read; deciding without it", "error", err)
				}
			},
		},
		close: func() {
			stop()
			wg.Wait()
			if err := l.Store().Close(); err != nil {
				log.Warn("closing the consent ledger", "error", err)
			}
		},
	}, nil
}

// openLedgerStore opens the store o names and binds it to its key. A
// persistent store needs a key file, except the embedded store of serve,
// which generates one in the data directory on first start.
func openLedgerStore(ctx context.Context, o ledgerOptions, dataDir string, serving bool, log *slog.Logger) (*ledger.Ledger, error) {
	spec := strings.TrimSpace(o.spec)
	var (
		store ledger.Store
		key   []byte
		err   error
	)
	switch {
	case spec == "off" || spec == "":
		return nil, nil
	case spec == "memory":
		key, err = memoryKey(o.keyFile)
		if err == nil {
			store = memory.New()
			log.Info("consent ledger in memory: everything recorded is lost when sendgate stops")
		}
	case spec == "embedded":
		if dataDir == "" {
			return nil, errors.New("the embedded ledger needs --data-dir")
		}
		key, err = embeddedKey(o.keyFile, dataDir, serving, log)
		if err == nil {
			store, err = embedded.Open(dataDir)
		}
		if err == nil {
			log.Info("consent ledger: embedded store", "path", filepath.Join(dataDir, embedded.FileName))
		}
	case strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://"):
		if o.keyFile == "" {
			return nil, errors.New("a PostgreSQL ledger needs --ledger-key-file, the same on every replica")
		}
		key, err = ledger.ReadKeyFile(o.keyFile)
		if err == nil {
			store, err = postgres.Open(ctx, spec)
		}
		if err == nil {
			log.Info("consent ledger: PostgreSQL", "migrations", postgres.Migrations())
		}
	default:
		return nil, fmt.Errorf("--ledger %q: want off, memory, embedded or a postgres:// URL", spec)
	}
	if err != nil {
		return nil, err
	}
	h, err := ledger.NewHasher(key)
	if err == nil {
		var l *ledger.Ledger
		if l, err = ledger.Open(ctx, store, h); err == nil {
			return l, nil
		}
	}
	_ = store.Close()
	return nil, err
}

// memoryKey is the key file's key, or a random one: a memory ledger
// lives no longer than the process.
func memoryKey(keyFile string) ([]byte, error) {
	if keyFile != "" {
		return ledger.ReadKeyFile(keyFile)
	}
	key := make([]byte, 32)
	_, err := rand.Read(key)
	return key, err
}

// embeddedKey is the key file's key; without one, serve uses (and on first
// start writes) DIR/ledger.key, while the ledger commands only use it.
func embeddedKey(keyFile, dataDir string, serving bool, log *slog.Logger) ([]byte, error) {
	if keyFile != "" {
		return ledger.ReadKeyFile(keyFile)
	}
	path := filepath.Join(dataDir, keyFileName)
	if serving {
		made, err := ledger.GenerateKeyFile(path)
		if err != nil {
			return nil, err
		}
		if made {
			log.Warn("generated a ledger key: keep it with the data directory (and back it up); without it the ledger cannot be read",
				"key_file", path)
		}
	}
	key, err := ledger.ReadKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (give --ledger-key-file, or start serve once to generate %s)", err, path)
	}
	return key, nil
}

// engineOptions make the engine read the ledger; none when there is none.
func (l *openedLedger) engineOptions() engine.LedgerOptions {
	if l == nil {
		return engine.LedgerOptions{}
	}
	return l.Engine
}

// ledger is the opened ledger, nil when there is none.
func (l *openedLedger) ledger() *ledger.Ledger {
	if l == nil {
		return nil
	}
	return l.Ledger
}
