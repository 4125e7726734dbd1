package decisionlog

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"gopkg.in/natefinch/lumberjack.v2"
)

// MinKeyBytes is the shortest recipient hash key accepted from a file.
const MinKeyBytes = 16

// Options describe a decision log the way the command line does.
type Options struct {
	// Target is "stdout", "off" (or empty) for no log, or a file path.
	Target string
	// MaxSizeMB rotates the file when it would grow past this many megabytes; 0 means 100.
	MaxSizeMB int
	// MaxBackups is how many rotated files to keep; 0 keeps all.
	MaxBackups int
	// MaxAgeDays removes rotated files older than this many days; 0 keeps
	// them whatever their age.
	MaxAgeDays int
	// DenialsOnly logs only denials.
	DenialsOnly bool
	// KeyFile holds the recipient hash key; empty means a random per-process key.
	KeyFile string
	// QueueSize bounds the queue; 0 means DefaultQueueSize.
	QueueSize int
	// OmitEvidence leaves reasons' evidence out of the log.
	OmitEvidence bool
	// OnDrop is called once per dropped entry, e.g. to count it in metrics.
	OnDrop func()
	// OnWriteError is called once per batch the sink failed to write.
	OnWriteError func()
	// Log receives operational messages; nil means slog.Default().
	Log *slog.Logger
}

// Open builds the Recorder the options describe: Nop when Target is "off"
// or empty, otherwise a Logger writing to stdout or a rotating file.
func Open(o Options) (Recorder, error) {
	target := strings.TrimSpace(o.Target)
	if target == "" || target == "off" {
		return Nop{}, nil
	}
	var key []byte
	if o.KeyFile != "" {
		k, err := LoadKey(o.KeyFile)
		if err != nil {
			return nil, err
		}
		key = k
	}
	sink, err := OpenSink(target, Retention{MaxSizeMB: o.MaxSizeMB, MaxBackups: o.MaxBackups, MaxAgeDays: o.MaxAgeDays})
	if err != nil {
		return nil, err
	}
	return New(Config{
		Sink:         sink,
		QueueSize:    o.QueueSize,
		DenialsOnly:  o.DenialsOnly,
		RecipientKey: key,
		OmitEvidence: o.OmitEvidence,
		OnDrop:       o.OnDrop,
		OnWriteError: o.OnWriteError,
		Log:          o.Log,
	})
}

// Retention says when a log file is rotated and which rotated files are
// kept; zero values as in Options.
type Retention struct {
	MaxSizeMB, MaxBackups, MaxAgeDays int
}

// OpenSink returns standard output for "stdout" or "-", and otherwise a file
// rotated by size, its rotated copies removed past r's count and age (in
// the background, after each rotation). The file is created now so a bad
// path fails at startup.
func OpenSink(target string, r Retention) (io.Writer, error) {
	if target == "stdout" || target == "-" {
		return stdout{}, nil
	}
	if r.MaxSizeMB < 0 || r.MaxBackups < 0 || r.MaxAgeDays < 0 {
		return nil, fmt.Errorf("decisionlog: negative max size, backups or age for %s", target)
	}
	lj := &lumberjack.Logger{Filename: target, MaxSize: r.MaxSizeMB, MaxBackups: r.MaxBackups, MaxAge: r.MaxAgeDays}
	if _, err := lj.Write(nil); err != nil {
		return nil, fmt.Errorf("decisionlog: open %s: %w", target, err)
	}
	return lj, nil
}

// stdout writes to os.Stdout and is deliberately not an io.Closer.
type stdout struct{}

func (stdout) Write(p []byte) (int, error) { return os.Stdout.Write(p) }

// LoadKey reads a recipient hash key from a file: its bytes, less trailing
// whitespace, are the key.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("decisionlog: read recipient hash key: %w", err)
	}
	b = bytes.TrimRight(b, " \t\r\n")
	if len(b) < MinKeyBytes {
		return nil, fmt.Errorf("decisionlog: recipient hash key in %s: %w (%d bytes, need %d)", path, ErrShortKey, len(b), MinKeyBytes)
	}
	return b, nil
}

// ErrShortKey is returned by LoadKey for a key shorter than MinKeyBytes.
var ErrShortKey = errors.New("recipient hash key too short")

// RandomKey returns a fresh 32-byte key.
func RandomKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("random recipient hash key: %w", err)
	}
	return k, nil
}
