package decisionlog

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenOff(t *testing.T) {
	for _, target := range []string{"", "off"} {
		r, err := Open(Options{Target: target})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.(Nop); !ok {
			t.Errorf("Open(%q) = %T, want Nop", target, r)
		}
	}
}

func TestOpenFileRotatesAtMaxSize(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, append(testKey, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "decisions.log")
	const n = 3000 // about 1.4 MB of lines: more than one 1 MB file
	r, err := Open(Options{Target: logFile, MaxSizeMB: 1, KeyFile: keyFile, QueueSize: n, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	if r.(*Logger).EphemeralKey() {
		t.Error("key file ignored")
	}
	for i := range n {
		r.Log(denyEntry(fmt.Sprint(i)))
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	files, err := filepath.Glob(filepath.Join(dir, "decisions*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("files %v: no rotation at 1 MB", files)
	}
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1<<20 {
			t.Errorf("%s is %d bytes, over the 1 MB limit", filepath.Base(f), len(b))
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s ends mid-line", filepath.Base(f))
		}
		total += len(parseLines(t, b)) // fails on any split line
	}
	if total != n {
		t.Errorf("%d lines across %d files, want %d", total, len(files), n)
	}
}

// TestOpenFileKeepsMaxBackups: past the count of rotated files to keep,
// the oldest are removed (before, every rotation left one more file).
func TestOpenFileKeepsMaxBackups(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "decisions.log")
	const n = 12000 // about 5.6 MB of lines: five rotations at 1 MB
	r, err := Open(Options{Target: logFile, MaxSizeMB: 1, MaxBackups: 2, QueueSize: n, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r.Log(denyEntry(fmt.Sprint(i)))
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Old files are removed in the background after each rotation; this
	// bounds the wait, it times nothing.
	var files []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if files, err = filepath.Glob(filepath.Join(dir, "decisions*.log")); err != nil {
			t.Fatal(err)
		}
		if len(files) <= 3 || time.Now().After(deadline) {
			break
		}
	}
	if len(files) != 3 {
		t.Fatalf("files %v: want the current file and 2 rotated ones", files)
	}
}

func TestOpenBadPathFailsEarly(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Target: filepath.Join(blocker, "decisions.log")}); err == nil {
		t.Error("Open under a regular file succeeded")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("tooshort\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(short); !errors.Is(err, ErrShortKey) {
		t.Errorf("short key: err = %v, want ErrShortKey", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing key: err = %v, want not-exist", err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte(strings.Repeat("k", 32)+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadKey(good); err != nil || string(k) != strings.Repeat("k", 32) {
		t.Errorf("LoadKey = %q, %v", k, err)
	}
}

func TestBindFlags(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	BindFlags(fs, &o)
	if o.Target != "stdout" || o.MaxSizeMB != DefaultMaxSizeMB || o.MaxBackups != DefaultMaxBackups || o.MaxAgeDays != 0 || o.DenialsOnly || o.KeyFile != "" {
		t.Errorf("defaults = %+v", o)
	}
	err := fs.Parse([]string{"--decision-log", "/var/log/d.log", "--decision-log-max-size-mb", "5",
		"--decision-log-max-backups", "3", "--decision-log-max-age-days", "7",
		"--decision-log-denials-only", "--recipient-hash-key-file", "/etc/key"})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Target: "/var/log/d.log", MaxSizeMB: 5, MaxBackups: 3, MaxAgeDays: 7, DenialsOnly: true, KeyFile: "/etc/key"}
	if o.Target != want.Target || o.MaxSizeMB != want.MaxSizeMB || o.MaxBackups != want.MaxBackups || o.MaxAgeDays != want.MaxAgeDays ||
		o.DenialsOnly != want.DenialsOnly || o.KeyFile != want.KeyFile {
		t.Errorf("parsed = %+v, want %+v", o, want)
	}
}
