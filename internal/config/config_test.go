package config_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/config"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

type settings struct {
	config, addr, token, source string
	poll                        time.Duration
	skip                        bool
	limit                       int64
	keys                        list
}

func flags(s *settings) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.config, "config", "", "configuration file")
	fs.StringVar(&s.addr, "addr", ":9090", "listen address")
	fs.StringVar(&s.token, "bundle-bearer-token", "", "bearer token")
	fs.StringVar(&s.source, "bundle", "", "bundle source")
	fs.DurationVar(&s.poll, "poll-interval", 0, "poll interval")
	fs.BoolVar(&s.skip, "skip-bundle-tests", false, "skip tests")
	fs.Int64Var(&s.limit, "bundle-size-limit", 64<<20, "size limit")
	fs.Var(&s.keys, "verification-key", "key; repeatable")
	return fs
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sendgate.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func apply(t *testing.T, args []string, vars map[string]string) (*settings, *config.Effective, error) {
	t.Helper()
	var s settings
	fs := flags(&s)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	e, err := config.Apply(fs, config.Options{EnvPrefix: "SENDGATE_", FileFlag: "config", LookupEnv: env(vars)})
	return &s, e, err
}

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	file := writeFile(t, "addr: :1111\nbundle: from-file\npoll-interval: 15s\n")
	s, e, err := apply(t, []string{"--config", file, "--addr", ":3333"},
		map[string]string{"SENDGATE_ADDR": ":2222", "SENDGATE_BUNDLE": "from-env"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, got, want string
		src             config.Source
	}{
		{"addr", s.addr, ":3333", config.FromFlag},
		{"bundle", s.source, "from-env", config.FromEnv},
		{"poll-interval", s.poll.String(), "15s", config.FromFile},
		{"bundle-size-limit", fmt.Sprint(s.limit), fmt.Sprint(64 << 20), config.FromDefault},
	} {
		if c.got != c.want || e.Source(c.name) != c.src {
			t.Errorf("%s = %q from %s, want %q from %s", c.name, c.got, e.Source(c.name), c.want, c.src)
		}
	}
}

func TestConfigFileNamedByEnvironment(t *testing.T) {
	file := writeFile(t, "bundle: b\n")
	s, _, err := apply(t, nil, map[string]string{"SENDGATE_CONFIG": file})
	if err != nil || s.source != "b" {
		t.Fatalf("bundle %q, %v", s.source, err)
	}
}

func TestUnknownKeyRefusedByName(t *testing.T) {
	for body, want := range map[string]string{
		"addr: :1\nadmn-addr: x\n":       `line 2: unknown key "admn-addr"`,
		"poll_interval: 5s\n":            `unknown key "poll_interval" (did you mean "poll-interval"?)`,
		"config: other.yaml\n":           `unknown key "config"`,
		"addr: [a, b]\n":                 "addr: takes one value, not a list",
		"poll-interval: soon\n":          "poll-interval: parse error",
		"- addr\n":                       "want a mapping",
		"addr: :1\naddr: :2\n":           `key "addr" given twice`,
		"skip-bundle-tests: {a: true}\n": "want a plain value",
	} {
		_, _, err := apply(t, []string{"--config", writeFile(t, body)}, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to say %q", body, err, want)
		}
	}
}

func TestBadEnvironmentValueNamesTheVariable(t *testing.T) {
	_, _, err := apply(t, nil, map[string]string{"SENDGATE_SKIP_BUNDLE_TESTS": "maybe"})
	if err == nil || !strings.Contains(err.Error(), "SENDGATE_SKIP_BUNDLE_TESTS") {
		t.Fatalf("error %v", err)
	}
}

func TestRepeatableFlags(t *testing.T) {
	file := writeFile(t, "verification-key: [a.pem, 2025=b.pem]\n")
	s, _, err := apply(t, []string{"--config", file}, nil)
	if err != nil || s.keys.String() != "a.pem,2025=b.pem" {
		t.Fatalf("keys %q, %v", s.keys.String(), err)
	}
	s, _, err = apply(t, []string{"--config", file}, map[string]string{"SENDGATE_VERIFICATION_KEY": "c.pem, d.pem"})
	if err != nil || s.keys.String() != "c.pem,d.pem" {
		t.Fatalf("env keys %q, %v", s.keys.String(), err)
	}
}

func TestEveryFlagFromFileAndEnvironment(t *testing.T) {
	values := map[string]string{
		"addr": ":7", "bundle-bearer-token": "t0k", "bundle": "x", "poll-interval": "3s",
		"skip-bundle-tests": "true", "bundle-size-limit": "42", "verification-key": "k.pem",
	}
	var yamlBody strings.Builder
	vars := map[string]string{}
	for k, v := range values {
		yamlBody.WriteString(k + ": " + v + "\n")
		vars[config.EnvName("SENDGATE_", k)] = v
	}
	for name, src := range map[config.Source][]string{
		config.FromFile: {"--config", writeFile(t, yamlBody.String())},
		config.FromEnv:  nil,
	} {
		var s settings
		fs := flags(&s)
		_ = fs.Parse(src)
		lookup := env(nil)
		if name == config.FromEnv {
			lookup = env(vars)
		}
		e, err := config.Apply(fs, config.Options{EnvPrefix: "SENDGATE_", FileFlag: "config", LookupEnv: lookup})
		if err != nil {
			t.Fatal(err)
		}
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "config" {
				return
			}
			if got := f.Value.String(); got != values[f.Name] || e.Source(f.Name) != name {
				t.Errorf("%s: %s = %q from %s", name, f.Name, got, e.Source(f.Name))
			}
		})
	}
}

func TestPrintRedactsSecretsAndReadsBack(t *testing.T) {
	file := writeFile(t, "bundle-bearer-token: s3cr3t\nbundle: https://user:pa55@bundles.example/b.tar.gz\npoll-interval: 90s\nverification-key: [a.pem]\n")
	_, e, err := apply(t, []string{"--config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := e.Print(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, leak := range []string{"s3cr3t", "pa55"} {
		if strings.Contains(got, leak) {
			t.Errorf("printed configuration shows %q:\n%s", leak, got)
		}
	}
	for _, want := range []string{
		"bundle-bearer-token: REDACTED # file",
		"bundle: https://user:REDACTED@bundles.example/b.tar.gz # file",
		"poll-interval: 1m30s # file",
		"skip-bundle-tests: false # default",
		"verification-key: [a.pem] # file",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("printed configuration lacks %q:\n%s", want, got)
		}
	}
	// What it prints is a configuration file Apply accepts.
	if _, _, err := apply(t, []string{"--config", writeFile(t, got)}, nil); err != nil {
		t.Fatalf("printed configuration does not read back: %v", err)
	}
}

func TestIsSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"bundle-bearer-token": true, "ledger-password": true, "client-secret": true,
		"admin-token-file": false, "recipient-hash-key-file": false, "verification-key": false, "addr": false,
	} {
		if got := config.IsSecret(name); got != want {
			t.Errorf("IsSecret(%q) = %v", name, got)
		}
	}
	if got := config.Redact("ledger-dsn", "postgres://app:hunter2@db:5432/x"); got != "postgres://app:REDACTED@db:5432/x" {
		t.Errorf("dsn redacted as %q", got)
	}
}

func TestReference(t *testing.T) {
	var s settings
	var out bytes.Buffer
	config.Reference(&out, flags(&s), config.Options{EnvPrefix: "SENDGATE_"})
	for _, want := range []string{
		"| `--poll-interval` | `SENDGATE_POLL_INTERVAL` | `0` | poll interval |",
		"| `--addr` | `SENDGATE_ADDR` | `:9090` | listen address |",
		"| `--bundle` | `SENDGATE_BUNDLE` | — | bundle source |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("reference lacks %q:\n%s", want, out.String())
		}
	}
}
