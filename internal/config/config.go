// Package config gives every flag of a flag.FlagSet two more sources: a
// YAML file whose keys are the flag names, and environment variables named
// PREFIX_FLAG_NAME. A value given as a flag wins over the environment, the
// environment over the file, and the file over the flag's default. It works
// on any FlagSet, so a flag added to a command is configurable by file and
// environment without further code.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Source says where a flag's effective value came from.
type Source string

// The sources, from the strongest to the weakest.
const (
	FromFlag    Source = "flag"
	FromEnv     Source = "env"
	FromFile    Source = "file"
	FromDefault Source = "default"
)

// Options say where to look besides the command line.
type Options struct {
	// EnvPrefix is put before each flag's upper-cased name, with dashes as
	// underscores: "SENDGATE_" makes --admin-addr SENDGATE_ADMIN_ADDR.
	EnvPrefix string
	// FileFlag names the flag that holds the configuration file's path
	// ("config"); its own value comes from the flag or the environment,
	// never from the file. Empty means no file.
	FileFlag string
	// LookupEnv reads the environment; os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
}

// Effective is the outcome of Apply: where each flag's value came from.
type Effective struct {
	fs      *flag.FlagSet
	opts    Options
	sources map[string]Source
	// File is the configuration file read, if any.
	File string
}

// EnvName is the environment variable of the flag name under prefix.
func EnvName(prefix, name string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Apply fills the flags of fs that the command line left unset from the
// environment and then from the configuration file. Call it after
// fs.Parse. A key of the file that names no flag is an error naming the
// key, as is a value the flag refuses.
func Apply(fs *flag.FlagSet, opts Options) (*Effective, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	e := &Effective{fs: fs, opts: opts, sources: map[string]Source{}}
	fs.Visit(func(f *flag.Flag) { e.sources[f.Name] = FromFlag })

	fromEnv := map[string]string{}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if e.sources[f.Name] == FromFlag {
			return
		}
		v, ok := opts.LookupEnv(EnvName(opts.EnvPrefix, f.Name))
		if !ok {
			return
		}
		fromEnv[f.Name] = v
		if err := setAll(f, splitList(f, v)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvName(opts.EnvPrefix, f.Name), err))
			return
		}
		e.sources[f.Name] = FromEnv
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	if opts.FileFlag != "" {
		if f := fs.Lookup(opts.FileFlag); f != nil && f.Value.String() != "" {
			e.File = f.Value.String()
			if err := e.applyFile(e.File); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// applyFile sets, from the YAML file at path, the flags neither the
// command line nor the environment set.
func (e *Effective) applyFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config file %s: line %d: want a mapping of flag names to values", path, root.Line)
	}
	var errs []error
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		where := fmt.Sprintf("config file %s: line %d", path, k.Line)
		f := e.fs.Lookup(k.Value)
		switch {
		case f == nil || k.Value == e.opts.FileFlag:
			errs = append(errs, fmt.Errorf("%s: unknown key %q%s", where, k.Value, e.suggest(k.Value)))
			continue
		case seen[k.Value]:
			errs = append(errs, fmt.Errorf("%s: key %q given twice", where, k.Value))
			continue
		}
		seen[k.Value] = true
		vals, err := nodeValues(v, isList(f))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", where, k.Value, err))
			continue
		}
		if s := e.sources[f.Name]; s == FromFlag || s == FromEnv {
			continue
		}
		if err := setAll(f, vals); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", where, k.Value, err))
			continue
		}
		e.sources[f.Name] = FromFile
	}
	return errors.Join(errs...)
}

// suggest names a flag the unknown key may have meant.
func (e *Effective) suggest(key string) string {
	alt := strings.ReplaceAll(key, "_", "-")
	if alt != key && e.fs.Lookup(alt) != nil {
		return fmt.Sprintf(" (did you mean %q?)", alt)
	}
	return ""
}

// nodeValues reads a scalar, or for a repeatable flag also a sequence of
// scalars.
func nodeValues(n *yaml.Node, list bool) ([]string, error) {
	switch {
	case n.Kind == yaml.ScalarNode:
		if n.Tag == "!!null" {
			return []string{""}, nil
		}
		return []string{n.Value}, nil
	case n.Kind == yaml.SequenceNode && list:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: want a plain value", c.Line)
			}
			out = append(out, c.Value)
		}
		return out, nil
	case n.Kind == yaml.SequenceNode:
		return nil, errors.New("takes one value, not a list")
	}
	return nil, errors.New("want a plain value")
}

func setAll(f *flag.Flag, vals []string) error {
	for _, v := range vals {
		if err := f.Value.Set(v); err != nil {
			return err
		}
	}
	return nil
}

// isList tells a repeatable flag: one whose value is a slice.
func isList(f *flag.Flag) bool {
	v := reflect.ValueOf(f.Value)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return v.Kind() == reflect.Slice
}

// listValues are the elements of a repeatable flag's value.
func listValues(f *flag.Flag) []string {
	v := reflect.ValueOf(f.Value)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	out := make([]string, v.Len())
	for i := range out {
		out[i] = fmt.Sprint(v.Index(i).Interface())
	}
	return out
}

// splitList splits an environment value of a repeatable flag at commas.
func splitList(f *flag.Flag, v string) []string {
	if !isList(f) {
		return []string{v}
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Source reports where the named flag's value came from.
func (e *Effective) Source(name string) Source {
	if s, ok := e.sources[name]; ok {
		return s
	}
	return FromDefault
}

// Names are the flags in name order, the file flag included.
func (e *Effective) Names() []string {
	var out []string
	e.fs.VisitAll(func(f *flag.Flag) { out = append(out, f.Name) })
	sort.Strings(out)
	return out
}
