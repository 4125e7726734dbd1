package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestHelpExitsZero asks every command for -h and --help.
func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range [][]string{
		{}, {"serve"}, {"check"}, {"test"}, {"config"}, {"capabilities"}, {"version"},
		{"bundle"}, {"bundle", "build"}, {"bundle", "verify"}, {"bundle", "inspect"},
	} {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, cmd...), h)
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, nil, &stdout, &stderr); code != exitOK {
				t.Errorf("sendgate %s: exit %d, want 0", strings.Join(args, " "), code)
			}
			if !strings.Contains(strings.ToLower(stdout.String()+stderr.String()), "usage") {
				t.Errorf("sendgate %s printed no usage", strings.Join(args, " "))
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
		out := stdout.String()
		for _, want := range []string{"sendgate ", "revision ", "built with go"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v printed %q, lacking %q", args, out, want)
			}
		}
	}
}

// TestCheckOnATerminalPrintsUsage gives check a character device for
// standard input (/dev/null stands in for a terminal): it prints its
// usage instead of waiting.
func TestCheckOnATerminalPrintsUsage(t *testing.T) {
	tty, err := os.Open(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	defer tty.Close()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check"}, tty, &stdout, &stderr); code != exitUnusable {
		t.Fatalf("exit %d, want %d", code, exitUnusable)
	}
	if !strings.Contains(stderr.String(), "usage: sendgate check") || stdout.Len() != 0 {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	// A pipe is read as before.
	code := run(context.Background(), []string{"check"}, bytes.NewReader(validRequestJSON), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("request on a pipe: exit %d, %s", code, stderr.String())
	}
}
