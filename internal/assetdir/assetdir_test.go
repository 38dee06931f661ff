package assetdir_test

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/edgekit/edgekit/internal/assetdir"
)

func TestFromFS(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	fsys := fstest.MapFS{"site/index.html": {Data: []byte("<h1>hi</h1>")}, "site/css/a.css": {Data: []byte("a{}")}, "other/x": {Data: []byte("x")}}
	dir, err := assetdir.FromFS(fsys, "site")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "css", "a.css")); err != nil || string(b) != "a{}" {
		t.Fatalf("css: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Fatal("a file outside root was copied")
	}
	again, err := assetdir.FromFS(fsys, "site")
	if err != nil || again != dir {
		t.Fatalf("same content, different dir: %s vs %s (%v)", again, dir, err)
	}
	fsys["site/index.html"] = &fstest.MapFile{Data: []byte("<h1>changed</h1>")}
	changed, err := assetdir.FromFS(fsys, "site")
	if err != nil || changed == dir {
		t.Fatalf("changed content reused dir %s (%v)", changed, err)
	}
	if _, err := assetdir.FromFS(fsys, "missing"); err == nil {
		t.Fatal("fails_missing_root: no error")
	}
}
