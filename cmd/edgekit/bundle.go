package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgekit/edgekit/constructs/edgefunction/bundle"
)

func bundleCmd(args []string) error {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	dir := fs.String("dir", "", "the pattern's handler directory, e.g. functions/ingest")
	entry := fs.String("entry", "index.js", "entry module inside -dir")
	cfgPath := fs.String("config", "", "JSON file with the synth-time config (default: {})")
	lib := fs.String("lib", "functions/edgelib", "directory of the shared library (edgekit:lib/<name>)")
	out := fs.String("out", "", "output directory for index.js and function.zip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *out == "" {
		fs.Usage()
		return errors.New("bundle: -dir and -out are required")
	}
	var cfg any
	if *cfgPath != "" {
		b, err := os.ReadFile(*cfgPath)
		if err != nil {
			return err
		}
		if !json.Valid(b) {
			return fmt.Errorf("config %s is not valid JSON", *cfgPath)
		}
		cfg = json.RawMessage(b)
	}
	res, err := bundle.Build(bundle.Options{Sources: os.DirFS(*dir), Lib: os.DirFS(*lib), Entry: *entry, Config: cfg})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, bundle.HandlerFile), res.Code, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "function.zip"), res.Zip, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s/%s zip_bytes=%d code_bytes=%d sha256=%s\n", *dir, *entry, len(res.Zip), len(res.Code), res.ZipSHA256)
	return nil
}
