// Package filewatch tells when files that are read once and used for long
// (certificates, keys, token lists) may have changed, so that their users
// can read them again without a restart.
//
// It watches the files' directories rather than the files, so a file
// replaced by a rename (as editors, `mv` and cert-manager do), deleted and
// created again, or swapped through a Kubernetes "..data" symlink is still
// seen; and it also fires on a slow interval, for file systems that send
// no events. A change may be reported when nothing changed: callers compare
// what they read with what they hold.
package filewatch

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Options tune Watch; the zero value is usable.
type Options struct {
	// Settle is how long events must stop before changed is called, so
	// that a certificate and its key written one after the other are read
	// together; zero means 100 ms.
	Settle time.Duration
	// Interval calls changed this often even without events; zero means a
	// minute, negative never.
	Interval time.Duration
}

// Watch calls changed after any of paths may have changed, until ctx
// ends; it returns nil then. changed is never called concurrently. When
// the directories cannot be watched (the process is out of inotify
// watches), Watch still calls changed on the interval.
func Watch(ctx context.Context, paths []string, o Options, changed func()) error {
	if o.Settle <= 0 {
		o.Settle = 100 * time.Millisecond
	}
	if o.Interval == 0 {
		o.Interval = time.Minute
	}
	var events <-chan fsnotify.Event
	var errs <-chan error
	relevant := relevance(paths)
	if w, err := fsnotify.NewWatcher(); err == nil {
		defer w.Close()
		for dir := range relevant {
			_ = w.Add(dir) // a directory that cannot be watched is left to the interval
		}
		events, errs = w.Events, w.Errors
	}
	var tick <-chan time.Time
	if o.Interval > 0 {
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		tick = t.C
	}
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if names := relevant[filepath.Dir(ev.Name)]; names != nil && names.matches(filepath.Base(ev.Name)) {
				settle.Reset(o.Settle)
			}
		case _, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflow loses events: look again.
			settle.Reset(o.Settle)
		case <-settle.C:
			changed()
		case <-tick:
			changed()
		}
	}
}

// names are the entries of one directory that matter.
type names map[string]bool

// matches reports whether an entry's change may change a watched file: the
// file itself, or one of Kubernetes' atomic-writer entries ("..data",
// "..2024_06_01_...") through which a mounted Secret's files are swapped.
func (n names) matches(base string) bool {
	return n[base] || strings.HasPrefix(base, "..")
}

// relevance groups paths by directory.
func relevance(paths []string) map[string]names {
	out := map[string]names{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		p = filepath.Clean(p)
		dir := filepath.Dir(p)
		if out[dir] == nil {
			out[dir] = names{}
		}
		out[dir][filepath.Base(p)] = true
	}
	return out
}
