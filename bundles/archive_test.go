package bundles_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sendgate/sendgate/bundles"
)

func TestReadArchive(t *testing.T) {
	good := minimalTarball(t, "r1", nil)
	tests := []struct {
		name    string
		tarball []byte
		limit   int64
		want    error
	}{
		{"corrupt_gzip", []byte("this is not gzip at all"), 0, bundles.ErrCorrupt},
		{"truncated_gzip", good[:len(good)/2], 0, bundles.ErrCorrupt},
		{"parent_dir_entry", rawTarball(t, tarEntry{name: "../evil.rego", body: "package evil"}), 0, bundles.ErrUnsafePath},
		{"nested_parent_dir_entry", rawTarball(t, tarEntry{name: "/sendgate/../../etc/x.rego", body: "package x"}), 0, bundles.ErrUnsafePath},
		{"symlink_entry", rawTarball(t, tarEntry{name: "data.json", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"}), 0, bundles.ErrUnsafePath},
		{"duplicate_entry", rawTarball(t, tarEntry{name: "/a.rego", body: "package a"}, tarEntry{name: "a.rego", body: "package a"}), 0, bundles.ErrUnsafePath},
		{"compressed_over_limit", good, int64(len(good) - 1), bundles.ErrTooLarge},
		{"unpacked_over_limit", rawTarball(t, tarEntry{name: "data.json", body: string(bytes.Repeat([]byte(" "), 64<<10))}), 32 << 10, bundles.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bundles.ReadArchive(bytes.NewReader(tt.tarball), tt.limit)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadArchive error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadArchiveAcceptsOPALayouts(t *testing.T) {
	a := unpack(t, rawTarball(t,
		tarEntry{name: "./", typeflag: tar.TypeDir},
		tarEntry{name: "/.manifest", body: `{"revision":"x"}`},
		tarEntry{name: "./sendgate/a.rego", body: "package sendgate.a"},
		tarEntry{name: "data.json", body: "{}"},
	))
	want := []string{".manifest", "data.json", "sendgate/a.rego"}
	if got := a.Paths(); !equal(got, want) {
		t.Fatalf("paths = %v, want %v", got, want)
	}
}

func TestArchiveRoundTripKeepsDigest(t *testing.T) {
	a := unpack(t, minimalTarball(t, "r1", nil))
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	b := unpack(t, buf.Bytes())
	if a.Digest() != b.Digest() {
		t.Fatal("digest changed across WriteTo/ReadArchive")
	}
	c := unpack(t, minimalTarball(t, "r2", nil))
	if a.Digest() == c.Digest() {
		t.Fatal("different revisions share a digest")
	}
}

func TestReadArchiveDir(t *testing.T) {
	dir := copyMinimal(t, "r1")
	writeFile(t, filepath.Join(dir, ".git", "config"), "[core]")
	// A file reached through a symbolic link is read, as Kubernetes mounts
	// ConfigMap files that way.
	target := filepath.Join(dir, "sendgate", "data.json")
	moved := filepath.Join(t.TempDir(), "data.json")
	if err := os.Rename(target, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, target); err != nil {
		t.Fatal(err)
	}
	a, err := bundles.ReadArchiveDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".manifest", "sendgate/data.json", "sendgate/main.rego", "sendgate/main_test.rego"}
	if got := a.Paths(); !equal(got, want) {
		t.Fatalf("paths = %v, want %v", got, want)
	}
	if _, err := bundles.ReadArchiveDir(dir, 10); !errors.Is(err, bundles.ErrTooLarge) {
		t.Fatalf("size limit: err = %v, want ErrTooLarge", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzReadArchive feeds arbitrary bytes to the archive reader, the first
// step for untrusted bundles: it must never panic, and what it accepts
// stays inside the bundle root and the size limit.
func FuzzReadArchive(f *testing.F) {
	f.Add(mustMinimalTarball(f))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte("not a bundle"))
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := bundles.ReadArchive(bytes.NewReader(data), limit)
		if err != nil {
			return
		}
		if a.Size() > limit {
			t.Fatalf("accepted %d bytes over a %d limit", a.Size(), limit)
		}
		for _, p := range a.Paths() {
			if p == "" || p[0] == '/' || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
				t.Fatalf("accepted unsafe path %q", p)
			}
		}
	})
}

func mustMinimalTarball(f *testing.F) []byte {
	b, err := bundles.Build(minimalDir, bundles.BuildOptions{})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := bundles.WriteBundle(&buf, b); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}
