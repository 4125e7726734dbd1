// Package buildinfo tells which sendgate this is: the module version and
// the version-control revision the Go toolchain stamped into the binary.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Info describes the running binary.
type Info struct {
	// Version is the module version: a tag such as v1.2.0, a pseudo-version
	// for an untagged commit, or "(devel)" when the toolchain knew none.
	Version string
	// Revision is the commit the binary was built from ("" when built
	// without version-control information, e.g. with -buildvcs=false).
	Revision string
	// Time is the commit time (RFC 3339), Modified whether the work tree
	// had uncommitted changes.
	Time     string
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Short is the revision cut to 12 characters, with "-dirty" when the work
// tree was modified; "unknown" without one.
func (i Info) Short() string {
	r := i.Revision
	if r == "" {
		return "unknown"
	}
	if len(r) > 12 {
		r = r[:12]
	}
	if i.Modified {
		r += "-dirty"
	}
	return r
}

var read = sync.OnceValue(func() Info {
	info := Info{Version: "(devel)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	info.GoVersion = bi.GoVersion
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
})

// Read returns the binary's build information.
func Read() Info { return read() }
