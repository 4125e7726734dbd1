package bundles

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// DefaultSizeLimit bounds a bundle's compressed size, its unpacked size and
// each of its files when no other limit is configured.
const DefaultSizeLimit int64 = 64 << 20

var (
	// ErrTooLarge reports a bundle over the configured size limit.
	ErrTooLarge = errors.New("bundle exceeds the size limit")
	// ErrUnsafePath reports an archive entry that would escape the bundle
	// root or is not a regular file.
	ErrUnsafePath = errors.New("unsafe path in bundle archive")
	// ErrCorrupt reports an archive that is not a readable gzip'd tarball.
	ErrCorrupt = errors.New("bundle archive is corrupt")
)

// File is one file of a bundle, named by its slash-separated path relative to
// the bundle root (no leading slash).
type File struct {
	Path string
	Data []byte
}

// Archive is the untrusted content of a bundle as fetched from a source:
// its files, before signature verification and parsing.
type Archive struct {
	Files []File
	// ETag is the HTTP entity tag the archive was served with, if any.
	ETag string
}

// Size is the unpacked size of the archive in bytes.
func (a *Archive) Size() int64 {
	var n int64
	for _, f := range a.Files {
		n += int64(len(f.Data))
	}
	return n
}

// Digest is a stable SHA-256 over the archive's paths and contents; two
// archives with the same files have the same digest.
func (a *Archive) Digest() string {
	files := slices.Clone(a.Files)
	slices.SortFunc(files, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%d:%s:%d:", len(f.Path), f.Path, len(f.Data))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Paths lists the archive's file paths in order.
func (a *Archive) Paths() []string {
	out := make([]string, 0, len(a.Files))
	for _, f := range a.Files {
		out = append(out, f.Path)
	}
	slices.Sort(out)
	return out
}

// ReadArchive reads a gzip'd tarball bundle. It refuses entries that are not
// regular files or directories, paths with ".." segments, duplicate paths,
// and archives whose compressed or unpacked size exceeds limit (limit <= 0
// means DefaultSizeLimit).
func ReadArchive(r io.Reader, limit int64) (*Archive, error) {
	if limit <= 0 {
		limit = DefaultSizeLimit
	}
	compressed, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read bundle archive: %w", err)
	}
	if int64(len(compressed)) > limit {
		return nil, fmt.Errorf("%w: archive is larger than %d bytes", ErrTooLarge, limit)
	}
	return readArchiveBytes(compressed, limit)
}

// ReadArchiveFile reads a gzip'd tarball bundle from a file; see ReadArchive.
func ReadArchiveFile(name string, limit int64) (*Archive, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	a, err := ReadArchive(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

func readArchiveBytes(compressed []byte, limit int64) (*Archive, error) {
	gz, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	tr := tar.NewReader(gz)
	a := &Archive{}
	seen := map[string]bool{}
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if _, err := cleanEntryPath(hdr.Name); err != nil && !errors.Is(err, errRootEntry) {
				return nil, err
			}
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%w: %q is not a regular file (tar type %q)", ErrUnsafePath, hdr.Name, hdr.Typeflag)
		}
		name, err := cleanEntryPath(hdr.Name)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: %q appears twice", ErrUnsafePath, name)
		}
		seen[name] = true
		if hdr.Size > limit-total {
			return nil, fmt.Errorf("%w: unpacked content is larger than %d bytes", ErrTooLarge, limit)
		}
		data, err := io.ReadAll(io.LimitReader(tr, limit-total+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
		}
		total += int64(len(data))
		if total > limit {
			return nil, fmt.Errorf("%w: unpacked content is larger than %d bytes", ErrTooLarge, limit)
		}
		a.Files = append(a.Files, File{Path: name, Data: data})
	}
	// Reading to the gzip trailer verifies its checksum.
	if _, err := io.Copy(io.Discard, io.LimitReader(gz, limit)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return a, nil
}

// errRootEntry marks an entry naming the bundle root itself, which only a
// directory entry may do.
var errRootEntry = errors.New("entry names the bundle root")

// cleanEntryPath turns an archive entry name into a bundle-relative path.
// A leading "/" or "./" is allowed (OPA writes "/data.json"); ".." segments,
// backslashes and NUL bytes are not.
func cleanEntryPath(name string) (string, error) {
	if strings.ContainsAny(name, "\\\x00") {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == ".." {
			return "", fmt.Errorf("%w: %q escapes the bundle root", ErrUnsafePath, name)
		}
	}
	clean := strings.TrimPrefix(path.Clean("/"+name), "/")
	if clean == "" {
		return "", fmt.Errorf("%w: %w %q", ErrUnsafePath, errRootEntry, name)
	}
	return clean, nil
}

// ReadArchiveDir reads an unpacked bundle directory: every regular file
// below dir, skipping hidden directories such as .git (hidden files such as
// .manifest and .signatures.json are kept).
func ReadArchiveDir(dir string, limit int64) (*Archive, error) {
	return ReadArchiveFS(os.DirFS(dir), ".", limit)
}

// ReadArchiveFS reads an unpacked bundle rooted at dir within fsys; see
// ReadArchiveDir.
func ReadArchiveFS(fsys fs.FS, dir string, limit int64) (*Archive, error) {
	if limit <= 0 {
		limit = DefaultSizeLimit
	}
	a := &Archive{}
	var total int64
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		// Symbolic links to files are followed (Kubernetes mounts ConfigMap
		// files that way); links to directories are not.
		info, err := fs.Stat(fsys, p)
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if info.Size() > limit-total {
			return fmt.Errorf("%w: unpacked content is larger than %d bytes", ErrTooLarge, limit)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		total += int64(len(data))
		if total > limit {
			return fmt.Errorf("%w: unpacked content is larger than %d bytes", ErrTooLarge, limit)
		}
		rel := p
		if dir != "." {
			rel = strings.TrimPrefix(p, dir+"/")
		}
		a.Files = append(a.Files, File{Path: rel, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read bundle directory %s: %w", dir, err)
	}
	return a, nil
}

// WriteTo writes the archive as a gzip'd tarball with OPA's layout: entry
// names rooted at "/", files in path order.
func (a *Archive) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	gz := gzip.NewWriter(cw)
	tw := tar.NewWriter(gz)
	files := slices.Clone(a.Files)
	slices.SortFunc(files, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	for _, f := range files {
		hdr := &tar.Header{
			Name:     "/" + f.Path,
			Mode:     0o644,
			Size:     int64(len(f.Data)),
			Typeflag: tar.TypeReg,
			ModTime:  time.Unix(0, 0).UTC(),
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return cw.n, fmt.Errorf("write bundle archive: %w", err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return cw.n, fmt.Errorf("write bundle archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return cw.n, fmt.Errorf("write bundle archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return cw.n, fmt.Errorf("write bundle archive: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
