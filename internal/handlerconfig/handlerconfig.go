// Package handlerconfig keeps functions/<pattern>/testdata/handler-config.json,
// the synth-time config a pattern's construct bakes into its edge bundle with
// the app's defaults, in step with Go. The JS suites and benchmarks load that
// file instead of restating the contract, so Go is its one source.
package handlerconfig

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

var update = flag.Bool("update", false, "rewrite functions/<pattern>/testdata/handler-config.json")

// Check fails t when functions/<pattern>/testdata/handler-config.json differs
// from cfg (rewriting it under -update).
func Check(t *testing.T, pattern string, cfg any) {
	t.Helper()
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	_, self, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(self), "..", "..", "functions", pattern, "testdata", "handler-config.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(want, b) {
		t.Fatalf("%s is not the config the construct bakes in by default (run `make golden` and review the diff): %v\ngot:\n%s", path, err, b)
	}
}
