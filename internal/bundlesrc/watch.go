package bundlesrc

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// watchTree reports changes to target, a file or (when tree is true) a
// directory and everything below it. It watches target's parent too, so a
// target that is replaced by a rename (as editors and `mv` do), deleted and
// created again, or swapped through a Kubernetes "..data" symlink is still
// seen.
func watchTree(ctx context.Context, target string, tree bool, changed func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", target, err)
	}
	defer w.Close()

	parent := filepath.Dir(target)
	if err := w.Add(parent); err != nil {
		return fmt.Errorf("watch %s: %w", parent, err)
	}
	if tree {
		addTree(w, target)
	}
	// A change made between the last fetch and now would otherwise be missed.
	changed()

	base := filepath.Base(target)
	relevant := func(name string) bool {
		if name == target || (tree && strings.HasPrefix(name, target+string(filepath.Separator))) {
			return true
		}
		// In the parent directory only the target's own entry and
		// Kubernetes' atomic-writer entries ("..data", "..2024_...") matter.
		if filepath.Dir(name) == parent {
			b := filepath.Base(name)
			return b == base || strings.HasPrefix(b, "..")
		}
		return false
	}

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev.Name) {
				continue
			}
			if tree && ev.Has(fsnotify.Create) {
				// A new or re-created directory needs its own watches.
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					addTree(w, ev.Name)
				}
			}
			changed()
		case _, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// Overflows and similar lose events, so re-check the source.
			changed()
		}
	}
}

// addTree watches dir and its subdirectories, skipping hidden ones such as
// .git. Directories that vanish meanwhile are ignored; the next event
// re-adds them.
func addTree(w *fsnotify.Watcher, dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		_ = w.Add(p)
		return nil
	})
}
