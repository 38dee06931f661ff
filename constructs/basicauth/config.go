package basicauth

import (
	"regexp"
	"strings"

	"github.com/edgekit/edgekit/config"
)

// Config is the basicauth section of the configuration (edgekit:basicauth:*).
type Config struct {
	// Enabled switches the pattern: the private bucket, the edge function and
	// the behaviour.
	Enabled bool `context:"edgekit:basicauth:enabled" doc:"Basic-auth private content on/off (bucket, edge function, behaviour)"`
	// Path is the CloudFront path pattern of the private content.
	Path string `context:"edgekit:basicauth:path" doc:"CloudFront path pattern served from the private bucket behind Basic auth"`
	// Realm names the protected space in the 401 challenge.
	Realm string `context:"edgekit:basicauth:realm" doc:"realm of the 401 challenge (1–128 printable ASCII characters, no quotes or backslashes)" defaultDoc:"<appName> private content"`
	// ParameterName is the users store: an SSM SecureString in us-east-1
	// written by `edgekit users`.
	ParameterName string `context:"edgekit:basicauth:parameterName" doc:"SSM SecureString (us-east-1) with the users, written by edgekit users" defaultDoc:"/<appName>/basicauth/users"`
	// UsersTTLSeconds is how long an edge container uses the users it read
	// before reading them again: the longest a removed user keeps access.
	UsersTTLSeconds int `context:"edgekit:basicauth:usersTtlSeconds" doc:"seconds an edge container keeps the users it read (10–3600): the longest a removed user keeps access"`
}

// Defaults.
const (
	// DefaultPath is the private content's path pattern.
	DefaultPath = "/private/*"
	// DefaultUsersTTLSeconds re-reads the users every five minutes per container.
	DefaultUsersTTLSeconds = 300
)

// DefaultParameterName is the users store of an app: "/<app>/basicauth/users".
// `edgekit users` derives the same name from the app name.
func DefaultParameterName(appName string) string {
	return "/" + appName + "/basicauth/users"
}

// SetDefaults implements config.Section.
func (c *Config) SetDefaults(app config.App) {
	*c = Config{
		Enabled:         true,
		Path:            DefaultPath,
		Realm:           app.AppName + " private content",
		ParameterName:   DefaultParameterName(app.AppName),
		UsersTTLSeconds: DefaultUsersTTLSeconds,
	}
}

var (
	// CloudFront path patterns: '/' then the characters CloudFront accepts
	// in path patterns, with '*' and '?' wildcards.
	pathPatternRe = regexp.MustCompile(`^/[A-Za-z0-9_\-.~/*?$&+=@!'()]{1,254}$`)
	// Printable ASCII without '"' and '\': the realm is a quoted string in a header.
	realmRe = regexp.MustCompile(`^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$`)
	// SSM parameter names edgekit uses: '/'-rooted, no "//".
	parameterNameRe = regexp.MustCompile(`^/[A-Za-z0-9_.\-/]+$`)
)

// Validate implements config.Section.
func (c *Config) Validate(_ config.App, p *config.Problems) {
	if why := pathProblem(c.Path); why != "" {
		p.Add(&c.Path, why)
	}
	if !realmRe.MatchString(c.Realm) {
		p.Add(&c.Realm, "must be 1-128 printable ASCII characters without '\"' or '\\'")
	}
	if why := parameterProblem(c.ParameterName); why != "" {
		p.Add(&c.ParameterName, why)
	}
	if c.UsersTTLSeconds < 10 || c.UsersTTLSeconds > 3600 {
		p.Add(&c.UsersTTLSeconds, "must be 10..3600 seconds")
	}
}

func pathProblem(path string) string {
	if !pathPatternRe.MatchString(path) || strings.Contains(path, "//") {
		return "must be a CloudFront path pattern starting with '/', e.g. /private/*"
	}
	if strings.Trim(path, "/*?") == "" {
		return "must not cover the whole site (the site is the default behaviour)"
	}
	return ""
}

func parameterProblem(name string) string {
	if !parameterNameRe.MatchString(name) || len(name) > 1011 || strings.Contains(name, "//") || strings.HasSuffix(name, "/") {
		return "must be an SSM parameter name like /app/basicauth/users"
	}
	if strings.HasPrefix(strings.ToLower(name), "/aws") || strings.HasPrefix(strings.ToLower(name), "/ssm") {
		return "must not start with /aws or /ssm (reserved by SSM)"
	}
	return ""
}
