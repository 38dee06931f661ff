// Package assetdir materializes embedded files as a directory for CDK assets.
//
// CDK assets need a path on disk, but the app must synthesize the same way from
// any working directory (tests run in their package directory, `cdk synth` in
// the module root). Writing embedded files to a content-addressed directory under
// the temp dir gives a stable path, and CDK fingerprints contents, not paths, so
// templates and asset hashes stay byte-identical across machines.
package assetdir

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// FromFS copies the tree under root in fsys to a directory named by the hash of
// its contents and returns that directory. An existing complete copy is reused.
func FromFS(fsys fs.FS, root string) (string, error) {
	type file struct {
		rel  string
		data []byte
	}
	var files []file
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := p
		if root != "." {
			rel = p[len(root)+1:]
		}
		files = append(files, file{rel: rel, data: b})
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("assetdir: read %q: %w", root, err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("assetdir: %q holds no files", root)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.rel, len(f.data))
		h.Write(f.data)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dir := filepath.Join(os.TempDir(), "edgekit-assets", sum)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "partial-")
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", fmt.Errorf("assetdir: %w", err)
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(dir), "partial-"); err != nil {
			return "", fmt.Errorf("assetdir: %w", err)
		}
	}
	for _, f := range files {
		dst := filepath.Join(tmp, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", fmt.Errorf("assetdir: %w", err)
		}
		if err := os.WriteFile(dst, f.data, 0o644); err != nil {
			return "", fmt.Errorf("assetdir: %w", err)
		}
	}
	// The marker is not part of the asset: CDK is told to exclude it.
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return "", fmt.Errorf("assetdir: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(filepath.Join(dir, ".complete")); statErr == nil {
			return dir, nil // another process won the race with identical content
		}
		return "", fmt.Errorf("assetdir: %w", err)
	}
	return dir, nil
}

// Exclude is the glob to pass to CDK asset options so the completion marker
// never becomes part of an asset.
const Exclude = ".complete"
