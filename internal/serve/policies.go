package serve

import (
	"fmt"
	"strings"
)

// ValuesConfig is one of a policy's header, cookie or query-string settings:
// Behavior is CloudFront's keyword (none, whitelist, allExcept, all,
// allViewer, allViewerAndWhitelistCloudFront) and Items the names it lists.
// Header names are kept lower-cased (headers are case-insensitive); cookie
// and query-string names keep their case (they are case-sensitive).
type ValuesConfig struct {
	Behavior string
	Items    []string
}

// Includes reports whether the named value is selected.
func (v ValuesConfig) Includes(name string) bool {
	switch v.Behavior {
	case "all", "allViewer", "allViewerAndWhitelistCloudFront":
		if v.Behavior == "allViewerAndWhitelistCloudFront" && strings.HasPrefix(name, "cloudfront-") {
			return v.listed(name)
		}
		return true
	case "whitelist":
		return v.listed(name)
	case "allExcept":
		return !v.listed(name)
	}
	return false
}

func (v ValuesConfig) listed(name string) bool {
	for _, it := range v.Items {
		if it == name {
			return true
		}
	}
	return false
}

// CachePolicy is a cache policy: the cache key and the TTLs.
type CachePolicy struct {
	// ID and Name identify the policy (managed policies by their AWS id).
	ID, Name string
	// MinTTL, DefaultTTL and MaxTTL bound the time objects stay cached, in seconds.
	MinTTL, DefaultTTL, MaxTTL int64
	// Headers, Cookies and QueryStrings are in the cache key (and forwarded).
	Headers, Cookies, QueryStrings ValuesConfig
	// Gzip and Brotli normalise Accept-Encoding into the key and let
	// CloudFront compress (EnableAcceptEncodingGzip/Brotli).
	Gzip, Brotli bool
}

// Caches reports whether responses are cached at all.
func (p *CachePolicy) Caches() bool { return p.MaxTTL > 0 || p.DefaultTTL > 0 || p.MinTTL > 0 }

// OriginRequestPolicy selects what, beyond the cache key, reaches the origin.
type OriginRequestPolicy struct {
	// ID and Name identify the policy.
	ID, Name string
	// Headers, Cookies and QueryStrings forwarded to the origin.
	Headers, Cookies, QueryStrings ValuesConfig
}

// ResponseHeadersPolicy adds and removes response headers.
type ResponseHeadersPolicy struct {
	// ID and Name identify the policy.
	ID, Name string
	// CORS is nil without a CORS configuration.
	CORS *CORSConfig
	// Headers are the security and custom headers, in order.
	Headers []PolicyHeader
	// Remove lists header names (lower case) removed from responses.
	Remove []string
	// ServerTiming adds a Server-Timing header.
	ServerTiming bool
}

// PolicyHeader is one header a response headers policy sets.
type PolicyHeader struct {
	Name, Value string
	// Override replaces the origin's value; otherwise an origin value wins.
	Override bool
}

// CORSConfig is the CORS part of a response headers policy.
type CORSConfig struct {
	AllowCredentials            bool
	AllowHeaders, AllowMethods  []string
	AllowOrigins, ExposeHeaders []string
	MaxAgeSec                   int64
	OriginOverride              bool
}

// Managed policies are referenced by id only: their settings are not in the
// templates. These are CloudFront's published settings.
var managedCachePolicies = map[string]*CachePolicy{
	"2e54312d-136d-493c-8eb9-b001f22f67d2": {Name: "Managed-Amplify", MinTTL: 2, DefaultTTL: 2, MaxTTL: 31536000,
		Headers: ValuesConfig{"whitelist", []string{"authorization", "cloudfront-viewer-country", "host"}},
		Cookies: ValuesConfig{Behavior: "all"}, QueryStrings: ValuesConfig{Behavior: "all"}, Gzip: true, Brotli: true},
	"4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {Name: "Managed-CachingDisabled",
		Headers: ValuesConfig{Behavior: "none"}, Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}},
	"658327ea-f89d-4fab-a63d-7e88639e58f6": {Name: "Managed-CachingOptimized", MinTTL: 1, DefaultTTL: 86400, MaxTTL: 31536000,
		Headers: ValuesConfig{Behavior: "none"}, Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}, Gzip: true, Brotli: true},
	"b2884449-e4de-46a7-ac36-70bc7f1ddd6d": {Name: "Managed-CachingOptimizedForUncompressedObjects", MinTTL: 1, DefaultTTL: 86400, MaxTTL: 31536000,
		Headers: ValuesConfig{Behavior: "none"}, Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}},
	"08627262-05a9-4f76-9ded-b50ca2e3a84f": {Name: "Managed-Elemental-MediaPackage", MinTTL: 0, DefaultTTL: 86400, MaxTTL: 31536000,
		Headers: ValuesConfig{"whitelist", []string{"origin"}}, Cookies: ValuesConfig{Behavior: "none"},
		QueryStrings: ValuesConfig{"whitelist", []string{"aws.manifestfilter", "end", "m", "start"}}, Gzip: true},
	"83da9c7e-98b4-4e11-a168-04f0df8e2c65": {Name: "UseOriginCacheControlHeaders", MinTTL: 0, DefaultTTL: 0, MaxTTL: 31536000,
		Headers:      ValuesConfig{"whitelist", []string{"host", "origin", "x-http-method-override", "x-http-method", "x-method-override"}},
		Cookies:      ValuesConfig{Behavior: "all"},
		QueryStrings: ValuesConfig{Behavior: "none"}, Gzip: true, Brotli: true},
	"4cc15a8a-d715-48a4-82b8-cc0b614638fe": {Name: "UseOriginCacheControlHeaders-QueryStrings", MinTTL: 0, DefaultTTL: 0, MaxTTL: 31536000,
		Headers:      ValuesConfig{"whitelist", []string{"host", "origin", "x-http-method-override", "x-http-method", "x-method-override"}},
		Cookies:      ValuesConfig{Behavior: "all"},
		QueryStrings: ValuesConfig{Behavior: "all"}, Gzip: true, Brotli: true},
}

// cloudFrontHeaders2022 are the CloudFront-* headers of
// AllViewerAndCloudFrontHeaders-2022-06 and AllViewerExceptHostHeader.
var cloudFrontHeaders2022 = []string{
	"cloudfront-forwarded-proto", "cloudfront-is-android-viewer", "cloudfront-is-desktop-viewer", "cloudfront-is-ios-viewer",
	"cloudfront-is-mobile-viewer", "cloudfront-is-smarttv-viewer", "cloudfront-is-tablet-viewer", "cloudfront-viewer-address",
	"cloudfront-viewer-asn", "cloudfront-viewer-city", "cloudfront-viewer-country", "cloudfront-viewer-country-name",
	"cloudfront-viewer-country-region", "cloudfront-viewer-country-region-name", "cloudfront-viewer-http-version",
	"cloudfront-viewer-latitude", "cloudfront-viewer-longitude", "cloudfront-viewer-metro-code", "cloudfront-viewer-postal-code",
	"cloudfront-viewer-time-zone", "cloudfront-viewer-tls",
}

var managedOriginRequestPolicies = map[string]*OriginRequestPolicy{
	"216adef6-5c7f-47e4-b989-5492eafa07d3": {Name: "Managed-AllViewer",
		Headers: ValuesConfig{Behavior: "allViewer"}, Cookies: ValuesConfig{Behavior: "all"}, QueryStrings: ValuesConfig{Behavior: "all"}},
	"33f36d7e-f396-46d9-90e0-52428a34d9dc": {Name: "Managed-AllViewerAndCloudFrontHeaders-2022-06",
		Headers: ValuesConfig{"allViewerAndWhitelistCloudFront", cloudFrontHeaders2022}, Cookies: ValuesConfig{Behavior: "all"}, QueryStrings: ValuesConfig{Behavior: "all"}},
	// AllViewerExceptHostHeader: every viewer header but Host, plus the
	// CloudFront headers; modelled as allExcept host with the CloudFront
	// headers added (see originHeaders).
	"b689b0a8-53d0-40ab-baf2-68738e2966ac": {Name: "Managed-AllViewerExceptHostHeader",
		Headers: ValuesConfig{"allExcept", []string{"host"}}, Cookies: ValuesConfig{Behavior: "all"}, QueryStrings: ValuesConfig{Behavior: "all"}},
	"59781a5b-3903-41f3-afcb-af62929ccde1": {Name: "Managed-CORS-CustomOrigin",
		Headers: ValuesConfig{"whitelist", []string{"origin"}}, Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}},
	"88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": {Name: "Managed-CORS-S3Origin",
		Headers: ValuesConfig{"whitelist", []string{"origin", "access-control-request-headers", "access-control-request-method"}},
		Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}},
	"775133bc-15f2-49f9-abea-afb2e0bf67d2": {Name: "Managed-Elemental-MediaTailor-PersonalizedManifests",
		Headers: ValuesConfig{"whitelist", []string{"origin", "access-control-request-headers", "x-forwarded-for", "access-control-request-method", "user-agent"}},
		Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "all"}},
	"bf0718e1-ba1e-49d1-88b1-f726733018ae": {Name: "Managed-HostHeaderOnly",
		Headers: ValuesConfig{"whitelist", []string{"host"}}, Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}},
	"acba4595-bd28-49b8-b9fe-13317c0390fa": {Name: "Managed-UserAgentRefererHeaders",
		Headers: ValuesConfig{"whitelist", []string{"user-agent", "referer"}}, Cookies: ValuesConfig{Behavior: "none"}, QueryStrings: ValuesConfig{Behavior: "none"}},
}

var simpleCORS = &CORSConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET", "HEAD"}, AllowHeaders: []string{"*"}}
var preflightCORS = &CORSConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"},
	AllowHeaders: []string{"*"}, ExposeHeaders: []string{"*"}}
var managedSecurityHeaders = []PolicyHeader{
	{Name: "Referrer-Policy", Value: "strict-origin-when-cross-origin"},
	{Name: "Strict-Transport-Security", Value: "max-age=31536000"},
	{Name: "X-Content-Type-Options", Value: "nosniff"},
	{Name: "X-Frame-Options", Value: "SAMEORIGIN"},
	{Name: "X-XSS-Protection", Value: "1; mode=block"},
}

var managedResponseHeadersPolicies = map[string]*ResponseHeadersPolicy{
	"60669652-455b-4ae9-85a4-c4c02393f86c": {Name: "Managed-SimpleCORS", CORS: simpleCORS},
	"5cc3b908-e619-4b99-88e5-2cf7f45965bd": {Name: "Managed-CORS-With-Preflight", CORS: preflightCORS},
	"67f7725c-6f97-4210-82d7-5512b31e9d03": {Name: "Managed-SecurityHeadersPolicy", Headers: managedSecurityHeaders},
	"e61eb60c-9c35-4d20-a928-2b84e02af89c": {Name: "Managed-CORS-and-SecurityHeadersPolicy", CORS: simpleCORS, Headers: managedSecurityHeaders},
	"eaab4381-ed33-4a86-88ca-d9558dc6cd63": {Name: "Managed-CORS-with-preflight-and-SecurityHeadersPolicy", CORS: preflightCORS, Headers: managedSecurityHeaders},
}

// ManagedPolicyNames lists the managed policies serve knows, by id.
func ManagedPolicyNames() map[string]string {
	out := map[string]string{}
	for id, p := range managedCachePolicies {
		out[id] = p.Name
	}
	for id, p := range managedOriginRequestPolicies {
		out[id] = p.Name
	}
	for id, p := range managedResponseHeadersPolicies {
		out[id] = p.Name
	}
	return out
}

// parseCachePolicy reads an AWS::CloudFront::CachePolicy's resolved properties.
func parseCachePolicy(id string, props map[string]any) (*CachePolicy, error) {
	c, _ := props["CachePolicyConfig"].(map[string]any)
	if c == nil {
		return nil, fmt.Errorf("no CachePolicyConfig")
	}
	p := &CachePolicy{ID: id, Name: str(c["Name"]), MinTTL: num(c["MinTTL"]), DefaultTTL: num(c["DefaultTTL"]), MaxTTL: num(c["MaxTTL"])}
	k, _ := c["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]any)
	if k == nil {
		return nil, fmt.Errorf("no ParametersInCacheKeyAndForwardedToOrigin")
	}
	p.Gzip, _ = k["EnableAcceptEncodingGzip"].(bool)
	p.Brotli, _ = k["EnableAcceptEncodingBrotli"].(bool)
	var err error
	if p.Headers, err = valuesConfig(k["HeadersConfig"], "HeaderBehavior", "Headers", true); err != nil {
		return nil, err
	}
	if p.Cookies, err = valuesConfig(k["CookiesConfig"], "CookieBehavior", "Cookies", false); err != nil {
		return nil, err
	}
	if p.QueryStrings, err = valuesConfig(k["QueryStringsConfig"], "QueryStringBehavior", "QueryStrings", false); err != nil {
		return nil, err
	}
	return p, nil
}

func parseOriginRequestPolicy(id string, props map[string]any) (*OriginRequestPolicy, error) {
	c, _ := props["OriginRequestPolicyConfig"].(map[string]any)
	if c == nil {
		return nil, fmt.Errorf("no OriginRequestPolicyConfig")
	}
	p := &OriginRequestPolicy{ID: id, Name: str(c["Name"])}
	var err error
	if p.Headers, err = valuesConfig(c["HeadersConfig"], "HeaderBehavior", "Headers", true); err != nil {
		return nil, err
	}
	if p.Cookies, err = valuesConfig(c["CookiesConfig"], "CookieBehavior", "Cookies", false); err != nil {
		return nil, err
	}
	if p.QueryStrings, err = valuesConfig(c["QueryStringsConfig"], "QueryStringBehavior", "QueryStrings", false); err != nil {
		return nil, err
	}
	return p, nil
}

func valuesConfig(v any, behaviorKey, itemsKey string, lower bool) (ValuesConfig, error) {
	m, _ := v.(map[string]any)
	if m == nil {
		return ValuesConfig{Behavior: "none"}, nil
	}
	out := ValuesConfig{Behavior: str(m[behaviorKey])}
	switch out.Behavior {
	case "none", "whitelist", "allExcept", "all", "allViewer", "allViewerAndWhitelistCloudFront":
	default:
		return out, fmt.Errorf("%s %q is not modelled", behaviorKey, out.Behavior)
	}
	for _, it := range items(m[itemsKey]) {
		s := str(it)
		if lower {
			s = strings.ToLower(s)
		}
		out.Items = append(out.Items, s)
	}
	return out, nil
}

func parseResponseHeadersPolicy(id string, props map[string]any) (*ResponseHeadersPolicy, error) {
	c, _ := props["ResponseHeadersPolicyConfig"].(map[string]any)
	if c == nil {
		return nil, fmt.Errorf("no ResponseHeadersPolicyConfig")
	}
	p := &ResponseHeadersPolicy{ID: id, Name: str(c["Name"])}
	if cors, _ := c["CorsConfig"].(map[string]any); cors != nil {
		items := func(k string) []string {
			m, _ := cors[k].(map[string]any)
			var out []string
			for _, x := range items(m["Items"]) {
				out = append(out, str(x))
			}
			return out
		}
		p.CORS = &CORSConfig{
			AllowHeaders: items("AccessControlAllowHeaders"), AllowMethods: items("AccessControlAllowMethods"),
			AllowOrigins: items("AccessControlAllowOrigins"), ExposeHeaders: items("AccessControlExposeHeaders"),
			MaxAgeSec: num(cors["AccessControlMaxAgeSec"]),
		}
		p.CORS.AllowCredentials, _ = cors["AccessControlAllowCredentials"].(bool)
		p.CORS.OriginOverride, _ = cors["OriginOverride"].(bool)
	}
	if sec, _ := c["SecurityHeadersConfig"].(map[string]any); sec != nil {
		get := func(k string) (map[string]any, bool) {
			m, ok := sec[k].(map[string]any)
			return m, ok
		}
		ov := func(m map[string]any) bool { b, _ := m["Override"].(bool); return b }
		if m, ok := get("ContentSecurityPolicy"); ok {
			p.Headers = append(p.Headers, PolicyHeader{"Content-Security-Policy", str(m["ContentSecurityPolicy"]), ov(m)})
		}
		if m, ok := get("ContentTypeOptions"); ok {
			p.Headers = append(p.Headers, PolicyHeader{"X-Content-Type-Options", "nosniff", ov(m)})
		}
		if m, ok := get("FrameOptions"); ok {
			p.Headers = append(p.Headers, PolicyHeader{"X-Frame-Options", str(m["FrameOption"]), ov(m)})
		}
		if m, ok := get("ReferrerPolicy"); ok {
			p.Headers = append(p.Headers, PolicyHeader{"Referrer-Policy", str(m["ReferrerPolicy"]), ov(m)})
		}
		if m, ok := get("StrictTransportSecurity"); ok {
			v := fmt.Sprintf("max-age=%d", num(m["AccessControlMaxAgeSec"]))
			if b, _ := m["IncludeSubdomains"].(bool); b {
				v += "; includeSubDomains"
			}
			if b, _ := m["Preload"].(bool); b {
				v += "; preload"
			}
			p.Headers = append(p.Headers, PolicyHeader{"Strict-Transport-Security", v, ov(m)})
		}
		if m, ok := get("XSSProtection"); ok {
			v := "0"
			if b, _ := m["Protection"].(bool); b {
				v = "1"
				if b, _ := m["ModeBlock"].(bool); b {
					v += "; mode=block"
				} else if u := str(m["ReportUri"]); u != "" {
					v += "; report=" + u
				}
			}
			p.Headers = append(p.Headers, PolicyHeader{"X-XSS-Protection", v, ov(m)})
		}
	}
	if custom, _ := c["CustomHeadersConfig"].(map[string]any); custom != nil {
		for _, it := range items(custom["Items"]) {
			m, _ := it.(map[string]any)
			b, _ := m["Override"].(bool)
			p.Headers = append(p.Headers, PolicyHeader{str(m["Header"]), str(m["Value"]), b})
		}
	}
	if rm, _ := c["RemoveHeadersConfig"].(map[string]any); rm != nil {
		for _, it := range items(rm["Items"]) {
			m, _ := it.(map[string]any)
			p.Remove = append(p.Remove, strings.ToLower(str(m["Header"])))
		}
	}
	if st, _ := c["ServerTimingHeadersConfig"].(map[string]any); st != nil {
		p.ServerTiming, _ = st["Enabled"].(bool)
	}
	return p, nil
}

func str(v any) string {
	s, _ := scalarString(v)
	return s
}

func num(v any) int64 {
	switch t := v.(type) {
	case float64:
		return int64(t)
	case string:
		var n int64
		fmt.Sscan(t, &n)
		return n
	}
	return 0
}

func items(v any) []any {
	l, _ := v.([]any)
	return l
}
