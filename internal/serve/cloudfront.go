package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The request pipeline, in CloudFront's order: WAF and geo restriction;
// the behaviour by path pattern; viewer protocol and allowed methods; the
// viewer-request function; the default root object; the cache; the
// origin-request function; the origin; the origin-response function;
// custom error responses; caching; the viewer-response function; the
// response headers policy; compression.

// Body limits of include-body, and generated response limits.
const (
	viewerBodyLimit     = 40 * 1024
	originBodyLimit     = 1024 * 1024
	viewerResponseLimit = 40 * 1024
	originResponseLimit = 1024 * 1024
	maxViewerBody       = 64 << 20
	maxRequestHeaders   = 20 * 1024
	maxURLLength        = 8192
)

// trace collects what one request went through, for its log line.
type trace struct {
	steps []string
}

func (t *trace) add(format string, args ...any) {
	t.steps = append(t.steps, fmt.Sprintf(format, args...))
}

// viewerHandler serves the distribution; https tells whether the listener
// stands for the viewer's HTTPS (the default listener) or plain HTTP.
func (s *Server) viewerHandler(https bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		t := &trace{}
		resp, cacheStatus := s.handleViewer(r, https, t)
		s.writeViewerResponse(w, r, resp, cacheStatus)
		s.log.Printf("cloudfront", "%s %s -> %d %s %.1fms%s", r.Method, r.URL.RequestURI(), resp.Status, cacheStatus,
			float64(time.Since(start).Microseconds())/1000, traceSuffix(t))
		if resp.Reason != "" {
			s.log.Printf("cloudfront", "  %d because %s", resp.Status, resp.Reason)
		}
	}
}

func traceSuffix(t *trace) string {
	if len(t.steps) == 0 {
		return ""
	}
	return " [" + strings.Join(t.steps, "; ") + "]"
}

func newCloudFrontID() string {
	b := make([]byte, 42)
	_, _ = rand.Read(b)
	return base64.URLEncoding.EncodeToString(b)
}

// matchBehavior returns the first behaviour whose path pattern matches p.
func (d *Distribution) matchBehavior(p string) *Behavior {
	for _, b := range d.Behaviors {
		if pathPatternMatch(b.PathPattern, p) {
			return b
		}
	}
	return d.Behaviors[len(d.Behaviors)-1]
}

// pathPatternMatch is CloudFront's path pattern: case-sensitive, '*' any
// run of characters (slashes included), '?' one character; the leading '/'
// of the pattern is optional.
func pathPatternMatch(pattern, p string) bool {
	if pattern == "*" {
		return true
	}
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern
	}
	return wildMatch(pattern, p, false)
}

func (s *Server) handleViewer(r *http.Request, https bool, t *trace) (*cfResponse, string) {
	d := s.model.Distribution
	cfID := newCloudFrontID()
	rawPath := r.URL.EscapedPath()
	if r.URL.RawPath == "" && r.URL.Path == "" {
		rawPath = "/"
	}
	if len(r.URL.RequestURI()) > maxURLLength {
		return errorPage(414, "the URL is longer than 8,192 bytes"), "Error"
	}
	hsize := 0
	for k, vals := range r.Header {
		for _, v := range vals {
			hsize += len(k) + len(v)
		}
	}
	if hsize > maxRequestHeaders {
		return errorPage(494, "the request headers are larger than 20 KB"), "Error"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxViewerBody+1))
	if err != nil {
		return errorPage(400, "the request body could not be read"), "Error"
	}
	if len(body) > maxViewerBody {
		return errorPage(413, "the request body is larger than serve accepts (64 MB)"), "Error"
	}
	req := &cfRequest{ClientIP: clientIP(r), Method: r.Method, URI: rawPath, Query: r.URL.RawQuery, Headers: headersFromHTTP(r.Header), Body: body}
	req.Headers["host"] = []hdr{{Key: "Host", Value: r.Host}}
	for _, h := range []string{"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"} {
		delete(req.Headers, h)
	}
	b := d.matchBehavior(rawPath)
	t.add("behaviour %s", b.PathPattern)

	if d.Geo != nil {
		in := d.Geo.Countries[s.opts.ViewerCountry]
		if in != (d.Geo.Type == "whitelist") {
			return errorPage(403, "geo restriction: viewer country "+s.opts.ViewerCountry+" is not allowed"), "Error"
		}
	}
	if d.WebACL != nil {
		v := d.WebACL.Evaluate(&WAFRequest{Method: r.Method, Path: rawPath, RawQuery: r.URL.RawQuery, Headers: lowerHeaders(r.Header),
			Body: body, ClientIP: req.ClientIP, Country: s.opts.ViewerCountry}, time.Now())
		if len(v.Counted) > 0 {
			t.add("waf counted %s", strings.Join(v.Counted, ","))
		}
		if v.Block {
			resp := errorPage(v.Status, "WAF "+d.WebACL.Name+" rule "+v.Rule+" blocked the request")
			for k, val := range v.Headers {
				resp.Headers.set(k, val)
			}
			return s.finishResponse(r, b, req, resp, t), "Error"
		}
	}
	if !https {
		switch b.ViewerProtocol {
		case "redirect-to-https":
			resp := &cfResponse{Status: 301, Headers: cfHeaders{}, Generated: "redirect"}
			resp.Headers.set("Location", "https://"+r.Host+r.URL.RequestURI())
			resp.Headers.set("Content-Type", "text/html")
			resp.Body = []byte("<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n</html>\r\n")
			return resp, "Redirect"
		case "https-only":
			return errorPage(403, "the behaviour is HTTPS only and the request came over HTTP"), "Error"
		}
	}
	if !b.AllowedMethods[r.Method] {
		resp := errorPage(403, "the behaviour does not allow "+r.Method)
		resp.Body = []byte(cloudFrontErrorHTML(403, "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests."))
		return s.finishResponse(r, b, req, resp, t), "Error"
	}

	// Viewer request.
	if fn := b.Functions["viewer-request"]; fn != nil {
		inv := s.cff.Invoke(r.Context(), fn.Name, cffRequestEvent(req, "viewer-request", d, cfID))
		t.add("viewer-request %s %.2fms", fn.Name, inv.Ms)
		if inv.Err != nil {
			return s.finishResponse(r, b, req, functionError(503, "FunctionExecutionError", fn.Name, inv.Err), t), "FunctionExecutionError"
		}
		nreq, gen, err := applyCFFResult(req, nil, inv.Result, "viewer-request")
		if err != nil {
			return s.finishResponse(r, b, req, validationFailure("FunctionValidationError", fn.Name, err), t), "FunctionValidationError"
		}
		if gen != nil {
			return s.finishResponse(r, b, req, gen, t), "FunctionGeneratedResponse"
		}
		req = nreq
	} else if a := b.Lambdas["viewer-request"]; a != nil {
		ev := lambdaRequestEvent(req, "viewer-request", s.eventConfig(cfID), a.IncludeBody, viewerBodyLimit, nil)
		inv := s.edge[a.Function.VersionArn].Invoke(r.Context(), ev)
		t.add("viewer-request %s%s", a.Function.Name, invSummary(inv))
		s.logInvocation("edge "+a.Function.Name, inv)
		if inv.Err != nil {
			return s.finishResponse(r, b, req, functionError(503, "LambdaExecutionError", a.Function.Name, inv.Err), t), "LambdaExecutionError"
		}
		nreq, gen, _, err := applyLambdaRequestResult(req, inv.Result, "viewer-request", a.IncludeBody, viewerBodyLimit, viewerResponseLimit)
		if err != nil {
			return s.finishResponse(r, b, req, validationFailure("LambdaValidationError", a.Function.Name, err), t), "LambdaValidationError"
		}
		if gen != nil {
			gen.Generated = "lambda-viewer"
			return s.finishResponse(r, b, req, gen, t), "LambdaGeneratedResponse"
		}
		req = nreq
	}
	if req.URI == "/" && d.DefaultRootObject != "" {
		req.URI = "/" + d.DefaultRootObject
	}

	resp, status := s.cachedOrigin(r.Context(), b, req, cfID, t)
	if resp.Status >= 400 && resp.Generated == "" {
		if er := d.ErrorResponses[resp.Status]; er != nil && er.PagePath != "" {
			resp, status = s.customErrorPage(r.Context(), er, resp, req, cfID, t)
		}
	}
	return s.finishResponse(r, b, req, resp, t), status
}

func lowerHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}

func invSummary(inv Invocation) string {
	s := fmt.Sprintf(" %.1fms", inv.Ms)
	if inv.Cold {
		s += fmt.Sprintf(" (cold start %.0fms)", inv.ColdMs)
	}
	return s
}

func (s *Server) logInvocation(component string, inv Invocation) {
	if inv.Cold && inv.Err == nil {
		s.log.Printf(component, "cold start: new container in %.0f ms", inv.ColdMs)
	}
	if inv.Err != nil {
		s.log.Printf(component, "invocation failed: %s: %s", inv.Err.ErrorType, inv.Err.ErrorMessage)
		for _, l := range inv.Err.Trace {
			s.log.Printf(component, "    %s", l)
		}
	}
}

// eventConfig is the "config" object of Lambda@Edge events.
func (s *Server) eventConfig(requestID string) map[string]any {
	d := s.model.Distribution
	return map[string]any{"distributionDomainName": d.DomainName, "distributionId": d.ID, "requestId": requestID}
}

// errorPage is a CloudFront-generated error.
func errorPage(status int, reason string) *cfResponse {
	resp := &cfResponse{Status: status, Headers: cfHeaders{}, Generated: "error", Reason: reason}
	resp.Headers.set("Content-Type", "text/html")
	resp.Body = []byte(cloudFrontErrorHTML(status, "The request could not be satisfied. "+reason+"."))
	return resp
}

func functionError(status int, kind, fn string, err *FunctionError) *cfResponse {
	resp := errorPage(status, fmt.Sprintf("%s: %s failed (%s: %s)", kind, fn, err.ErrorType, err.ErrorMessage))
	resp.Body = []byte(cloudFrontErrorHTML(status, "The Lambda function associated with the CloudFront distribution is invalid or doesn't have the required permissions."))
	if kind == "FunctionExecutionError" {
		resp.Body = []byte(cloudFrontErrorHTML(status, "The CloudFront function associated with the CloudFront distribution is invalid or could not run successfully."))
	}
	return resp
}

func validationFailure(kind, fn string, err error) *cfResponse {
	resp := errorPage(502, fmt.Sprintf("%s: %s returned a result CloudFront refuses: %v", kind, fn, err))
	resp.Body = []byte(cloudFrontErrorHTML(502, "The Lambda function returned an invalid response. CloudFront wasn't able to connect to the origin."))
	return resp
}

func cloudFrontErrorHTML(status int, msg string) string {
	return fmt.Sprintf(`<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>%d ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
%s
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront) via edgekit serve
</PRE>
</BODY></HTML>
`, status, htmlEscape(msg))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// ---- cache and origin ----

// normalizedEncoding is the Accept-Encoding CloudFront puts in the cache
// key and forwards: gzip and/or br when the policy enables them and the
// viewer accepts them.
func normalizedEncoding(p *CachePolicy, h cfHeaders) string {
	if !p.Gzip && !p.Brotli {
		return ""
	}
	ae := strings.ToLower(h.get("accept-encoding"))
	accepts := func(enc string) bool {
		for _, part := range strings.Split(ae, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.TrimSpace(name) == enc && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
				return true
			}
		}
		return false
	}
	var out []string
	if p.Brotli && accepts("br") {
		out = append(out, "br")
	}
	if p.Gzip && accepts("gzip") {
		out = append(out, "gzip")
	}
	return strings.Join(out, ",")
}

// selectQuery keeps the parameters cfg selects, in their order.
func selectQuery(q string, cfg ...ValuesConfig) string {
	var out []string
	for _, p := range splitQuery(q) {
		name, _ := url.QueryUnescape(p[0])
		for _, c := range cfg {
			if c.Includes(name) || c.Includes(p[0]) {
				if p[1] == "" && !strings.Contains(q, p[0]+"=") {
					out = append(out, p[0])
				} else {
					out = append(out, p[0]+"="+p[1])
				}
				break
			}
		}
	}
	return strings.Join(out, "&")
}

func selectCookies(h cfHeaders, cfg ...ValuesConfig) string {
	var out []string
	for _, p := range splitCookies(h) {
		for _, c := range cfg {
			if c.Includes(p[0]) {
				out = append(out, p[0]+"="+p[1])
				break
			}
		}
	}
	return strings.Join(out, "; ")
}

// cacheKey is the key of req under b's cache policy:
// behaviour|method class \0 path \0 query \0 headers \0 cookies \0 encoding.
func cacheKey(b *Behavior, req *cfRequest) string {
	p := b.Cache
	var hs []string
	for _, name := range sortedHeaderNames(req.Headers) {
		if p.Headers.Includes(name) && (p.Headers.Behavior == "whitelist") {
			for _, e := range req.Headers[name] {
				hs = append(hs, name+":"+e.Value)
			}
		}
	}
	method := "GET"
	if req.Method == "OPTIONS" {
		method = "OPTIONS"
	}
	return strings.Join([]string{b.PathPattern + "|" + method, req.URI, selectQuery(req.Query, p.QueryStrings),
		strings.Join(hs, "\n"), selectCookies(req.Headers, p.Cookies), normalizedEncoding(p, req.Headers)}, "\x00")
}

// cachedOrigin answers from the cache, or runs the origin stages and
// caches what CloudFront would.
func (s *Server) cachedOrigin(ctx context.Context, b *Behavior, req *cfRequest, cfID string, t *trace) (*cfResponse, string) {
	cacheable := b.Cache.Caches() && (req.Method == "GET" || req.Method == "HEAD" || req.Method == "OPTIONS" && b.CachedMethods["OPTIONS"])
	var key string
	now := time.Now()
	if cacheable {
		key = cacheKey(b, req)
		if e := s.cache.get(key, now); e != nil {
			resp := &cfResponse{Status: e.status, Headers: headersFromHTTP(e.header), Body: e.body}
			resp.Headers.set("Age", strconv.Itoa(int(now.Sub(e.stored).Seconds())))
			if e.header.Get("X-Edgekit-Generated") != "" {
				resp.Generated = e.header.Get("X-Edgekit-Generated")
				delete(resp.Headers, "x-edgekit-generated")
			}
			if resp.Status >= 400 {
				return resp, "Error"
			}
			return resp, "Hit"
		}
	}
	resp, status := s.originStages(ctx, b, req, cfID, t)
	compress(b, req, resp)
	// A HEAD answer has no body to serve a later GET with.
	if cacheable && req.Method != "HEAD" && status != "LambdaExecutionError" && status != "LambdaValidationError" {
		s.store(key, b, resp, now)
	}
	return resp, status
}

// store caches resp under key for the TTL CloudFront would give it.
func (s *Server) store(key string, b *Behavior, resp *cfResponse, now time.Time) {
	h := resp.Headers.toHTTP()
	var ttl time.Duration
	switch {
	case cacheableStatus[resp.Status]:
		ttl = objectTTL(b.Cache, h, now)
	case errorCachedStatus[resp.Status]:
		ttl = 10 * time.Second
		if er := s.model.Distribution.ErrorResponses[resp.Status]; er != nil {
			ttl = time.Duration(er.MinTTL) * time.Second
		}
		if cc := h.Get("Cache-Control"); cc != "" {
			ttl = objectTTL(&CachePolicy{MinTTL: 0, MaxTTL: b.Cache.MaxTTL, DefaultTTL: int64(ttl.Seconds())}, h, now)
		}
	}
	if ttl <= 0 {
		return
	}
	if resp.Generated != "" {
		h.Set("X-Edgekit-Generated", resp.Generated)
	}
	s.cache.put(&cacheEntry{key: key, status: resp.Status, header: h, body: resp.Body, stored: now, expires: now.Add(ttl)})
}

// originRequest builds the request CloudFront sends towards the origin.
func (s *Server) originRequest(b *Behavior, viewer *cfRequest, cfID string) *cfRequest {
	o := b.Origin
	req := &cfRequest{ClientIP: viewer.ClientIP, Method: viewer.Method, URI: viewer.URI, Headers: cfHeaders{}, Body: viewer.Body}
	var orp []ValuesConfig
	if b.OriginRequest != nil {
		orp = []ValuesConfig{b.OriginRequest.Headers}
	}
	for name, vals := range viewer.Headers {
		if name == "host" || name == "accept-encoding" || name == "cookie" || isDisallowed(name) {
			continue
		}
		keep := b.Cache.Headers.Includes(name) && b.Cache.Headers.Behavior == "whitelist"
		for _, c := range orp {
			if c.Includes(name) && !strings.HasPrefix(name, "cloudfront-") {
				keep = true
			}
		}
		// A body's framing travels with it.
		if name == "content-type" || name == "content-length" {
			keep = keep || len(viewer.Body) > 0
		}
		if keep {
			req.Headers[name] = vals
		}
	}
	host := o.DomainName
	if b.Cache.Headers.Includes("host") && b.Cache.Headers.Behavior == "whitelist" || b.OriginRequest != nil && b.OriginRequest.Headers.Includes("host") {
		if o.Kind != "s3" {
			host = viewer.Headers.get("host")
		}
	}
	req.Headers["host"] = []hdr{{Key: "Host", Value: host}}
	// CloudFront headers the policies ask for.
	for _, name := range cloudFrontHeaders2022 {
		want := b.Cache.Headers.Includes(name) && b.Cache.Headers.Behavior == "whitelist"
		if b.OriginRequest != nil {
			ph := b.OriginRequest.Headers
			if ph.Behavior == "whitelist" || ph.Behavior == "allViewerAndWhitelistCloudFront" {
				want = want || ph.listed(name)
			}
			if b.OriginRequest.Name == "Managed-AllViewerExceptHostHeader" {
				want = true
			}
		}
		if want {
			if v := s.cloudFrontHeader(name, viewer); v != "" {
				req.Headers[name] = []hdr{{Key: canonicalCFName(name), Value: v}}
			}
		}
	}
	cookieCfgs := []ValuesConfig{b.Cache.Cookies}
	queryCfgs := []ValuesConfig{b.Cache.QueryStrings}
	if b.OriginRequest != nil {
		cookieCfgs = append(cookieCfgs, b.OriginRequest.Cookies)
		queryCfgs = append(queryCfgs, b.OriginRequest.QueryStrings)
	}
	if c := selectCookies(viewer.Headers, cookieCfgs...); c != "" {
		req.Headers["cookie"] = []hdr{{Key: "Cookie", Value: c}}
	}
	req.Query = selectQuery(viewer.Query, queryCfgs...)
	if enc := normalizedEncoding(b.Cache, viewer.Headers); enc != "" {
		req.Headers["accept-encoding"] = []hdr{{Key: "Accept-Encoding", Value: enc}}
	}
	if _, ok := req.Headers["user-agent"]; !ok {
		req.Headers["user-agent"] = []hdr{{Key: "User-Agent", Value: "Amazon CloudFront"}}
	}
	req.Headers["via"] = []hdr{{Key: "Via", Value: "2.0 " + s.viaID + ".cloudfront.net (CloudFront)"}}
	req.Headers["x-forwarded-for"] = []hdr{{Key: "X-Forwarded-For", Value: viewer.ClientIP}}
	req.Headers["x-amz-cf-id"] = []hdr{{Key: "X-Amz-Cf-Id", Value: cfID}}
	if len(req.Body) == 0 {
		delete(req.Headers, "content-length")
	}
	return req
}

func canonicalCFName(lower string) string {
	parts := strings.Split(lower, "-")
	for i, p := range parts {
		switch p {
		case "cloudfront":
			parts[i] = "CloudFront"
		case "ios":
			parts[i] = "IOS"
		case "smarttv":
			parts[i] = "SmartTV"
		case "asn", "tls":
			parts[i] = strings.ToUpper(p)
		default:
			if p != "" {
				parts[i] = strings.ToUpper(p[:1]) + p[1:]
			}
		}
	}
	return strings.Join(parts, "-")
}

// cloudFrontHeader is the value CloudFront gives one of its headers for
// a local viewer.
func (s *Server) cloudFrontHeader(name string, viewer *cfRequest) string {
	ua := strings.ToLower(viewer.Headers.get("user-agent"))
	mobile := strings.Contains(ua, "mobile")
	switch name {
	case "cloudfront-forwarded-proto":
		return "https"
	case "cloudfront-viewer-country":
		return s.opts.ViewerCountry
	case "cloudfront-viewer-address":
		return viewer.ClientIP + ":0"
	case "cloudfront-viewer-http-version":
		return "1.1"
	case "cloudfront-is-mobile-viewer":
		return strconv.FormatBool(mobile)
	case "cloudfront-is-desktop-viewer":
		return strconv.FormatBool(!mobile)
	case "cloudfront-is-tablet-viewer", "cloudfront-is-smarttv-viewer":
		return "false"
	case "cloudfront-is-android-viewer":
		return strconv.FormatBool(strings.Contains(ua, "android"))
	case "cloudfront-is-ios-viewer":
		return strconv.FormatBool(strings.Contains(ua, "iphone") || strings.Contains(ua, "ipad"))
	case "cloudfront-viewer-time-zone":
		return "UTC"
	}
	return ""
}

// originEventObject is request.origin of an origin-request event.
func originEventObject(o *Origin) map[string]any {
	ch := cfHeaders{}
	for k, v := range o.CustomHeaders {
		ch[strings.ToLower(k)] = []hdr{{Key: k, Value: v}}
	}
	if o.Kind == "s3" {
		auth := "none"
		if o.OAI {
			auth = "origin-access-identity"
		}
		return map[string]any{"s3": map[string]any{"authMethod": auth, "customHeaders": ch, "domainName": o.DomainName,
			"path": o.Path, "region": o.Bucket.Region}}
	}
	return map[string]any{"custom": map[string]any{"customHeaders": ch, "domainName": o.DomainName, "keepaliveTimeout": o.KeepaliveTimeout,
		"path": o.Path, "port": o.Port, "protocol": o.Protocol, "readTimeout": o.ReadTimeout, "sslProtocols": o.SSLProtocols}}
}

// originStages runs origin-request, the origin and origin-response.
func (s *Server) originStages(ctx context.Context, b *Behavior, viewer *cfRequest, cfID string, t *trace) (*cfResponse, string) {
	d := s.model.Distribution
	req := s.originRequest(b, viewer, cfID)
	origin := b.Origin
	if a := b.Lambdas["origin-request"]; a != nil {
		ev := lambdaRequestEvent(req, "origin-request", s.eventConfig(cfID), a.IncludeBody, originBodyLimit, originEventObject(origin))
		inv := s.edge[a.Function.VersionArn].Invoke(ctx, ev)
		t.add("origin-request %s%s", a.Function.Name, invSummary(inv))
		s.logInvocation("edge "+a.Function.Name, inv)
		if inv.Err != nil {
			return functionError(503, "LambdaExecutionError", a.Function.Name, inv.Err), "LambdaExecutionError"
		}
		nreq, gen, originSel, err := applyLambdaRequestResult(req, inv.Result, "origin-request", a.IncludeBody, originBodyLimit, originResponseLimit)
		if err != nil {
			return validationFailure("LambdaValidationError", a.Function.Name, err), "LambdaValidationError"
		}
		if gen != nil {
			gen.Generated = "lambda"
			return gen, "LambdaGeneratedResponse"
		}
		if originSel != nil {
			o, err := s.selectOrigin(originSel)
			if err != nil {
				return validationFailure("LambdaValidationError", a.Function.Name, err), "LambdaValidationError"
			}
			origin = o
		}
		req = nreq
	}
	resp := s.fetchOrigin(ctx, origin, req, t)
	if a := b.Lambdas["origin-response"]; a != nil && resp.Generated != "error" {
		ev := lambdaResponseEvent(req, resp, "origin-response", s.eventConfig(cfID))
		inv := s.edge[a.Function.VersionArn].Invoke(ctx, ev)
		t.add("origin-response %s%s", a.Function.Name, invSummary(inv))
		s.logInvocation("edge "+a.Function.Name, inv)
		if inv.Err != nil {
			return functionError(503, "LambdaExecutionError", a.Function.Name, inv.Err), "LambdaExecutionError"
		}
		nresp, err := applyLambdaResponseResult(resp, inv.Result, "origin-response", originResponseLimit)
		if err != nil {
			return validationFailure("LambdaValidationError", a.Function.Name, err), "LambdaValidationError"
		}
		resp = nresp
	}
	_ = d
	if resp.Status >= 400 {
		return resp, "Error"
	}
	return resp, "Miss"
}

// selectOrigin resolves an origin a function chose; it must be one of
// the distribution's (serve reaches nothing else).
func (s *Server) selectOrigin(sel map[string]any) (*Origin, error) {
	for _, kind := range []string{"s3", "custom"} {
		m, ok := sel[kind].(map[string]any)
		if !ok {
			continue
		}
		domain := str(m["domainName"])
		for _, o := range s.model.Distribution.Origins {
			if o.DomainName == domain {
				c := *o
				c.Path = str(m["path"])
				return &c, nil
			}
		}
		return nil, invalid("the function chose the origin %s, which is not an origin of the app (serve reaches nothing beyond 127.0.0.1)", domain)
	}
	return nil, invalid("request.origin has neither s3 nor custom")
}

// fetchOrigin sends req to the origin.
func (s *Server) fetchOrigin(ctx context.Context, o *Origin, req *cfRequest, t *trace) *cfResponse {
	uri := o.Path + req.URI
	for k, v := range o.CustomHeaders {
		req.Headers.set(k, v)
	}
	switch o.Kind {
	case "s3":
		t.add("origin s3 %s", o.Bucket.Name)
		return s.fetchS3(o, req, uri)
	case "function-url":
		t.add("origin %s", o.Function.Name)
		return s.fetchFunctionURL(ctx, o, req, uri, t)
	}
	return errorPage(502, "origin kind "+o.Kind+" is not served")
}

// fetchS3 reads from the bucket as CloudFront's S3 origin would: with OAC
// (or OAI) the bucket policy must let this distribution read; a missing key
// without s3:ListBucket is 403, as S3 answers.
func (s *Server) fetchS3(o *Origin, req *cfRequest, uri string) *cfResponse {
	key, err := url.PathUnescape(strings.TrimPrefix(uri, "/"))
	if err != nil {
		key = strings.TrimPrefix(uri, "/")
	}
	action := map[string]string{"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject", "POST": "s3:PutObject", "DELETE": "s3:DeleteObject"}[req.Method]
	if action == "" {
		return s3OriginError(403, "AccessDenied", "Access Denied")
	}
	principal := s.ids.issue("cloudfront.amazonaws.com", ResourceRef{})
	if o.OAC == nil && !o.OAI {
		principal = s.ids.issue("anonymous", ResourceRef{})
	}
	rp := parseStatements(o.Bucket.Policy, o.Bucket.Ref.Path()+" bucket policy")
	ctx := map[string]string{"aws:SourceArn": s.model.Distribution.ARN, "aws:SourceAccount": s.model.Assembly.Account}
	resource := "arn:aws:s3:::" + o.Bucket.Name + "/" + key
	if ok, why := s.allowed(principal, action, resource, ctx, rp); !ok {
		return s3OriginError(403, "AccessDenied", "Access Denied (bucket "+o.Bucket.Name+": "+why+")")
	}
	if req.Method != "GET" && req.Method != "HEAD" {
		if err := s.storage.Put(o.Bucket.Name, key, map[string]string{"Content-Type": req.Headers.get("content-type")}, req.Body); err != nil {
			return s3OriginError(500, "InternalError", err.Error())
		}
		return &cfResponse{Status: 200, Headers: cfHeaders{}}
	}
	obj, err := s.storage.Get(o.Bucket.Name, key, nil)
	if err != nil {
		return s3OriginError(500, "InternalError", err.Error())
	}
	if obj == nil || key == "" || strings.HasSuffix(key, "/") {
		if ok, _ := s.allowed(principal, "s3:ListBucket", "arn:aws:s3:::"+o.Bucket.Name, ctx, rp); ok {
			return s3OriginError(404, "NoSuchKey", "The specified key does not exist.")
		}
		return s3OriginError(403, "AccessDenied", "Access Denied")
	}
	defer obj.Contents.Close()
	body, err := io.ReadAll(obj.Contents)
	if err != nil {
		return s3OriginError(500, "InternalError", err.Error())
	}
	resp := &cfResponse{Status: 200, Headers: cfHeaders{}, Body: body}
	ct := obj.Metadata["Content-Type"]
	if ct == "" {
		ct = contentTypeFor(key)
	}
	resp.Headers.set("Content-Type", ct)
	resp.Headers.set("Content-Length", strconv.Itoa(len(body)))
	etag := fmt.Sprintf("%q", fmt.Sprintf("%x", obj.Hash))
	resp.Headers.set("ETag", etag)
	if lm := s.lastModified(o.Bucket, key); !lm.IsZero() {
		resp.Headers.set("Last-Modified", lm.UTC().Format(http.TimeFormat))
	}
	resp.Headers.set("Accept-Ranges", "bytes")
	resp.Headers.set("Server", "AmazonS3")
	resp.Headers.set("x-amz-server-side-encryption", "AES256")
	for k, v := range obj.Metadata {
		lk := strings.ToLower(k)
		if lk == "cache-control" || lk == "content-disposition" || lk == "content-encoding" || lk == "content-language" || lk == "expires" || strings.HasPrefix(lk, "x-amz-meta-") {
			resp.Headers.set(k, v)
		}
	}
	return resp
}

func s3OriginError(status int, code, msg string) *cfResponse {
	resp := &cfResponse{Status: status, Headers: cfHeaders{}, Reason: "S3 " + code + ": " + msg}
	resp.Headers.set("Content-Type", "application/xml")
	resp.Headers.set("Server", "AmazonS3")
	resp.Body = []byte(fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>",
		code, xmlEscape(strings.SplitN(msg, " (", 2)[0]), strings.ToUpper(newRequestID()[:16])))
	return resp
}

// fetchFunctionURL calls the function URL origin in process: the request
// is signed as origin access control would sign it (when the origin has
// one), then goes through the same function URL front as any caller.
func (s *Server) fetchFunctionURL(ctx context.Context, o *Origin, req *cfRequest, uri string, t *trace) *cfResponse {
	target := "https://" + o.DomainName + uri
	if req.Query != "" {
		target += "?" + req.Query
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target, bytes.NewReader(req.Body))
	if err != nil {
		return errorPage(502, "the origin request is not a valid HTTP request: "+err.Error())
	}
	hr.Header = req.Headers.toHTTP()
	hr.Host = req.Headers.get("host")
	hr.Header.Del("Host")
	// The body may have been replaced on the way: frame what is sent.
	hr.Header.Del("Content-Length")
	if len(req.Body) > 0 {
		hr.Header.Set("Content-Length", strconv.Itoa(len(req.Body)))
	}
	hr.RemoteAddr = "127.0.0.1:0"
	if o.OAC != nil && o.OAC.Type == "lambda" {
		sign := o.OAC.Signing == "always" || o.OAC.Signing == "no-override" && hr.Header.Get("Authorization") == ""
		if sign {
			p := s.ids.issue("cloudfront.amazonaws.com", ResourceRef{})
			hr.Header.Del("Authorization")
			SignSigV4(hr, req.Body, p.Creds, o.Function.Region, "lambda", time.Now())
			// OAC does not hash bodies: POST and PUT must carry the
			// viewer's own x-amz-content-sha256.
			if len(req.Body) > 0 {
				if v := req.Headers.get("x-amz-content-sha256"); v != "" {
					hr.Header.Set("X-Amz-Content-Sha256", v)
				} else {
					hr.Header.Del("X-Amz-Content-Sha256")
				}
			}
		}
	}
	uf := s.urls[o.Function.URL.Host]
	if !strings.EqualFold(hostOnly(hr.Host), o.Function.URL.Host) {
		return errorPage(502, "the Host header sent to the function URL ("+hr.Host+") is not its own host (forwarding the viewer's Host to a function URL fails)")
	}
	rctx, cancel := context.WithTimeout(ctx, time.Duration(o.ReadTimeout)*time.Second)
	defer cancel()
	hr = hr.WithContext(rctx)
	rec := httptest.NewRecorder()
	s.serveFunctionURL(rec, hr, uf)
	if rctx.Err() == context.DeadlineExceeded {
		return errorPage(504, fmt.Sprintf("the origin did not answer within its %d s read timeout", o.ReadTimeout))
	}
	resp := &cfResponse{Status: rec.Code, Headers: headersFromHTTP(rec.Header()), Body: rec.Body.Bytes()}
	return resp
}

func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}

// customErrorPage replaces an error with the configured page, fetched
// through the behaviour that matches its path.
func (s *Server) customErrorPage(ctx context.Context, er *ErrorResponse, orig *cfResponse, viewer *cfRequest, cfID string, t *trace) (*cfResponse, string) {
	d := s.model.Distribution
	b := d.matchBehavior(er.PagePath)
	preq := &cfRequest{ClientIP: viewer.ClientIP, Method: "GET", URI: er.PagePath, Headers: cfHeaders{}}
	for _, h := range []string{"host", "accept-encoding", "user-agent"} {
		if v, ok := viewer.Headers[h]; ok {
			preq.Headers[h] = v
		}
	}
	page, status := s.cachedOrigin(ctx, b, preq, cfID, t)
	t.add("custom error page %s for %d", er.PagePath, orig.Status)
	if page.Status >= 400 {
		return orig, status
	}
	page.Status = er.ResponseCode
	page.Reason = orig.Reason
	return page, "Error"
}

// ---- viewer response ----

// finishResponse runs the viewer-response function (not for responses
// viewer-request functions generated, nor for errors) and the response
// headers policy.
func (s *Server) finishResponse(r *http.Request, b *Behavior, req *cfRequest, resp *cfResponse, t *trace) *cfResponse {
	d := s.model.Distribution
	if resp.Status < 400 && resp.Generated != "lambda-viewer" {
		if fn := b.Functions["viewer-response"]; fn != nil && !generatedAtViewer(resp) {
			inv := s.cff.Invoke(r.Context(), fn.Name, cffResponseEvent(req, resp, d, ""))
			t.add("viewer-response %s %.2fms", fn.Name, inv.Ms)
			if inv.Err != nil {
				resp = functionError(503, "FunctionExecutionError", fn.Name, inv.Err)
			} else if _, nresp, err := applyCFFResult(req, resp, inv.Result, "viewer-response"); err != nil {
				resp = validationFailure("FunctionValidationError", fn.Name, err)
			} else {
				resp = nresp
			}
		} else if a := b.Lambdas["viewer-response"]; a != nil && !generatedAtViewer(resp) {
			ev := lambdaResponseEvent(req, resp, "viewer-response", s.eventConfig(""))
			inv := s.edge[a.Function.VersionArn].Invoke(r.Context(), ev)
			t.add("viewer-response %s%s", a.Function.Name, invSummary(inv))
			s.logInvocation("edge "+a.Function.Name, inv)
			if inv.Err != nil {
				resp = functionError(503, "LambdaExecutionError", a.Function.Name, inv.Err)
			} else if nresp, err := applyLambdaResponseResult(resp, inv.Result, "viewer-response", viewerResponseLimit); err != nil {
				resp = validationFailure("LambdaValidationError", a.Function.Name, err)
			} else {
				resp = nresp
			}
		}
	}
	if p := b.ResponseHeaders; p != nil {
		applyResponseHeadersPolicy(p, req, resp)
	}
	return resp
}

// generatedAtViewer: responses viewer-request functions generate skip
// the viewer-response function.
func generatedAtViewer(resp *cfResponse) bool {
	return resp.Generated == "function" || resp.Generated == "lambda-viewer" || resp.Generated == "redirect" || resp.Generated == "error"
}

// applyResponseHeadersPolicy adds and removes headers as the policy says.
func applyResponseHeadersPolicy(p *ResponseHeadersPolicy, req *cfRequest, resp *cfResponse) {
	h := resp.Headers
	for _, ph := range p.Headers {
		name := strings.ToLower(ph.Name)
		if _, exists := h[name]; exists && !ph.Override {
			continue
		}
		h[name] = []hdr{{Key: ph.Name, Value: ph.Value}}
	}
	if c := p.CORS; c != nil {
		origin := req.Headers.get("origin")
		if origin != "" {
			set := func(name, v string) {
				ln := strings.ToLower(name)
				if _, exists := h[ln]; exists && !c.OriginOverride {
					return
				}
				h[ln] = []hdr{{Key: name, Value: v}}
			}
			allowed := ""
			for _, o := range c.AllowOrigins {
				if o == "*" {
					allowed = "*"
					if c.AllowCredentials {
						allowed = origin
					}
					break
				}
				if o == origin {
					allowed = origin
				}
			}
			if allowed != "" {
				set("Access-Control-Allow-Origin", allowed)
				if c.AllowCredentials {
					set("Access-Control-Allow-Credentials", "true")
				}
				if len(c.ExposeHeaders) > 0 {
					set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
				}
				if req.Method == "OPTIONS" && req.Headers.get("access-control-request-method") != "" {
					set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
					set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
					if c.MaxAgeSec > 0 {
						set("Access-Control-Max-Age", strconv.FormatInt(c.MaxAgeSec, 10))
					}
				}
			}
		}
	}
	for _, name := range p.Remove {
		delete(h, name)
	}
	if p.ServerTiming {
		h.set("Server-Timing", "cdn-cache-miss, cdn-pop;desc=\"LOCAL\"")
	}
}

// compressible lists the content types CloudFront compresses.
func compressible(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/javascript", mt == "application/x-javascript", mt == "application/xml",
		mt == "application/xhtml+xml", mt == "application/rss+xml", mt == "application/atom+xml", mt == "image/svg+xml",
		mt == "application/manifest+json", mt == "application/ld+json", mt == "font/ttf", mt == "font/otf",
		mt == "application/vnd.ms-fontobject", mt == "image/vnd.microsoft.icon", mt == "image/x-icon", mt == "application/wasm":
		return true
	}
	return false
}

// writeViewerResponse writes resp: CloudFront's own headers, conditional
// requests, compression and HEAD.
func (s *Server) writeViewerResponse(w http.ResponseWriter, r *http.Request, resp *cfResponse, cacheStatus string) {
	h := resp.Headers.toHTTP()
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	h.Del("Connection")
	body := resp.Body
	xcache := cacheStatus
	switch resp.Generated {
	case "lambda", "lambda-viewer":
		xcache = "LambdaGeneratedResponse"
	case "function":
		xcache = "FunctionGeneratedResponse"
	}
	if resp.Generated == "error" && cacheStatus != "Redirect" && !strings.Contains(cacheStatus, "Error") {
		xcache = "Error"
	}
	h.Set("X-Cache", xcache+" from cloudfront")
	h.Set("Via", "1.1 "+s.viaID+".cloudfront.net (CloudFront)")
	h.Set("X-Amz-Cf-Pop", s.pop)
	h.Set("X-Amz-Cf-Id", newCloudFrontID())
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	status := resp.Status
	if (r.Method == "GET" || r.Method == "HEAD") && status == 200 {
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, h.Get("ETag")) {
			status, body = 304, nil
		} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && inm == "" {
			if t1, err1 := http.ParseTime(ims); err1 == nil {
				if t2, err2 := http.ParseTime(h.Get("Last-Modified")); err2 == nil && !t2.After(t1) {
					status, body = 304, nil
				}
			}
		}
	}
	if status == 200 && r.Header.Get("Range") != "" && h.Get("Content-Encoding") == "" {
		if start, end, ok := parseRange(r.Header.Get("Range"), len(body)); ok {
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(body)))
			body = body[start : end+1]
			status = 206
		} else {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", len(body)))
			status, body = 416, nil
		}
	}
	if status != 304 {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	if r.Method != "HEAD" && status != 304 {
		_, _ = w.Write(body)
	}
}

// compress gzips a response as CloudFront does when it fills the cache:
// the behaviour compresses, the cache policy normalises gzip into the key,
// the viewer accepts it, the type is compressible, 1,000 B to 10 MB, and
// the origin did not encode it. The cache then holds the compressed copy.
// (Brotli, which CloudFront prefers when the viewer accepts both, is
// served as gzip: Go has no Brotli encoder in its standard library.)
func compress(b *Behavior, req *cfRequest, resp *cfResponse) {
	h := resp.Headers
	if resp.Status != 200 || !b.Compress || h.get("content-encoding") != "" || !compressible(h.get("content-type")) ||
		len(resp.Body) < 1000 || len(resp.Body) > 10_000_000 || req.Method == "HEAD" && len(resp.Body) == 0 {
		return
	}
	if !strings.Contains(normalizedEncoding(b.Cache, req.Headers), "gzip") && !strings.Contains(normalizedEncoding(b.Cache, req.Headers), "br") {
		return
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write(resp.Body)
	_ = zw.Close()
	resp.Body = buf.Bytes()
	h.set("Content-Encoding", "gzip")
	if et := h.get("etag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.set("ETag", "W/"+et)
	}
	h.set("Vary", "Accept-Encoding")
	delete(h, "content-length")
}

func etagMatch(header, etag string) bool {
	if etag == "" {
		return false
	}
	for _, e := range strings.Split(header, ",") {
		e = strings.TrimSpace(e)
		if e == "*" || strings.TrimPrefix(e, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// parseRange reads one "bytes=a-b" range.
func parseRange(h string, size int) (int, int, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, bs, _ := strings.Cut(spec, "-")
	if a == "" {
		n, err := strconv.Atoi(bs)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		if n > size {
			n = size
		}
		return size - n, size - 1, size > 0
	}
	start, err := strconv.Atoi(a)
	if err != nil || start >= size {
		return 0, 0, false
	}
	end := size - 1
	if bs != "" {
		e, err := strconv.Atoi(bs)
		if err != nil || e < start {
			return 0, 0, false
		}
		if e < end {
			end = e
		}
	}
	return start, end, true
}
