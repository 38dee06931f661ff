package gofunction

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testHandler = "github.com/edgekit/edgekit/constructs/gofunction/internal/testhandler"

// copyFixture copies testdata/<name> into a fresh directory, so tests can edit
// it, and returns the copy's path.
func copyFixture(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

func mustRequest(t testing.TB, dir, pkg, goarch string, tags ...string) request {
	t.Helper()
	r, err := newRequest(dir, pkg, goarch, tags)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keyOf(t *testing.T, r request) string {
	t.Helper()
	k, _, err := inputKey(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestInputKeyFollowsEveryInput edits each kind of build input of a copied
// module and checks the key changes, and edits files go build never reads and
// checks it does not: a stale key would deploy old code, a too eager one
// would only rebuild.
func TestInputKeyFollowsEveryInput(t *testing.T) {
	base := keyOf(t, mustRequest(t, copyFixture(t, "keymod"), ".", "arm64"))
	write := func(rel, data string) func(dir string) {
		return func(dir string) {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendTo := func(rel, data string) func(dir string) {
		return func(dir string) {
			f, err := os.OpenFile(filepath.Join(dir, rel), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString(data); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		edit    func(dir string)
		goarch  string
		tags    []string
		goflags string
		changes bool
	}{
		{name: "main_package_source", edit: appendTo("main.go", "\n// edited\n"), changes: true},
		{name: "imported_local_package_source", edit: appendTo("greet/greet.go", "\nvar Extra = 1\n"), changes: true},
		{name: "new_file_in_imported_package", edit: write("greet/more.go", "package greet\n\nvar More = 2\n"), changes: true},
		{name: "embedded_file", edit: write("greet/greeting.txt", "hi "), changes: true},
		{name: "go_mod", edit: appendTo("go.mod", "\ngodebug panicnil=1\n"), changes: true},
		{name: "module_replaced_by_directory", edit: appendTo("keydep/keydep.go", "\nvar Extra = 1\n"), changes: true},
		{name: "replaced_module_go_mod", edit: appendTo("keydep/go.mod", "\ngodebug panicnil=1\n"), changes: true},
		{name: "pgo_profile", edit: write("default.pgo", "not parsed by the key\n"), changes: true},
		{name: "architecture", goarch: "amd64", changes: true},
		{name: "build_tags", tags: []string{"extra"}, changes: true},
		{name: "goflags", goflags: "-mod=mod", changes: true},
		{name: "file_excluded_by_build_constraint", edit: appendTo("greet/never.go", "\nvar Never2 = 1\n"), changes: false},
		{name: "test_file", edit: appendTo("greet/greet_test.go", "\n// edited\n"), changes: false},
		{name: "readme", edit: appendTo("README.md", "more\n"), changes: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixture(t, "keymod")
			if tt.edit != nil {
				tt.edit(dir)
			}
			if tt.goflags != "" {
				t.Setenv("GOFLAGS", tt.goflags)
			}
			goarch := "arm64"
			if tt.goarch != "" {
				goarch = tt.goarch
			}
			got := keyOf(t, mustRequest(t, dir, ".", goarch, tt.tags...))
			if changed := got != base; changed != tt.changes {
				t.Fatalf("key changed = %v, want %v", changed, tt.changes)
			}
		})
	}
	t.Run("same_module_in_another_directory", func(t *testing.T) {
		if got := keyOf(t, mustRequest(t, copyFixture(t, "keymod"), ".", "arm64")); got != base {
			t.Fatal("the key depends on the checkout's directory: caches would never be shared")
		}
	})
}

// TestReproducibleAcrossDirectories builds the same module from two
// directories with the on-disk cache off: the zips must be byte-identical.
func TestReproducibleAcrossDirectories(t *testing.T) {
	var zips [][]byte
	for range 2 {
		art, err := build(context.Background(), mustRequest(t, copyFixture(t, "keymod"), ".", "arm64"), "")
		if err != nil {
			t.Fatal(err)
		}
		if art.FromCache {
			t.Fatal("cache off, yet the artifact came from the cache")
		}
		b, err := os.ReadFile(art.ZipPath)
		if err != nil {
			t.Fatal(err)
		}
		zips = append(zips, b)
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Fatalf("zips differ (%d vs %d bytes): the build depends on its directory", len(zips[0]), len(zips[1]))
	}
}

func TestDiskCache(t *testing.T) {
	cache := t.TempDir()
	dir := copyFixture(t, "keymod")
	r := mustRequest(t, dir, ".", "arm64")
	ctx := context.Background()

	cold, err := build(ctx, r, cache)
	if err != nil {
		t.Fatal(err)
	}
	if cold.FromCache {
		t.Fatal("empty cache, yet a hit")
	}
	if _, err := os.Stat(filepath.Join(cache, cold.Key+".zip")); err != nil {
		t.Fatalf("the build was not stored: %v", err)
	}
	warm, err := build(ctx, r, cache)
	if err != nil {
		t.Fatal(err)
	}
	if !warm.FromCache || warm.ZipSHA256 != cold.ZipSHA256 || warm.BinaryBytes != cold.BinaryBytes {
		t.Fatalf("second build: from cache %v, zip %s (want %s)", warm.FromCache, warm.ZipSHA256, cold.ZipSHA256)
	}

	t.Run("edited_source_misses", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "greet", "greeting.txt"), []byte("bonjour "), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(filepath.Join(dir, "greet", "greeting.txt"), []byte("hello "), 0o644)
		art, err := build(ctx, r, cache)
		if err != nil {
			t.Fatal(err)
		}
		if art.FromCache || art.ZipSHA256 == cold.ZipSHA256 {
			t.Fatalf("edited embed file: from cache %v, same zip %v", art.FromCache, art.ZipSHA256 == cold.ZipSHA256)
		}
	})
	t.Run("damaged_entry_is_rebuilt", func(t *testing.T) {
		path := filepath.Join(cache, cold.Key+".zip")
		if err := os.WriteFile(path, []byte("PK\x03\x04 truncated"), 0o644); err != nil {
			t.Fatal(err)
		}
		art, err := build(ctx, r, cache)
		if err != nil {
			t.Fatal(err)
		}
		if art.FromCache || art.ZipSHA256 != cold.ZipSHA256 {
			t.Fatalf("damaged entry: from cache %v, zip %s (want %s)", art.FromCache, art.ZipSHA256, cold.ZipSHA256)
		}
	})
	t.Run("stale_entries_are_pruned", func(t *testing.T) {
		old := filepath.Join(cache, strings.Repeat("0", 64)+".zip")
		if err := os.WriteFile(old, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		long := time.Now().Add(-cacheMaxAge - time.Hour)
		if err := os.Chtimes(old, long, long); err != nil {
			t.Fatal(err)
		}
		storeCached(cache, strings.Repeat("1", 64), []byte("y"))
		if _, err := os.Stat(old); !os.IsNotExist(err) {
			t.Fatalf("an entry unused for longer than %v survived: %v", cacheMaxAge, err)
		}
		if _, err := os.Stat(filepath.Join(cache, cold.Key+".zip")); err != nil {
			t.Fatalf("a fresh entry was pruned: %v", err)
		}
	})
}

func TestZipLayout(t *testing.T) {
	bin := bytes.Repeat([]byte("\x7fELF not really"), 1000)
	a, err := zipBootstrap(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := zipBootstrap(bin)
	if !bytes.Equal(a, b) {
		t.Fatal("two zips of the same binary differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("%d entries, want 1", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" || f.Mode().Perm() != 0o755 || f.Method != zip.Deflate || !f.Modified.Equal(zipTime) {
		t.Fatalf("entry %q mode %v method %d mtime %v", f.Name, f.Mode(), f.Method, f.Modified)
	}
	if len(a) >= len(bin) {
		t.Fatalf("zip %d bytes, binary %d: not compressed", len(a), len(bin))
	}
	if n, err := bootstrapSize(a); err != nil || n != int64(len(bin)) {
		t.Fatalf("bootstrapSize = %d, %v", n, err)
	}
	for name, data := range map[string][]byte{"fails_not_a_zip": []byte("nope"), "fails_empty_zip": emptyZip(t)} {
		t.Run(name, func(t *testing.T) {
			if _, err := bootstrapSize(data); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func emptyZip(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := zip.NewWriter(&buf).Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkBuild measures one Go function's build: a warm on-disk cache hit
// (go env + go list + hashing) and a miss with a warm Go build cache (go build
// + zip). Sizes are reported as metrics.
func BenchmarkBuild(b *testing.B) {
	ctx := context.Background()
	r := mustRequest(b, ".", testHandler, "arm64")
	for _, bc := range []struct {
		name  string
		cache string
	}{{"disk_cache_hit", b.TempDir()}, {"go_build", ""}} {
		b.Run(bc.name, func(b *testing.B) {
			art, err := build(ctx, r, bc.cache) // fills the cache, warms GOCACHE
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(art.BinaryBytes), "binary_bytes")
			b.ReportMetric(float64(art.ZipBytes), "zip_bytes")
			b.ResetTimer()
			for b.Loop() {
				if _, err := build(ctx, r, bc.cache); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
