package config

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Redacted stands in for a secret's value.
const Redacted = "REDACTED"

// secretName matches flag names whose value is a secret; those ending in
// -file, -dir or -path hold where a secret is, which is no secret.
var (
	secretName = regexp.MustCompile(`(^|-)(token|password|passwd|secret|credentials?|api-key)(-|$)`)
	pathName   = regexp.MustCompile(`-(file|dir|path)$`)
	userinfo   = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s@]*:[^/\s@]*@`)
)

// IsSecret reports whether the named flag holds a secret by its name.
func IsSecret(name string) bool {
	return secretName.MatchString(name) && !pathName.MatchString(name)
}

// Redact hides a value for printing: all of it when the flag holds a
// secret, and any password in URLs it contains.
func Redact(name, value string) string {
	if value == "" {
		return ""
	}
	if IsSecret(name) {
		return Redacted
	}
	return userinfo.ReplaceAllStringFunc(value, func(m string) string {
		u, err := url.Parse(m + "x")
		if err != nil || u.User == nil {
			return m
		}
		return u.Scheme + "://" + u.User.Username() + ":" + Redacted + "@"
	})
}

// Print writes the effective configuration as a YAML configuration file:
// every flag with its value (secrets redacted) and, as a comment, where
// the value came from. The output can be read back by Apply.
func (e *Effective) Print(w io.Writer) error {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, name := range e.Names() {
		if name == e.opts.FileFlag {
			continue
		}
		f := e.fs.Lookup(name)
		src := e.Source(name)
		comment := string(src)
		if src == FromEnv {
			comment += " " + EnvName(e.opts.EnvPrefix, name)
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, valueNode(f, comment))
	}
	head := "# Effective configuration (flag > env > file > default)"
	if e.File != "" {
		head += "; file " + e.File
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: head, Content: []*yaml.Node{m}}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("print configuration: %w", err)
	}
	return enc.Close()
}

// valueNode renders a flag's value with its YAML type: booleans and
// numbers plain, durations as Go writes them ("15s"), lists as sequences,
// everything else as a string.
func valueNode(f *flag.Flag, comment string) *yaml.Node {
	if isList(f) {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, LineComment: comment}
		for _, v := range listValues(f) {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: Redact(f.Name, v)})
		}
		return seq
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: Redact(f.Name, f.Value.String()), LineComment: comment}
	if g, ok := f.Value.(flag.Getter); ok {
		switch v := g.Get().(type) {
		case bool:
			n.Tag = "!!bool"
		case int, int64, uint, uint64:
			n.Tag = "!!int"
		case float64:
			n.Tag = "!!float"
		case time.Duration:
			n.Value = v.String()
		}
	}
	return n
}

// Reference writes a Markdown table of the flags of fs: flag, environment
// variable, default and meaning, for documentation generated from the
// definitions themselves.
func Reference(w io.Writer, fs *flag.FlagSet, opts Options) {
	fmt.Fprintln(w, "| flag / config key | environment | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	fs.VisitAll(func(f *flag.Flag) {
		def := f.DefValue
		if g, ok := f.Value.(flag.Getter); ok {
			if _, isDur := g.Get().(time.Duration); isDur && def == "0s" {
				def = "0"
			}
		}
		if def == "" || (isList(f) && def == "[]") {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		usage := strings.ReplaceAll(f.Usage, "|", `\|`)
		fmt.Fprintf(w, "| `--%s` | `%s` | %s | %s |\n", f.Name, EnvName(opts.EnvPrefix, f.Name), def, usage)
	})
}
