package redirect

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/edgekit/edgekit/config"
)

// Config is the redirect section of the configuration (edgekit:redirects:*).
type Config struct {
	// Enabled switches the redirect function on the default behaviour. The
	// site and its security headers stay: they are the distribution's root.
	Enabled bool `context:"edgekit:redirects:enabled" doc:"viewer-request redirect function on/off (the site and its headers stay)"`
	// Rules are the viewer-request redirects, first match wins.
	Rules []Rule `context:"edgekit:redirects:rules" doc:"JSON list of redirect rules (see below)" defaultDoc:"see below"`
}

// Rule is one viewer-request redirect. A rule matches when every non-empty
// matcher holds; the first matching rule wins. The JSON field names are the
// contract with functions/redirect/index.js.
type Rule struct {
	// Name identifies the rule in logs.
	Name string `json:"name"`
	// Path, when set, must equal the request URI.
	Path string `json:"path,omitempty"`
	// PathPrefix, when set, must start the request URI.
	PathPrefix string `json:"pathPrefix,omitempty"`
	// RefererContains, when set, must occur in the Referer header. Such a
	// redirect depends on a header outside the cache key, so it is always
	// sent with Cache-Control: no-store, whatever its status.
	RefererContains string `json:"refererContains,omitempty"`
	// Status is 301, 302, 303, 307 or 308.
	Status int `json:"status"`
	// Target is an absolute path ("/...") or an https:// URL.
	Target string `json:"target"`
	// PreserveQueryString appends the request's query string to Target.
	PreserveQueryString bool `json:"preserveQueryString"`
}

// DefaultRules reproduce the seed: a form submitted from index.html is
// redirected to other.html with its query string.
func DefaultRules() []Rule {
	return []Rule{{
		Name:                "form-submit",
		Path:                "/",
		RefererContains:     "/index.html",
		Status:              302,
		Target:              "/other.html",
		PreserveQueryString: true,
	}}
}

// SetDefaults implements config.Section.
func (c *Config) SetDefaults(config.App) {
	*c = Config{Enabled: true, Rules: DefaultRules()}
}

// Validate implements config.Section.
func (c *Config) Validate(_ config.App, p *config.Problems) {
	for i, r := range c.Rules {
		for _, e := range r.problems(c.Rules[:i]) {
			p.AddAt(&c.Rules, fmt.Sprintf("[%d]%s", i, e.field), e.value, e.why)
		}
	}
}

type ruleProblem struct {
	field string
	value any
	why   string
}

var ruleNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// problems lists what is wrong with r; earlier are the rules before it.
func (r Rule) problems(earlier []Rule) []ruleProblem {
	var out []ruleProblem
	add := func(field string, v any, why string) { out = append(out, ruleProblem{field, v, why}) }
	if !ruleNameRe.MatchString(r.Name) {
		add(".name", r.Name, "must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'")
	}
	for _, e := range earlier {
		if e.Name == r.Name {
			add(".name", r.Name, "duplicate rule name")
		}
	}
	if r.Path == "" && r.PathPrefix == "" && r.RefererContains == "" {
		add("", r.Name, "needs at least one of path, pathPrefix, refererContains")
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		add(".path", r.Path, "must start with '/'")
	}
	if r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/") {
		add(".pathPrefix", r.PathPrefix, "must start with '/'")
	}
	switch r.Status {
	case 301, 302, 303, 307, 308:
	default:
		add(".status", r.Status, "must be one of 301, 302, 303, 307, 308")
	}
	if !ValidTarget(r.Target) {
		add(".target", r.Target, "must be an absolute path ('/...', not '//' or '/\\') or an https:// URL without user info, "+
			"with no backslashes, spaces or control characters")
	}
	return out
}

// ValidTarget reports whether t is a safe redirect target: an absolute path
// on this site, or an https:// URL. Browsers treat '\' as '/' and drop tabs
// and line breaks inside URLs, so "/\evil.example" or "/\t/evil.example"
// would send the viewer to another host: backslashes, whitespace and control
// characters are refused anywhere. functions/redirect/index.js applies the
// same rule at cold start.
func ValidTarget(t string) bool {
	for _, c := range t {
		if c <= ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	if strings.HasPrefix(t, "/") {
		return !strings.HasPrefix(t, "//")
	}
	u, err := url.Parse(t)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && strings.HasPrefix(t, "https://")
}

// SecurityHeadersConfig is the securityHeaders section: the response headers
// policy every behaviour of the distribution uses.
type SecurityHeadersConfig struct {
	// ContentSecurityPolicy is sent on every response.
	ContentSecurityPolicy string `context:"edgekit:securityHeaders:contentSecurityPolicy" doc:"CSP sent on every response" defaultDoc:"same-origin only"`
	// HSTSMaxAgeSeconds is the Strict-Transport-Security max-age.
	HSTSMaxAgeSeconds int `context:"edgekit:securityHeaders:hstsMaxAgeSeconds" doc:"HSTS max-age (includeSubDomains; preload)"`
}

// DefaultCSP allows only same-origin scripts, styles, images and fetches.
const DefaultCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"

// DefaultHSTSMaxAgeSeconds is two years, the preload list's recommendation.
const DefaultHSTSMaxAgeSeconds = 63072000

// SetDefaults implements config.Section.
func (s *SecurityHeadersConfig) SetDefaults(config.App) {
	*s = SecurityHeadersConfig{ContentSecurityPolicy: DefaultCSP, HSTSMaxAgeSeconds: DefaultHSTSMaxAgeSeconds}
}

// Validate implements config.Section.
func (s *SecurityHeadersConfig) Validate(_ config.App, p *config.Problems) {
	if s.ContentSecurityPolicy == "" || strings.ContainsAny(s.ContentSecurityPolicy, "\r\n") {
		p.Add(&s.ContentSecurityPolicy, "must be a non-empty single-line policy")
	}
	if s.HSTSMaxAgeSeconds < 300 {
		p.Add(&s.HSTSMaxAgeSeconds, "must be at least 300 seconds")
	}
}
