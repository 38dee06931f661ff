package gofunction

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// CacheDirEnv names the environment variable that moves the on-disk build
// cache, or switches it off with the value "off".
const CacheDirEnv = "EDGEKIT_GOFUNCTION_CACHE"

// cacheFormat changes whenever the key derivation or the zip layout changes, so
// entries written by an older edgekit are never mistaken for current ones.
const cacheFormat = "edgekit-gofunction/v1"

// cacheMaxAge is how long an unused entry stays in the on-disk cache.
const cacheMaxAge = 30 * 24 * time.Hour

// buildTag is always set: without it aws-lambda-go links its net/rpc
// entry point, which only the retired go1.x runtime used.
const buildTag = "lambda.norpc"

// ldflags strip the symbol table and DWARF: smaller zip, faster cold start.
// Panics still carry function names and lines (they come from pclntab).
const ldflags = "-s -w"

// zipTime is the mtime of the zip entry: the earliest MS-DOS date, so the zip
// does not depend on when or where it was built.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Artifact describes a built deployment package.
type Artifact struct {
	// Package is the import path that was built (resolved by `go list`).
	Package string
	// Dir is the directory the build ran in.
	Dir string
	// GOARCH is the target architecture ("arm64" or "amd64").
	GOARCH string
	// BinaryBytes is the size of the bootstrap executable.
	BinaryBytes int64
	// ZipBytes is the size of the deployment package.
	ZipBytes int64
	// ZipSHA256 is the hex SHA-256 of the deployment package.
	ZipSHA256 string
	// ZipPath is the content-addressed file handed to the CDK as the asset.
	ZipPath string
	// Key is the hex SHA-256 of every build input: the on-disk cache key.
	Key string
	// FromCache reports that the zip came from the on-disk cache and `go build`
	// did not run.
	FromCache bool
	// Duration is the wall time this artifact took to produce in this process
	// (key computation included).
	Duration time.Duration
}

// request is one build: what the in-process cache keys on.
type request struct {
	dir    string // absolute
	pkg    string
	goarch string
	tags   string // comma-separated, lambda.norpc first
}

func newRequest(dir, pkg, goarch string, tags []string) (request, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return request{}, fmt.Errorf("resolve Dir %q: %w", dir, err)
	}
	all := []string{buildTag}
	for _, t := range tags {
		if !slices.Contains(all, t) {
			all = append(all, t)
		}
	}
	return request{dir: abs, pkg: pkg, goarch: goarch, tags: strings.Join(all, ",")}, nil
}

// env is the environment of every go command of a build: the caller's Go
// settings (GOFLAGS, GOPROXY, GOPRIVATE, ...) with the target pinned.
func (r request) env() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+r.goarch)
}

func (r request) buildArgs(out string) []string {
	return []string{"build", "-tags", r.tags, "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, r.pkg}
}

// memo is the process-wide cache: a package used by several constructs, or
// prebuilt and then constructed, is built once per process.
var memo sync.Map // request -> *memoEntry

type memoEntry struct {
	once sync.Once
	art  *Artifact
	err  error
}

// get returns the artifact for r, building it at most once per process.
func get(r request) (*Artifact, error) {
	v, _ := memo.LoadOrStore(r, &memoEntry{})
	e := v.(*memoEntry)
	e.once.Do(func() { e.art, e.err = build(context.Background(), r, cacheDir()) })
	return e.art, e.err
}

// Prebuild builds the packages of the given props concurrently (one `go build`
// per package, at most GOMAXPROCS at a time) and keeps the results for the
// process, so the NewGoFunction calls that follow find them ready. Call it at
// the start of an app that has several Go functions: constructs are created one
// after the other, their builds need not be. Only Package, Dir, Architecture
// and BuildTags of each props are read. It returns every failure, joined.
func Prebuild(props ...*GoFunctionProps) error {
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	errs := make([]error, len(props))
	var wg sync.WaitGroup
	for i, p := range props {
		if p == nil {
			continue
		}
		goarch, ok := goarchOf(p.Architecture)
		if !ok {
			errs[i] = fmt.Errorf("prebuild %s: unsupported architecture %q", p.Package, archName(p.Architecture))
			continue
		}
		r, err := newRequest(p.Dir, p.Package, goarch, p.BuildTags)
		if err != nil {
			errs[i] = fmt.Errorf("prebuild %s: %w", p.Package, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := get(r); err != nil {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Build builds the package of props exactly as NewGoFunction does, without
// creating constructs: for tools, benchmarks and handler tests that need the
// deployment package. Each call computes the input key again (the on-disk
// cache applies, the in-process one does not). Only Package, Dir,
// Architecture and BuildTags are read.
func Build(props *GoFunctionProps) (*Artifact, error) {
	if props == nil || props.Package == "" {
		return nil, errors.New("build: Package is empty")
	}
	goarch, ok := goarchOf(props.Architecture)
	if !ok {
		return nil, fmt.Errorf("build %s: unsupported architecture %q", props.Package, archName(props.Architecture))
	}
	r, err := newRequest(props.Dir, props.Package, goarch, props.BuildTags)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", props.Package, err)
	}
	return build(context.Background(), r, cacheDir())
}

// cacheDir is where built zips are kept between processes, or "" when the
// on-disk cache is off or no cache directory exists.
func cacheDir() string {
	switch v := os.Getenv(CacheDirEnv); v {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "edgekit", "gofunction")
	default:
		return v
	}
}

// build produces the artifact for r: from the on-disk cache when an entry with
// the same input key exists, else by running `go build`.
func build(ctx context.Context, r request, cache string) (*Artifact, error) {
	start := time.Now()
	key, root, err := inputKey(ctx, r)
	if err != nil {
		return nil, err
	}
	art := &Artifact{Package: root, Dir: r.dir, GOARCH: r.goarch, Key: key}

	var zipData []byte
	if cache != "" {
		zipData = readCached(filepath.Join(cache, key+".zip"))
		art.FromCache = zipData != nil
	}
	if zipData == nil {
		bin, err := compile(ctx, r)
		if err != nil {
			return nil, err
		}
		if zipData, err = zipBootstrap(bin); err != nil {
			return nil, fmt.Errorf("zip %s: %w", r.pkg, err)
		}
		// A source edited while go build ran would leave a zip of the new code
		// under the key of the old one: store only when the inputs held still.
		if cache != "" {
			if again, _, err := inputKey(ctx, r); err == nil && again == key {
				storeCached(cache, key, zipData)
			}
		}
	}
	size, err := bootstrapSize(zipData)
	if err != nil {
		return nil, fmt.Errorf("read zip of %s: %w", r.pkg, err)
	}
	sum := sha256.Sum256(zipData)
	art.ZipSHA256 = hex.EncodeToString(sum[:])
	art.BinaryBytes, art.ZipBytes = size, int64(len(zipData))
	if art.ZipPath, err = writeAsset(art.ZipSHA256, zipData); err != nil {
		return nil, err
	}
	art.Duration = time.Since(start)
	return art, nil
}

// compile runs go build and returns the executable. Its error carries the
// compiler's output verbatim.
func compile(ctx context.Context, r request) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "edgekit-gobuild-")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", r.pkg, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", r.buildArgs(out)...)
	cmd.Dir, cmd.Env = r.dir, r.env()
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s (in %s, GOARCH=%s) failed: %w\n%s",
			r.pkg, r.dir, r.goarch, err, strings.TrimSpace(string(msg)))
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", r.pkg, err)
	}
	return bin, nil
}

// zipBootstrap packs the executable as the only entry, "bootstrap", with a
// fixed mtime and mode: equal binaries give byte-equal zips.
func zipBootstrap(bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.DefaultCompression)
	})
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	f, err := w.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(bin); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bootstrapSize checks the zip's shape (exactly one executable entry named
// bootstrap) and returns the executable's size.
func bootstrapSize(data []byte) (int64, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, err
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode()&0o111 == 0 {
		return 0, fmt.Errorf("want one executable entry named bootstrap, got %d entries", len(zr.File))
	}
	return int64(zr.File[0].UncompressedSize64), nil
}

// readCached returns a cached zip, or nil when there is none or it is damaged.
func readCached(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if _, err := bootstrapSize(data); err != nil {
		return nil
	}
	// Entries in use stay; pruning removes those untouched for cacheMaxAge.
	now := time.Now()
	_ = os.Chtimes(path, now, now)
	return data
}

// storeCached writes an entry atomically (a reader never sees half a zip) and
// prunes stale ones. Failures only cost a rebuild next time, so they are ignored.
func storeCached(dir, key string, data []byte) {
	if err := writeAtomic(dir, key+".zip", data); err != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > cacheMaxAge {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func writeAtomic(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "partial-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// writeAsset puts the zip in a content-addressed file under the temp dir. The
// CDK fingerprints the file's content, so the path never reaches the template.
func writeAsset(sum string, data []byte) (string, error) {
	dir := filepath.Join(os.TempDir(), "edgekit-go-assets")
	path := filepath.Join(dir, sum+".zip")
	if info, err := os.Stat(path); err == nil && info.Size() == int64(len(data)) {
		return path, nil
	}
	if err := writeAtomic(dir, sum+".zip", data); err != nil {
		return "", fmt.Errorf("write asset: %w", err)
	}
	return path, nil
}

// listedPackage is the part of `go list -json` output the key is made of.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	Module     *listedModule
	// Every kind of file go build may read. With CGO_ENABLED=0 most C-related
	// lists are empty, but a file moving into one must still change the key.
	GoFiles, CgoFiles, CFiles, CXXFiles, MFiles, HFiles, FFiles, SFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles, EmbedFiles                      []string
}

type listedModule struct {
	Path    string
	Version string
	Main    bool
	Dir     string
	GoMod   string
	Replace *listedModule
}

// listFields keeps `go list` output small: it is parsed on every synth.
const listFields = "ImportPath,Name,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles,SwigFiles,SwigCXXFiles,SysoFiles,EmbedFiles"

// envKeys are the go env values that change what go build produces for a
// given set of sources (beyond GOOS, GOARCH and CGO_ENABLED, which are pinned).
var envKeys = []string{"GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOARM64", "GOAMD64", "GOFIPS140", "GOWORK", "GOMODCACHE"}

// inputKey hashes everything go build reads for r: the toolchain and its
// settings, the flags, and every non-standard package in the dependency
// closure. A package from the module cache is named by module@version (the
// cache is read-only and checked against go.sum); every other package (main
// module, replacements by directory, vendor/) by the content of each file go
// build reads. It also returns the root package's import path.
func inputKey(ctx context.Context, r request) (string, string, error) {
	envOut, err := goCmd(ctx, r, append([]string{"env", "-json"}, envKeys...)...)
	if err != nil {
		return "", "", fmt.Errorf("go env in %s: %w", r.dir, err)
	}
	var env map[string]string
	if err := json.Unmarshal(envOut, &env); err != nil {
		return "", "", fmt.Errorf("parse go env: %w", err)
	}
	listOut, err := goCmd(ctx, r, "list", "-deps", "-json="+listFields, "-tags", r.tags, r.pkg)
	if err != nil {
		return "", "", fmt.Errorf("go list %s (in %s): %w", r.pkg, r.dir, err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(listOut))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", "", fmt.Errorf("parse go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return "", "", fmt.Errorf("go list %s (in %s): no package", r.pkg, r.dir)
	}
	// -deps lists dependencies first: the root comes last.
	root := pkgs[len(pkgs)-1]
	if root.Name != "main" {
		return "", "", fmt.Errorf("%s (in %s) is package %s, not a main package: a Lambda function needs a command", root.ImportPath, r.dir, root.Name)
	}

	h := sha256.New()
	line := func(format string, a ...any) { fmt.Fprintf(h, format+"\n", a...) }
	line("%s", cacheFormat)
	line("args %q", r.buildArgs("bootstrap"))
	line("target linux/%s cgo=0", r.goarch)
	for _, k := range envKeys {
		line("env %s=%q", k, env[k])
	}
	if w := env["GOWORK"]; w != "" && w != "off" {
		if err := hashFile(h, "go.work", w); err != nil {
			return "", "", err
		}
	}
	modCache := filepath.Clean(env["GOMODCACHE"]) + string(filepath.Separator)
	hashedMods := map[string]bool{}
	for _, p := range pkgs {
		if p.Standard {
			line("std %s", p.ImportPath)
			continue
		}
		if m := p.Module; m != nil {
			if m.Replace != nil {
				m = m.Replace
			}
			if m.Version != "" && strings.HasPrefix(p.Dir, modCache) {
				line("mod %s %s@%s", p.ImportPath, m.Path, m.Version)
				continue
			}
			// A module outside the cache: its go.mod sets the language
			// version and godebug defaults.
			if m.GoMod != "" && !hashedMods[m.GoMod] {
				hashedMods[m.GoMod] = true
				if err := hashFile(h, "go.mod "+m.Path, m.GoMod); err != nil {
					return "", "", err
				}
			}
		}
		line("local %s %s", p.ImportPath, p.Name)
		var files []string
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.MFiles, p.HFiles, p.FFiles,
			p.SFiles, p.SwigFiles, p.SwigCXXFiles, p.SysoFiles, p.EmbedFiles} {
			files = append(files, list...)
		}
		slices.Sort(files)
		for _, f := range slices.Compact(files) {
			if err := hashFile(h, f, filepath.Join(p.Dir, f)); err != nil {
				return "", "", err
			}
		}
	}
	// go build's default -pgo=auto reads default.pgo beside the main package:
	// a profile is an input no file list of go list reports.
	if pgo := filepath.Join(root.Dir, "default.pgo"); fileExists(pgo) {
		if err := hashFile(h, "default.pgo", pgo); err != nil {
			return "", "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), root.ImportPath, nil
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// hashFile adds a named file's content hash to h.
func hashFile(h io.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("hash build input: %w", err)
	}
	defer f.Close()
	fh := sha256.New()
	if _, err := io.Copy(fh, f); err != nil {
		return fmt.Errorf("hash build input %s: %w", path, err)
	}
	fmt.Fprintf(h, "file %q %x\n", name, fh.Sum(nil))
	return nil
}

// goCmd runs a go command for r and returns its stdout; the error carries stderr.
func goCmd(ctx context.Context, r request, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = r.dir, r.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
