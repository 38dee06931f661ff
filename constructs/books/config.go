package books

import (
	"regexp"

	"github.com/edgekit/edgekit/config"
	booksfn "github.com/edgekit/edgekit/functions/books"

	"github.com/edgekit/edgekit/internal/wildcard"
)

// Origin authentication modes (Config.OriginAuth, ApiBehaviorProps.OriginAuth).
const (
	// OriginAuthSigner signs each request at the edge (NewEdgeSigner): the
	// client sends plain JSON, the signer hashes the body.
	OriginAuthSigner = "signer"
	// OriginAuthOAC lets CloudFront origin access control sign: no edge
	// function, but POST and PUT must carry the client's own
	// x-amz-content-sha256 header.
	OriginAuthOAC = "oac"
)

// Defaults of the pattern's section.
const (
	// DefaultPathPattern is the CloudFront path pattern routed to the API.
	DefaultPathPattern = "/api/*"
	// DefaultMemorySizeMB of the Go function, twice the minimum: Lambda
	// allots CPU in proportion to memory, and every request parses JSON and
	// signs a DynamoDB call (a TLS handshake too on a cold connection).
	DefaultMemorySizeMB = 256
)

// Config is the books section of the configuration (edgekit:books:*).
type Config struct {
	// Enabled switches the pattern: table, Go function, signer and behaviour.
	Enabled bool `context:"edgekit:books:enabled" doc:"books pattern on/off (table, Go API, signer or OAC, API behaviour)"`
	// BasePath is the collection path the service answers (BOOKS_BASE_PATH).
	BasePath string `context:"edgekit:books:basePath" doc:"collection path of the books API"`
	// PathPattern is the behaviour's path pattern; it must cover BasePath and
	// BasePath/{id}.
	PathPattern string `context:"edgekit:books:pathPattern" doc:"CloudFront path pattern routed to the API (covers basePath and basePath/{id})"`
	// OriginAuth is how CloudFront authenticates to the function URL.
	OriginAuth string `context:"edgekit:books:originAuth" doc:"signer (Lambda@Edge SigV4, hashes the body) or oac (clients send x-amz-content-sha256 on POST/PUT)"`
	// FunctionName of the Go function; the Edge stack's policy names it
	// before the Api stack exists.
	FunctionName string `context:"edgekit:books:functionName" doc:"name of the books Go function (the edge signer's policy is scoped to it)" defaultDoc:"<appName>-books-api"`
	// MemorySizeMB of the Go function.
	MemorySizeMB int `context:"edgekit:books:memorySizeMB" doc:"memory of the books Go function (128–10240 MB)"`
}

// SetDefaults implements config.Section.
func (c *Config) SetDefaults(app config.App) {
	*c = Config{
		Enabled:      true,
		BasePath:     booksfn.DefaultBasePath,
		PathPattern:  DefaultPathPattern,
		OriginAuth:   OriginAuthSigner,
		FunctionName: app.AppName + "-books-api",
		MemorySizeMB: DefaultMemorySizeMB,
	}
}

var (
	// The service's own rule (functions/books config.go): segments of
	// URL-safe characters, no trailing slash.
	basePathRe = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)
	// Lambda function names.
	functionNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// CloudFront path patterns: path characters plus the wildcards.
	pathPatternRe = regexp.MustCompile(`^/[A-Za-z0-9._~/*?-]+$`)
)

// siteProbes are paths of the static site and its books app that the API
// behaviour must never take over.
var siteProbes = []string{"/", "/index.html", "/404.html", "/style.css", "/books/", "/books/index.html", "/books/app.js", "/books/books.css"}

// Validate implements config.Section.
func (c *Config) Validate(_ config.App, p *config.Problems) {
	if !basePathRe.MatchString(c.BasePath) {
		p.Add(&c.BasePath, "must be a path like /api/books: '/' then segments of A-Z a-z 0-9 . _ ~ -, no trailing '/'")
	}
	for _, problem := range pathPatternProblems(c.PathPattern, c.BasePath) {
		p.Add(&c.PathPattern, problem)
	}
	if c.OriginAuth != OriginAuthSigner && c.OriginAuth != OriginAuthOAC {
		p.Add(&c.OriginAuth, `must be "signer" or "oac"`)
	}
	if !functionNameRe.MatchString(c.FunctionName) {
		p.Add(&c.FunctionName, "must be 1-64 characters of A-Z a-z 0-9 _ -")
	}
	if c.MemorySizeMB < 128 || c.MemorySizeMB > 10240 {
		p.Add(&c.MemorySizeMB, "must be 128..10240 (Lambda memory in MB)")
	}
}

// pathPatternProblems checks a behaviour path pattern against the API's base
// path: it must route the collection and every book to the API and no page
// of the site.
func pathPatternProblems(pattern, basePath string) []string {
	if !pathPatternRe.MatchString(pattern) || len(pattern) > 255 {
		return []string{"must be a CloudFront path pattern like /api/*: '/' then path characters, '*' and '?'"}
	}
	var out []string
	if basePathRe.MatchString(basePath) {
		for _, want := range []string{basePath, basePath + "/0b7c4e8e-2f0a-4c1e-9c83-6d1f3c0f7a21"} {
			if !globMatch(pattern, want) {
				out = append(out, "does not match "+want+": the API would be unreachable")
			}
		}
	}
	for _, page := range siteProbes {
		if globMatch(pattern, page) {
			out = append(out, "matches the site path "+page+": the API behaviour would take over the site")
			break
		}
	}
	return out
}

// globMatch reports whether CloudFront's path pattern matches path: '*'
// stands for any run of characters ('/' included), '?' for exactly one.
func globMatch(pattern, path string) bool { return wildcard.Match(pattern, path) }
