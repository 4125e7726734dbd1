package buildinfo

import (
	"runtime"
	"testing"
)

func TestReadNamesTheToolchain(t *testing.T) {
	info := Read()
	if info.GoVersion != runtime.Version() {
		t.Errorf("GoVersion %q, want %q", info.GoVersion, runtime.Version())
	}
	if info.Version == "" {
		t.Error("empty Version")
	}
}

func TestShort(t *testing.T) {
	for _, c := range []struct {
		info Info
		want string
	}{
		{Info{}, "unknown"},
		{Info{Revision: "0123456789abcdef0123"}, "0123456789ab"},
		{Info{Revision: "abc", Modified: true}, "abc-dirty"},
	} {
		if got := c.info.Short(); got != c.want {
			t.Errorf("%+v.Short() = %q, want %q", c.info, got, c.want)
		}
	}
}
