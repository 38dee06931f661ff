// Package bundle turns dependency-free JavaScript sources held in an fs.FS into a
// Lambda@Edge deployment package, using the esbuild Go API.
//
// It is deliberately independent of the CDK so that tools and tests can build the
// exact artifact a stack deploys without starting jsii.
package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/edgekit/edgekit/functions/edgelib"
)

// ConfigModule is the import specifier under which the synth-time configuration is
// available to edge code: `import config from "edgekit:config"`.
const ConfigModule = "edgekit:config"

// LibPrefix starts the import specifiers of the shared edge library:
// `import { signRequest } from "edgekit:lib/sigv4"` loads "sigv4.js" from
// Options.Lib (default: functions/edgelib).
const LibPrefix = "edgekit:lib/"

// HandlerFile is the file name of the bundled entry inside the zip; the Lambda
// handler string is therefore "index.handler".
const HandlerFile = "index.js"

// zipTime is the fixed modification time of every zip entry, so that the same
// input gives byte-identical zips on every machine. 1980-01-01 is the zip epoch.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Options describes one bundle.
type Options struct {
	// Sources holds the handler's JavaScript sources (ES modules). Relative
	// imports are resolved only inside Sources; the other imports allowed are
	// `node:` built-ins, ConfigModule and LibPrefix modules.
	Sources fs.FS
	// Entry is the entry module's path inside Sources, e.g. "index.js".
	// It must export `handler`.
	Entry string
	// Config is marshalled to JSON and served as the default export of ConfigModule.
	// Default: an empty object.
	Config any
	// Lib holds the shared library modules imported as "edgekit:lib/<name>"
	// ("<name>.js" in Lib). Default: edgelib.Sources.
	Lib fs.FS
}

// Result is a built bundle.
type Result struct {
	// Code is the minified CommonJS bundle.
	Code []byte
	// Zip is the deployment package: HandlerFile alone, deterministic bytes.
	Zip []byte
	// ZipSHA256 is the lowercase hex SHA-256 of Zip.
	ZipSHA256 string
	// ConfigJSON is the configuration exactly as injected.
	ConfigJSON []byte
}

// Build bundles opts.Entry and everything it imports into one CommonJS file and
// zips it. The output depends only on the sources, the config and the esbuild
// version, never on the machine, the working directory or the clock.
func Build(opts Options) (*Result, error) {
	if opts.Sources == nil {
		return nil, errors.New("bundle: Sources is nil")
	}
	if opts.Entry == "" {
		return nil, errors.New("bundle: Entry is empty")
	}
	entry := path.Clean(strings.TrimPrefix(opts.Entry, "./"))
	if _, err := fs.Stat(opts.Sources, entry); err != nil {
		return nil, fmt.Errorf("bundle: entry %q: %w", opts.Entry, err)
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = map[string]any{}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("bundle: marshal config for %q: %w", opts.Entry, err)
	}
	lib := opts.Lib
	if lib == nil {
		lib = edgelib.Sources
	}

	res := api.Build(api.BuildOptions{
		EntryPoints: []string{entry},
		Bundle:      true,
		Write:       false,
		Format:      api.FormatCommonJS,
		Platform:    api.PlatformNode,
		Target:      api.ESNext,
		// Lambda@Edge's newest confirmed runtime is nodejs22.x.
		Engines:           []api.Engine{{Name: api.EngineNode, Version: "22"}},
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Sourcemap:         api.SourceMapNone,
		LogLevel:          api.LogLevelSilent,
		Outfile:           HandlerFile,
		Plugins:           []api.Plugin{fsPlugin(opts.Sources, lib, cfgJSON)},
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, fmt.Errorf("bundle %q: %s", opts.Entry, strings.Join(msgs, "\n"))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("bundle %q: esbuild produced %d files, want 1", opts.Entry, len(res.OutputFiles))
	}
	code := res.OutputFiles[0].Contents
	z, err := zipOne(HandlerFile, code)
	if err != nil {
		return nil, fmt.Errorf("bundle %q: zip: %w", opts.Entry, err)
	}
	sum := sha256.Sum256(z)
	return &Result{Code: code, Zip: z, ZipSHA256: hex.EncodeToString(sum[:]), ConfigJSON: cfgJSON}, nil
}

const (
	nsSource = "edgekit-src"
	nsLib    = "edgekit-lib"
	nsConfig = "edgekit-config"
)

// fsPlugin resolves every import inside sources and lib, so bundling never
// touches the disk: the same embedded sources bundle identically from any
// directory. Sources and lib are separate namespaces: a relative import stays
// inside the file system it was written in.
func fsPlugin(sources, lib fs.FS, cfgJSON []byte) api.Plugin {
	return api.Plugin{
		Name: "edgekit-fs",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := a.Path
				switch {
				case p == ConfigModule:
					return api.OnResolveResult{Path: ConfigModule, Namespace: nsConfig}, nil
				case strings.HasPrefix(p, "node:"):
					return api.OnResolveResult{Path: p, External: true}, nil
				case strings.HasPrefix(p, LibPrefix):
					name := strings.TrimPrefix(p, LibPrefix)
					if !libNameRe.MatchString(name) {
						return api.OnResolveResult{}, fmt.Errorf("import %q: library modules are named %s<name> with <name> of [a-z0-9-]", p, LibPrefix)
					}
					return api.OnResolveResult{Path: name + ".js", Namespace: nsLib}, nil
				case a.Kind == api.ResolveEntryPoint:
					return api.OnResolveResult{Path: path.Clean(p), Namespace: nsSource}, nil
				case strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../"):
					if a.Namespace != nsSource && a.Namespace != nsLib {
						return api.OnResolveResult{}, fmt.Errorf("relative import %q from outside the sources", p)
					}
					full := path.Join(path.Dir(a.Importer), p)
					if strings.HasPrefix(full, "../") {
						return api.OnResolveResult{}, fmt.Errorf("import %q from %q leaves the sources", p, a.Importer)
					}
					return api.OnResolveResult{Path: full, Namespace: a.Namespace}, nil
				default:
					return api.OnResolveResult{}, fmt.Errorf("import %q: edge code must be dependency-free (use node: built-ins, %s<name> or relative imports)", p, LibPrefix)
				}
			})
			load := func(fsys fs.FS) func(api.OnLoadArgs) (api.OnLoadResult, error) {
				return func(a api.OnLoadArgs) (api.OnLoadResult, error) {
					data, err := fs.ReadFile(fsys, a.Path)
					if err != nil {
						return api.OnLoadResult{}, err
					}
					s := string(data)
					loader := api.LoaderJS
					if strings.HasSuffix(a.Path, ".json") {
						loader = api.LoaderJSON
					}
					return api.OnLoadResult{Contents: &s, Loader: loader}, nil
				}
			}
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsSource}, load(sources))
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsLib}, load(lib))
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsConfig}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
				s := string(cfgJSON)
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJSON}, nil
			})
		},
	}
}

var libNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func zipOne(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o644)
	f, err := w.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
