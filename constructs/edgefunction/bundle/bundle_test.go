package bundle_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edgekit/edgekit/constructs/edgefunction/bundle"
)

var src = fstest.MapFS{
	"fn/index.js":     {Data: []byte("import cfg from \"edgekit:config\";\nimport { createHash } from \"node:crypto\";\nimport { twice } from \"../lib/util.js\";\n// a comment that minification drops\nexport const handler = async () => twice(cfg.word) + createHash(\"sha1\").digest(\"hex\").length;\n")},
	"lib/util.js":     {Data: []byte("export const twice = (s) => s + s;\n")},
	"bad/index.js":    {Data: []byte("import lodash from \"lodash\";\nexport const handler = lodash;\n")},
	"esc/index.js":    {Data: []byte("import x from \"../../outside.js\";\nexport const handler = x;\n")},
	"syn/index.js":    {Data: []byte("export const handler = ;\n")},
	"uselib/index.js": {Data: []byte("import { hi } from \"edgekit:lib/greet\";\nexport const handler = async () => hi();\n")},
	"nolib/index.js":  {Data: []byte("import { hi } from \"edgekit:lib/absent\";\nexport const handler = hi;\n")},
	"badlib/index.js": {Data: []byte("import { hi } from \"edgekit:lib/../fn/index\";\nexport const handler = hi;\n")},
}

// lib stands in for functions/edgelib: a module importing a sibling relatively.
var lib = fstest.MapFS{
	"greet.js": {Data: []byte("import { word } from \"./word.js\";\nexport const hi = () => \"hi \" + word;\n")},
	"word.js":  {Data: []byte("export const word = \"from-lib\";\n")},
}

func TestBuildResolvesLibModules(t *testing.T) {
	r, err := bundle.Build(bundle.Options{Sources: src, Lib: lib, Entry: "uselib/index.js"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Code), "from-lib") {
		t.Fatalf("bundle lacks the library module's code:\n%s", r.Code)
	}
	// Without Lib the real shared library (functions/edgelib) is used.
	real := fstest.MapFS{"index.js": {Data: []byte("import { sha256Hex } from \"edgekit:lib/sigv4\";\nexport const handler = async () => sha256Hex(\"\");\n")}}
	r, err = bundle.Build(bundle.Options{Sources: real, Entry: "index.js"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Code), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
		t.Fatal("default library is not functions/edgelib")
	}
}

func TestBuild(t *testing.T) {
	a, err := bundle.Build(bundle.Options{Sources: src, Entry: "fn/index.js", Config: map[string]string{"word": "edge"}})
	if err != nil {
		t.Fatal(err)
	}
	code := string(a.Code)
	for _, want := range []string{`module.exports`, `require("node:crypto")`, `word:"edge"`} {
		if !strings.Contains(code, want) {
			t.Errorf("bundle lacks %q:\n%s", want, code)
		}
	}
	if strings.Contains(code, "comment that minification drops") || strings.Contains(code, "lib/util.js") {
		t.Errorf("bundle keeps comments or source paths:\n%s", code)
	}
	if string(a.ConfigJSON) != `{"word":"edge"}` {
		t.Errorf("config %s", a.ConfigJSON)
	}

	zr, err := zip.NewReader(bytes.NewReader(a.Zip), int64(len(a.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != bundle.HandlerFile || zr.File[0].Modified.Year() != 1980 {
		t.Fatalf("zip entries %+v", zr.File)
	}
	rc, _ := zr.File[0].Open()
	inZip, _ := io.ReadAll(rc)
	if !bytes.Equal(inZip, a.Code) {
		t.Fatal("zip does not hold the code")
	}

	b, err := bundle.Build(bundle.Options{Sources: src, Entry: "./fn/index.js", Config: map[string]string{"word": "edge"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Zip, b.Zip) || a.ZipSHA256 != b.ZipSHA256 {
		t.Fatal("same input gave different zips")
	}
	c, err := bundle.Build(bundle.Options{Sources: src, Entry: "fn/index.js", Config: map[string]string{"word": "other"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ZipSHA256 == a.ZipSHA256 {
		t.Fatal("different config gave the same zip")
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		opts bundle.Options
		want string
	}{
		{"fails_bare_import", bundle.Options{Sources: src, Entry: "bad/index.js"}, `import "lodash": edge code must be dependency-free`},
		{"fails_import_outside_sources", bundle.Options{Sources: src, Entry: "esc/index.js"}, "leaves the sources"},
		{"fails_syntax_error", bundle.Options{Sources: src, Entry: "syn/index.js"}, "syn/index.js"},
		{"fails_missing_entry", bundle.Options{Sources: src, Entry: "none/index.js"}, `entry "none/index.js"`},
		{"fails_no_sources", bundle.Options{Entry: "fn/index.js"}, "Sources is nil"},
		{"fails_missing_lib_module", bundle.Options{Sources: src, Lib: lib, Entry: "nolib/index.js"}, "absent.js"},
		{"fails_lib_name_escaping", bundle.Options{Sources: src, Lib: lib, Entry: "badlib/index.js"}, "library modules are named"},
		{"fails_unmarshalable_config", bundle.Options{Sources: src, Entry: "fn/index.js", Config: func() {}}, "marshal config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bundle.Build(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
