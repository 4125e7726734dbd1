package decisionlog

import (
	"flag"
	"strconv"
)

// DefaultMaxSizeMB is the default --decision-log-max-size-mb.
const DefaultMaxSizeMB = 100

// DefaultMaxBackups is the default --decision-log-max-backups: with
// DefaultMaxSizeMB the file and its rotated copies take at most about
// 1.1 GB. The log is meant to be shipped elsewhere; the files are a buffer.
const DefaultMaxBackups = 10

// BindFlags registers the decision-log flags on fs, filling o when fs is
// parsed: --decision-log (stdout, off or a file path),
// --decision-log-max-size-mb, --decision-log-max-backups,
// --decision-log-max-age-days, --decision-log-denials-only,
// --decision-log-evidence and --recipient-hash-key-file.
func BindFlags(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.Target, "decision-log", "stdout", "decision log: stdout, off, or a file path (rotated by size)")
	fs.IntVar(&o.MaxSizeMB, "decision-log-max-size-mb", DefaultMaxSizeMB, "rotate the decision log file at this many megabytes")
	fs.IntVar(&o.MaxBackups, "decision-log-max-backups", DefaultMaxBackups, "rotated decision log files to keep, the oldest removed first; 0 keeps all")
	fs.IntVar(&o.MaxAgeDays, "decision-log-max-age-days", 0, "remove rotated decision log files older than this many days; 0 keeps them whatever their age")
	fs.BoolVar(&o.DenialsOnly, "decision-log-denials-only", false, "log only denials")
	fs.Var((*writeEvidence)(&o.OmitEvidence), "decision-log-evidence", "write reasons' evidence (excerpts of the message text, digits masked); false leaves it out")
	fs.StringVar(&o.KeyFile, "recipient-hash-key-file", "", "file holding the key (at least 16 bytes) for the recipient HMAC in the decision log; a random per-process key when empty")
}

// writeEvidence is the --decision-log-evidence flag, the inverse of
// Options.OmitEvidence.
type writeEvidence bool

func (w *writeEvidence) String() string {
	if w == nil {
		return "true"
	}
	return strconv.FormatBool(!bool(*w))
}

func (w *writeEvidence) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*w = writeEvidence(!v)
	return nil
}

// IsBoolFlag lets the flag be given without a value.
func (w *writeEvidence) IsBoolFlag() bool { return true }
