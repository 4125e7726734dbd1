package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/sendgate/sendgate/internal/bundlesrc"

	"github.com/sendgate/sendgate/internal/config"
	"github.com/sendgate/sendgate/internal/engine"
)

// envPrefix is put before every serve flag's environment variable:
// --admin-addr is SENDGATE_ADMIN_ADDR.
const envPrefix = "SENDGATE_"

var configOptions = config.Options{EnvPrefix: envPrefix, FileFlag: "config"}

// loadServeConfig parses serve's flags from args, then fills the ones left
// unset from SENDGATE_<FLAG> variables and then from the --config file,
// and checks the result. When ok is false the command ends with code.
func loadServeConfig(fs *flag.FlagSet, o *serveOptions, args []string, stderr io.Writer) (e *config.Effective, code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		return nil, parseExit(err), false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sendgate %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return nil, exitUnusable, false
	}
	e, err := config.Apply(fs, configOptions)
	if err == nil {
		err = o.check()
	}
	if err != nil {
		fmt.Fprintf(stderr, "sendgate %s: %v\n", fs.Name(), err)
		return nil, exitUnusable, false
	}
	return e, exitOK, true
}

// check refuses settings that could only fail later: an unknown log level
// or a bundle source of a scheme sendgate cannot fetch.
func (o *serveOptions) check() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if o.bundle != "" {
		if err := bundlesrc.CheckSourceScheme(o.bundle); err != nil {
			return fmt.Errorf("--bundle: %w", err)
		}
	}
	if _, err := engine.Capabilities(o.allowBuiltins); err != nil {
		return err
	}
	return nil
}

// runConfig prints the configuration "sendgate serve" would run with,
// given the same flags, environment and --config file, secrets redacted.
// The output is itself a valid configuration file.
func runConfig(args []string, stdout, stderr io.Writer) int {
	var o serveOptions
	fs := serveFlags(&o, stderr)
	fs.Init("config", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: sendgate config [--config FILE] [serve flags]\n\n"+
			"Prints the effective configuration of \"sendgate serve\" with the same flags, SENDGATE_* variables\n"+
			"and configuration file, as YAML, each value commented with where it came from; secrets are redacted.\n"+
			"Exit status 2 when the configuration would be refused.\n\nFlags (those of serve):\n")
		fs.PrintDefaults()
	}
	e, code, ok := loadServeConfig(fs, &o, args, stderr)
	if !ok {
		return code
	}
	if err := e.Print(stdout); err != nil {
		fmt.Fprintf(stderr, "sendgate config: %v\n", err)
		return exitUnusable
	}
	return exitOK
}

// logOptions are the handler options of serve's JSON log: durations are
// written as Go writes them ("15s"), not as nanoseconds.
func logOptions(level slog.Level) *slog.HandlerOptions {
	return &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			return slog.String(a.Key, a.Value.Duration().String())
		}
		return a
	}}
}

// bundleService is the OPA service configuration of the bundle source:
// the --bundle-service-config file, or a bearer token from the flags.
func bundleService(o serveOptions) ([]byte, error) {
	set := 0
	for _, v := range []string{o.bundleService, o.bundleToken, o.bundleTokenFile} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return nil, fmt.Errorf("give one of --bundle-service-config, --bundle-bearer-token and --bundle-bearer-token-file")
	}
	switch {
	case o.bundleService != "":
		data, err := os.ReadFile(o.bundleService)
		if err != nil {
			return nil, fmt.Errorf("--bundle-service-config: %w", err)
		}
		return data, nil
	case o.bundleToken != "":
		return json.Marshal(map[string]any{"credentials": map[string]any{"bearer": map[string]string{"token": o.bundleToken}}})
	case o.bundleTokenFile != "":
		return json.Marshal(map[string]any{"credentials": map[string]any{"bearer": map[string]string{"token_path": o.bundleTokenFile}}})
	}
	return nil, nil
}
