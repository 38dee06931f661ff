package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Prefix is the namespace of every edgekit context key. Unknown keys under it
// are errors, so a typo never silently falls back to a default.
const Prefix = "edgekit:"

// Context keys.
const (
	KeyAppName            = Prefix + "appName"
	KeyAccount            = Prefix + "account"
	KeyHomeRegion         = Prefix + "homeRegion"
	KeyIngestRegions      = Prefix + "ingestRegions"
	KeyLogRetentionDays   = Prefix + "logRetentionDays"
	KeyRedirectsEnabled   = Prefix + "redirects:enabled"
	KeyRedirectRules      = Prefix + "redirects:rules"
	KeyCSP                = Prefix + "securityHeaders:contentSecurityPolicy"
	KeyHSTSMaxAge         = Prefix + "securityHeaders:hstsMaxAgeSeconds"
	KeyIngestEnabled      = Prefix + "ingest:enabled"
	KeyIngestPath         = Prefix + "ingest:path"
	KeyIngestStreamName   = Prefix + "ingest:streamName"
	KeyIngestBufferSecs   = Prefix + "ingest:bufferIntervalSeconds"
	KeyIngestBufferMiB    = Prefix + "ingest:bufferSizeMiB"
	KeyIngestExpireDays   = Prefix + "ingest:expireAfterDays"
	KeyIngestMaxRecords   = Prefix + "ingest:maxRecords"
	KeyIngestMaxRecordKiB = Prefix + "ingest:maxRecordKiB"
)

// Config is the whole application configuration.
type Config struct {
	// AppName prefixes stack names, resource names and SSM parameter paths.
	AppName string
	// Account pins every stack to one AWS account. Empty means env-agnostic:
	// the CLI's default account at deploy time.
	Account string
	// HomeRegion hosts the Storage, Cdn and (later) Api stacks.
	HomeRegion string
	// IngestRegions each get an Ingest stack with a Firehose stream.
	IngestRegions []string
	// LogRetentionDays applies to every log group edgekit creates.
	LogRetentionDays int

	Redirects       RedirectsConfig
	SecurityHeaders SecurityHeadersConfig
	Ingest          IngestConfig
}

// RedirectsConfig switches and configures the redirect pattern (seed 002).
type RedirectsConfig struct {
	Enabled bool
	Rules   []RedirectRule
}

// RedirectRule is one viewer-request redirect. A rule matches when every
// non-empty matcher holds; the first matching rule wins.
type RedirectRule struct {
	Name                string `json:"name"`
	Path                string `json:"path,omitempty"`
	PathPrefix          string `json:"pathPrefix,omitempty"`
	RefererContains     string `json:"refererContains,omitempty"`
	Status              int    `json:"status"`
	Target              string `json:"target"`
	PreserveQueryString bool   `json:"preserveQueryString"`
}

// SecurityHeadersConfig feeds the CloudFront response headers policy.
type SecurityHeadersConfig struct {
	ContentSecurityPolicy string
	HSTSMaxAgeSeconds     int
}

// IngestConfig switches and configures global data ingestion (seed 000).
type IngestConfig struct {
	Enabled               bool
	Path                  string
	StreamName            string
	BufferIntervalSeconds int
	BufferSizeMiB         int
	ExpireAfterDays       int
	MaxRecords            int
	MaxRecordKiB          int
}

// DefaultRedirectRules reproduce the seed: a form submitted from index.html is
// redirected to other.html with its query string.
func DefaultRedirectRules() []RedirectRule {
	return []RedirectRule{{
		Name:                "form-submit",
		Path:                "/",
		RefererContains:     "/index.html",
		Status:              302,
		Target:              "/other.html",
		PreserveQueryString: true,
	}}
}

// DefaultCSP allows only same-origin scripts, styles, images and fetches.
const DefaultCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"

// Default returns the configuration used when no context is given.
func Default() Config {
	return Config{
		AppName:          "edgekit",
		HomeRegion:       "eu-central-1",
		IngestRegions:    []string{"us-east-1", "eu-central-1", "ap-northeast-1"},
		LogRetentionDays: 30,
		Redirects:        RedirectsConfig{Enabled: true, Rules: DefaultRedirectRules()},
		SecurityHeaders:  SecurityHeadersConfig{ContentSecurityPolicy: DefaultCSP, HSTSMaxAgeSeconds: 63072000},
		Ingest: IngestConfig{
			Enabled:               true,
			Path:                  "/ingest",
			BufferIntervalSeconds: 60,
			BufferSizeMiB:         5,
			ExpireAfterDays:       365,
			MaxRecords:            500,
			MaxRecordKiB:          1000,
		},
	}
}

// Load applies context values on top of Default and validates the result.
// ctx is the CDK app's full context; keys outside Prefix are ignored. Values
// may be typed JSON (cdk.json) or strings (`-c key=value`).
func Load(ctx map[string]any) (Config, error) {
	c := Default()
	var errs []string
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Sprintf("%s=%s: %s", key, show(v), why))
	}
	streamSet := false
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		set, ok := setters[k]
		if !ok {
			bad(k, ctx[k], "unknown key (known keys: "+strings.Join(KnownKeys(), ", ")+")")
			continue
		}
		if err := set(&c, ctx[k]); err != nil {
			bad(k, ctx[k], err.Error())
		}
		streamSet = streamSet || k == KeyIngestStreamName
	}
	if !streamSet {
		c.Ingest.StreamName = c.AppName + "-ingest"
	}
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return Config{}, errors.New("invalid edgekit configuration:\n  " + strings.Join(errs, "\n  "))
	}
	return c, nil
}

// setters parse one context value each into its Config field; the set of keys
// is exactly what Load accepts.
var setters = map[string]func(c *Config, v any) error{
	KeyAppName:            func(c *Config, v any) (err error) { c.AppName, err = asString(v); return },
	KeyAccount:            func(c *Config, v any) (err error) { c.Account, err = asString(v); return },
	KeyHomeRegion:         func(c *Config, v any) (err error) { c.HomeRegion, err = asString(v); return },
	KeyIngestRegions:      func(c *Config, v any) (err error) { c.IngestRegions, err = asStringList(v); return },
	KeyLogRetentionDays:   func(c *Config, v any) (err error) { c.LogRetentionDays, err = asInt(v); return },
	KeyRedirectsEnabled:   func(c *Config, v any) (err error) { c.Redirects.Enabled, err = asBool(v); return },
	KeyRedirectRules:      func(c *Config, v any) (err error) { c.Redirects.Rules, err = asRules(v); return },
	KeyCSP:                func(c *Config, v any) (err error) { c.SecurityHeaders.ContentSecurityPolicy, err = asString(v); return },
	KeyHSTSMaxAge:         func(c *Config, v any) (err error) { c.SecurityHeaders.HSTSMaxAgeSeconds, err = asInt(v); return },
	KeyIngestEnabled:      func(c *Config, v any) (err error) { c.Ingest.Enabled, err = asBool(v); return },
	KeyIngestPath:         func(c *Config, v any) (err error) { c.Ingest.Path, err = asString(v); return },
	KeyIngestStreamName:   func(c *Config, v any) (err error) { c.Ingest.StreamName, err = asString(v); return },
	KeyIngestBufferSecs:   func(c *Config, v any) (err error) { c.Ingest.BufferIntervalSeconds, err = asInt(v); return },
	KeyIngestBufferMiB:    func(c *Config, v any) (err error) { c.Ingest.BufferSizeMiB, err = asInt(v); return },
	KeyIngestExpireDays:   func(c *Config, v any) (err error) { c.Ingest.ExpireAfterDays, err = asInt(v); return },
	KeyIngestMaxRecords:   func(c *Config, v any) (err error) { c.Ingest.MaxRecords, err = asInt(v); return },
	KeyIngestMaxRecordKiB: func(c *Config, v any) (err error) { c.Ingest.MaxRecordKiB, err = asInt(v); return },
}

// KnownKeys lists every context key Load accepts, sorted.
func KnownKeys() []string {
	k := make([]string, 0, len(setters))
	for key := range setters {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

var (
	appNameRe    = regexp.MustCompile(`^[a-z][a-z0-9-]{1,22}[a-z0-9]$`)
	accountRe    = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe     = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	streamNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)
	ingestPathRe = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$`)
	ruleNameRe   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// validRetention lists the values CloudWatch Logs accepts for retentionInDays.
var validRetention = map[int]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true,
	120: true, 150: true, 180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true,
	2192: true, 2557: true, 2922: true, 3288: true, 3653: true}

func (c Config) validate() []string {
	var errs []string
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Sprintf("%s=%s: %s", key, show(v), why))
	}
	if !appNameRe.MatchString(c.AppName) {
		bad(KeyAppName, c.AppName, "must be 3-24 characters of a-z, 0-9 and '-', starting with a letter")
	}
	if c.Account != "" && !accountRe.MatchString(c.Account) {
		bad(KeyAccount, c.Account, "must be a 12-digit AWS account id, or empty for the CLI's default account")
	}
	if !regionRe.MatchString(c.HomeRegion) {
		bad(KeyHomeRegion, c.HomeRegion, "must be an AWS region name such as eu-central-1")
	}
	if c.Ingest.Enabled && len(c.IngestRegions) == 0 {
		bad(KeyIngestRegions, c.IngestRegions, "must list at least one region while ingest is enabled")
	}
	seen := map[string]bool{}
	for _, r := range c.IngestRegions {
		if !regionRe.MatchString(r) {
			bad(KeyIngestRegions, r, "not an AWS region name")
		} else if seen[r] {
			bad(KeyIngestRegions, r, "listed twice")
		}
		seen[r] = true
	}
	if !validRetention[c.LogRetentionDays] {
		bad(KeyLogRetentionDays, c.LogRetentionDays, "must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)")
	}
	names := map[string]bool{}
	for i, r := range c.Redirects.Rules {
		key := fmt.Sprintf("%s[%d]", KeyRedirectRules, i)
		if !ruleNameRe.MatchString(r.Name) {
			bad(key+".name", r.Name, "must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'")
		} else if names[r.Name] {
			bad(key+".name", r.Name, "duplicate rule name")
		}
		names[r.Name] = true
		if r.Path == "" && r.PathPrefix == "" && r.RefererContains == "" {
			bad(key, r.Name, "needs at least one of path, pathPrefix, refererContains")
		}
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			bad(key+".path", r.Path, "must start with '/'")
		}
		if r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/") {
			bad(key+".pathPrefix", r.PathPrefix, "must start with '/'")
		}
		switch r.Status {
		case 301, 302, 303, 307, 308:
		default:
			bad(key+".status", r.Status, "must be one of 301, 302, 303, 307, 308")
		}
		if !validTarget(r.Target) {
			bad(key+".target", r.Target, "must be an absolute path ('/...') or an https:// URL")
		}
	}
	if c.SecurityHeaders.ContentSecurityPolicy == "" || strings.ContainsAny(c.SecurityHeaders.ContentSecurityPolicy, "\r\n") {
		bad(KeyCSP, c.SecurityHeaders.ContentSecurityPolicy, "must be a non-empty single-line policy")
	}
	if c.SecurityHeaders.HSTSMaxAgeSeconds < 300 {
		bad(KeyHSTSMaxAge, c.SecurityHeaders.HSTSMaxAgeSeconds, "must be at least 300 seconds")
	}
	in := c.Ingest
	if !ingestPathRe.MatchString(in.Path) || strings.Contains(in.Path, "//") {
		bad(KeyIngestPath, in.Path, "must be an absolute path without wildcards, e.g. /ingest")
	}
	if !streamNameRe.MatchString(in.StreamName) {
		bad(KeyIngestStreamName, in.StreamName, "must be 1-64 characters of a-z, A-Z, 0-9, '_', '.', '-'")
	}
	if in.BufferIntervalSeconds < 0 || in.BufferIntervalSeconds > 900 {
		bad(KeyIngestBufferSecs, in.BufferIntervalSeconds, "must be 0..900 (Firehose buffering interval)")
	}
	if in.BufferSizeMiB < 1 || in.BufferSizeMiB > 128 {
		bad(KeyIngestBufferMiB, in.BufferSizeMiB, "must be 1..128 (Firehose buffering size)")
	}
	if in.ExpireAfterDays < 1 {
		bad(KeyIngestExpireDays, in.ExpireAfterDays, "must be at least 1")
	}
	if in.MaxRecords < 1 || in.MaxRecords > 500 {
		bad(KeyIngestMaxRecords, in.MaxRecords, "must be 1..500 (Firehose PutRecordBatch limit)")
	}
	if in.MaxRecordKiB < 1 || in.MaxRecordKiB > 1000 {
		bad(KeyIngestMaxRecordKiB, in.MaxRecordKiB, "must be 1..1000 (Firehose record limit is 1,000 KiB)")
	}
	return errs
}

func validTarget(t string) bool {
	if strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "//") {
		return !strings.ContainsAny(t, " \r\n\t")
	}
	u, err := url.Parse(t)
	return err == nil && u.Scheme == "https" && u.Host != "" && !strings.ContainsAny(t, " \r\n\t")
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func asString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("must be a string")
	}
	return strings.TrimSpace(s), nil
}

func asBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		if err != nil {
			return false, fmt.Errorf("must be true or false")
		}
		return b, nil
	}
	return false, fmt.Errorf("must be true or false")
}

func asInt(v any) (int, error) {
	switch t := v.(type) {
	case float64:
		if t != float64(int(t)) {
			return 0, fmt.Errorf("must be a whole number")
		}
		return int(t), nil
	case int:
		return t, nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return 0, fmt.Errorf("must be a whole number")
		}
		return n, nil
	}
	return 0, fmt.Errorf("must be a whole number")
}

// asStringList accepts a JSON array of strings, a JSON array in a string, or a
// comma-separated string.
func asStringList(v any) ([]string, error) {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("must be a list of strings")
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	case string:
		s := strings.TrimSpace(t)
		if strings.HasPrefix(s, "[") {
			var out []string
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				return nil, fmt.Errorf("must be a JSON list of strings or a comma-separated list")
			}
			return out, nil
		}
		if s == "" {
			return []string{}, nil
		}
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, nil
	}
	return nil, fmt.Errorf("must be a list of strings or a comma-separated string")
}

// asRules accepts the rules as JSON (typed from cdk.json, or a string from -c).
func asRules(v any) ([]RedirectRule, error) {
	var raw []byte
	if s, ok := v.(string); ok {
		raw = []byte(s)
	} else {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var rules []RedirectRule
	if err := dec.Decode(&rules); err != nil {
		return nil, fmt.Errorf("must be a JSON list of rules {name, path, pathPrefix, refererContains, status, target, preserveQueryString}: %v", err)
	}
	return rules, nil
}
