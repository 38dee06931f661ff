// Command edgebundle builds one edge handler bundle from functions/edge with a
// JSON configuration, exactly as the CDK constructs do at synth. The node:test
// suites and the benchmark use it so they exercise the deployed artifact.
//
//	go run ./cmd/edgebundle -entry ingest/index.js -config cfg.json -out dir
//
// It writes dir/index.js and dir/function.zip and prints the zip's size and SHA-256.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgekit/edgekit/constructs/edgefunction/bundle"
	"github.com/edgekit/edgekit/functions/edge"
)

func main() {
	entry := flag.String("entry", "", "entry module inside functions/edge, e.g. ingest/index.js")
	cfgPath := flag.String("config", "", "JSON file with the synth-time config (default: {})")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *entry == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: edgebundle -entry ingest/index.js [-config cfg.json] -out dir")
		os.Exit(2)
	}
	var cfg json.RawMessage
	if *cfgPath != "" {
		b, err := os.ReadFile(*cfgPath)
		if err != nil {
			fail(err)
		}
		if !json.Valid(b) {
			fail(fmt.Errorf("config %s is not valid JSON", *cfgPath))
		}
		cfg = b
	}
	var c any
	if cfg != nil {
		c = cfg
	}
	res, err := bundle.Build(bundle.Options{Sources: edge.Sources, Entry: *entry, Config: c})
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, bundle.HandlerFile), res.Code, 0o644); err != nil {
		fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "function.zip"), res.Zip, 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("%s zip_bytes=%d code_bytes=%d sha256=%s\n", *entry, len(res.Zip), len(res.Code), res.ZipSHA256)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "edgebundle:", err)
	os.Exit(1)
}
