package serve

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The shapes edge functions see and return, and CloudFront's checks on
// what they return. A result CloudFront would refuse becomes a
// validationError: a 502 for the viewer, the reason in the log.

type hdr struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value"`
}

// cfHeaders is CloudFront's header map: lower-case name -> entries.
type cfHeaders map[string][]hdr

func (h cfHeaders) get(name string) string {
	if l := h[strings.ToLower(name)]; len(l) > 0 {
		return l[0].Value
	}
	return ""
}

func (h cfHeaders) set(name, value string) {
	h[strings.ToLower(name)] = []hdr{{Key: name, Value: value}}
}

func (h cfHeaders) clone() cfHeaders {
	out := make(cfHeaders, len(h))
	for k, v := range h {
		out[k] = append([]hdr(nil), v...)
	}
	return out
}

func headersFromHTTP(h http.Header) cfHeaders {
	out := cfHeaders{}
	for k, vals := range h {
		lk := strings.ToLower(k)
		for _, v := range vals {
			out[lk] = append(out[lk], hdr{Key: k, Value: v})
		}
	}
	return out
}

func (h cfHeaders) toHTTP() http.Header {
	out := http.Header{}
	for _, k := range sortedKeys(h) {
		for _, e := range h[k] {
			key := e.Key
			if key == "" {
				key = k
			}
			out.Add(key, e.Value)
		}
	}
	return out
}

// cfRequest is a request as CloudFront carries it between stages.
type cfRequest struct {
	ClientIP string
	Method   string
	URI      string
	Query    string
	Headers  cfHeaders
	Body     []byte
}

func (r *cfRequest) clone() *cfRequest {
	c := *r
	c.Headers = r.Headers.clone()
	return &c
}

// cfResponse is a response between stages.
type cfResponse struct {
	Status      int
	Description string
	Headers     cfHeaders
	Body        []byte
	// Generated names who produced it when not the origin: "lambda" or
	// "function" (X-Cache: LambdaGeneratedResponse / FunctionGeneratedResponse),
	// "error" (a CloudFront error page).
	Generated string
	// Reason is logged for CloudFront-generated errors.
	Reason string
}

// validationError is a result CloudFront would refuse.
type validationError struct{ reason string }

// Error implements error.
func (e *validationError) Error() string { return e.reason }

func invalid(format string, args ...any) error {
	return &validationError{fmt.Sprintf(format, args...)}
}

// Headers edge functions never see and may not add (CloudFront's
// disallowed headers); prefixes end with '*'.
var disallowedHeaders = []string{
	"connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "trailer",
	"upgrade", "x-accel-buffering", "x-accel-charset", "x-accel-limit-rate", "x-accel-redirect", "x-amz-cf-*",
	"x-amzn-auth", "x-amzn-cf-billing", "x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype", "x-amzn-fle-profile",
	"x-amzn-header-count", "x-amzn-header-order", "x-amzn-lambda-integration-tag", "x-amzn-requestid", "x-cache",
	"x-edge-*", "x-forwarded-proto", "x-real-ip",
}

func isDisallowed(name string) bool {
	for _, d := range disallowedHeaders {
		if strings.HasSuffix(d, "*") && strings.HasPrefix(name, strings.TrimSuffix(d, "*")) || name == d {
			return true
		}
	}
	return false
}

// readOnlyHeaders per event type (Lambda@Edge).
var readOnlyHeaders = map[string][]string{
	"viewer-request":  {"content-length", "host", "transfer-encoding", "via"},
	"origin-request":  {"accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "transfer-encoding", "via"},
	"origin-response": {"transfer-encoding", "via"},
	"viewer-response": {"content-encoding", "content-length", "transfer-encoding", "warning", "via"},
}

// visibleHeaders drops what functions never see.
func visibleHeaders(h cfHeaders) cfHeaders {
	out := cfHeaders{}
	for k, v := range h {
		if !isDisallowed(k) {
			out[k] = v
		}
	}
	return out
}

// parseHeaderMap reads a function's headers object.
func parseHeaderMap(v any, where string) (cfHeaders, error) {
	if v == nil {
		return cfHeaders{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("%s.headers is not an object", where)
	}
	out := cfHeaders{}
	for name, lv := range m {
		if name != strings.ToLower(name) {
			return nil, invalid("%s.headers: the name %q is not lower case", where, name)
		}
		if !validToken(name) {
			return nil, invalid("%s.headers: %q is not a valid header name", where, name)
		}
		l, ok := lv.([]any)
		if !ok {
			return nil, invalid("%s.headers[%q] is not an array", where, name)
		}
		for i, e := range l {
			em, ok := e.(map[string]any)
			if !ok {
				return nil, invalid("%s.headers[%q][%d] is not an object", where, name, i)
			}
			val, ok := em["value"].(string)
			if !ok {
				return nil, invalid("%s.headers[%q][%d].value is not a string", where, name, i)
			}
			if strings.ContainsAny(val, "\r\n\x00") {
				return nil, invalid("%s.headers[%q][%d].value contains a line break or NUL", where, name, i)
			}
			key := name
			if k, ok := em["key"]; ok {
				ks, ok := k.(string)
				if !ok || strings.ToLower(ks) != name {
					return nil, invalid("%s.headers[%q][%d].key %v does not match the header name", where, name, i, k)
				}
				key = ks
			}
			out[name] = append(out[name], hdr{Key: key, Value: val})
		}
	}
	return out, nil
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// checkHeaderRules enforces the disallowed and read-only headers of event
// on a function's result headers against the headers it was given.
func checkHeaderRules(event string, before, after cfHeaders) error {
	for name := range after {
		if isDisallowed(name) {
			return invalid("the function added the disallowed header %q", name)
		}
	}
	for _, name := range readOnlyHeaders[event] {
		if !sameValues(before[name], after[name]) {
			return invalid("the function changed the read-only header %q (%s)", name, event)
		}
	}
	return nil
}

func sameValues(a, b []hdr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// lambdaRequestEvent is the Lambda@Edge event of a request stage.
func lambdaRequestEvent(req *cfRequest, event string, cfg map[string]any, includeBody bool, bodyLimit int, origin map[string]any) map[string]any {
	r := map[string]any{
		"clientIp": req.ClientIP, "method": req.Method, "uri": req.URI, "querystring": req.Query,
		"headers": visibleHeaders(req.Headers),
	}
	if includeBody {
		data := req.Body
		truncated := false
		if len(data) > bodyLimit {
			data, truncated = data[:bodyLimit], true
		}
		r["body"] = map[string]any{"inputTruncated": truncated, "action": "read-only", "encoding": "base64",
			"data": base64.StdEncoding.EncodeToString(data)}
	}
	if origin != nil {
		r["origin"] = origin
	}
	c := map[string]any{}
	for k, v := range cfg {
		c[k] = v
	}
	c["eventType"] = event
	return map[string]any{"Records": []any{map[string]any{"cf": map[string]any{"config": c, "request": r}}}}
}

// lambdaResponseEvent is the event of a response stage.
func lambdaResponseEvent(req *cfRequest, resp *cfResponse, event string, cfg map[string]any) map[string]any {
	ev := lambdaRequestEvent(req, event, cfg, false, 0, nil)
	cf := ev["Records"].([]any)[0].(map[string]any)["cf"].(map[string]any)
	desc := resp.Description
	if desc == "" {
		desc = http.StatusText(resp.Status)
	}
	cf["response"] = map[string]any{"status": strconv.Itoa(resp.Status), "statusDescription": desc, "headers": visibleHeaders(resp.Headers)}
	return ev
}

// decodeResult parses a function's JSON result into a generic value.
func decodeResult(raw json.RawMessage) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, invalid("the function returned invalid JSON")
	}
	return v, nil
}

// applyLambdaRequestResult interprets a request-stage result: either the
// (possibly changed) request, or a generated response.
func applyLambdaRequestResult(in *cfRequest, raw json.RawMessage, event string, includeBody bool, bodyLimit, responseLimit int) (*cfRequest, *cfResponse, map[string]any, error) {
	v, err := decodeResult(raw)
	if err != nil {
		return nil, nil, nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, nil, invalid("the function returned %s, not a request or response object", jsonKind(v))
	}
	if _, ok := m["status"]; ok {
		resp, err := parseLambdaResponse(m, responseLimit, true)
		return nil, resp, nil, err
	}
	out := in.clone()
	if meth, ok := m["method"]; ok && meth != in.Method {
		return nil, nil, nil, invalid("the function changed the read-only field method")
	}
	if ip, ok := m["clientIp"]; ok && ip != in.ClientIP {
		return nil, nil, nil, invalid("the function changed the read-only field clientIp")
	}
	uri, ok := m["uri"].(string)
	if !ok || !strings.HasPrefix(uri, "/") {
		return nil, nil, nil, invalid("request.uri must be a string starting with '/', got %v", m["uri"])
	}
	if strings.ContainsAny(uri, " \r\n\x00?#") {
		return nil, nil, nil, invalid("request.uri %q has characters a URI path cannot hold", uri)
	}
	if len(uri) > 8192 {
		return nil, nil, nil, invalid("request.uri is longer than 8,192 bytes")
	}
	out.URI = uri
	q, ok := m["querystring"].(string)
	if _, present := m["querystring"]; present && !ok {
		return nil, nil, nil, invalid("request.querystring is not a string")
	}
	if strings.ContainsAny(q, " \r\n\x00#") {
		return nil, nil, nil, invalid("request.querystring has characters a query cannot hold")
	}
	out.Query = q
	h, err := parseHeaderMap(m["headers"], "request")
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkHeaderRules(event, visibleHeaders(in.Headers), h); err != nil {
		return nil, nil, nil, err
	}
	// Disallowed headers the function never saw travel on unchanged.
	for k, vals := range in.Headers {
		if isDisallowed(k) {
			h[k] = vals
		}
	}
	out.Headers = h
	if b, ok := m["body"].(map[string]any); ok && includeBody {
		if act, _ := b["action"].(string); act == "replace" {
			data, _ := b["data"].(string)
			var body []byte
			switch b["encoding"] {
			case "base64":
				body, err = base64.StdEncoding.DecodeString(data)
				if err != nil {
					return nil, nil, nil, invalid("request.body.data is not valid base64")
				}
			case "text", nil:
				body = []byte(data)
			default:
				return nil, nil, nil, invalid("request.body.encoding %v is neither base64 nor text", b["encoding"])
			}
			if len(body) > bodyLimit {
				return nil, nil, nil, invalid("the replaced body is %d bytes, over the %d byte limit of %s", len(body), bodyLimit, event)
			}
			out.Body = body
		} else if act != "" && act != "read-only" {
			return nil, nil, nil, invalid("request.body.action %q is neither read-only nor replace", act)
		}
	}
	origin, _ := m["origin"].(map[string]any)
	return out, nil, origin, nil
}

// parseLambdaResponse reads a generated response (or a response-stage
// result when generated is false).
func parseLambdaResponse(m map[string]any, limit int, generated bool) (*cfResponse, error) {
	resp := &cfResponse{}
	switch s := m["status"].(type) {
	case string:
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, invalid("response.status %q is not a number", s)
		}
		resp.Status = n
	case float64:
		resp.Status = int(s)
	default:
		return nil, invalid("response.status is missing or not a string")
	}
	if resp.Status < 200 || resp.Status > 599 {
		return nil, invalid("response.status %d is outside 200-599", resp.Status)
	}
	if d, ok := m["statusDescription"].(string); ok {
		resp.Description = d
	}
	h, err := parseHeaderMap(m["headers"], "response")
	if err != nil {
		return nil, err
	}
	for name := range h {
		if isDisallowed(name) {
			return nil, invalid("the response sets the disallowed header %q", name)
		}
	}
	resp.Headers = h
	if b, ok := m["body"]; ok && b != nil {
		s, ok := b.(string)
		if !ok {
			return nil, invalid("response.body is not a string")
		}
		switch m["bodyEncoding"] {
		case "base64":
			d, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, invalid("response.body is not valid base64")
			}
			resp.Body = d
		case "text", nil:
			resp.Body = []byte(s)
		default:
			return nil, invalid("response.bodyEncoding %v is neither text nor base64", m["bodyEncoding"])
		}
	}
	size := len(resp.Body)
	for k, l := range h {
		for _, e := range l {
			size += len(k) + len(e.Value) + 4
		}
	}
	if generated && size > limit {
		return nil, invalid("the generated response is %d bytes with headers, over the %d byte limit", size, limit)
	}
	return resp, nil
}

// applyLambdaResponseResult interprets a response-stage result.
func applyLambdaResponseResult(in *cfResponse, raw json.RawMessage, event string, limit int) (*cfResponse, error) {
	v, err := decodeResult(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("the function returned %s, not a response object", jsonKind(v))
	}
	out, err := parseLambdaResponse(m, limit, false)
	if err != nil {
		return nil, err
	}
	if err := checkHeaderRules(event, visibleHeaders(in.Headers), out.Headers); err != nil {
		return nil, err
	}
	if event == "viewer-response" && out.Status != in.Status {
		return nil, invalid("a viewer-response function changed the status %d to %d (read-only)", in.Status, out.Status)
	}
	for k, vals := range in.Headers {
		if isDisallowed(k) {
			out.Headers[k] = vals
		}
	}
	if _, ok := m["body"]; ok && m["body"] != nil {
		if event == "viewer-response" {
			return nil, invalid("a viewer-response function cannot set the body")
		}
		if len(out.Body) > limit {
			return nil, invalid("the generated body is %d bytes, over the %d byte limit", len(out.Body), limit)
		}
		out.Generated = "lambda"
	} else {
		out.Body = in.Body
		out.Generated = in.Generated
	}
	return out, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "an object"
}

// ---- CloudFront Functions ----

type cffValue struct {
	Value      string     `json:"value"`
	Attributes string     `json:"attributes,omitempty"`
	MultiValue []cffValue `json:"multiValue,omitempty"`
}

func cffMap(pairs [][2]string) map[string]cffValue {
	out := map[string]cffValue{}
	order := []string{}
	multi := map[string][]cffValue{}
	for _, p := range pairs {
		if _, ok := multi[p[0]]; !ok {
			order = append(order, p[0])
		}
		multi[p[0]] = append(multi[p[0]], cffValue{Value: p[1]})
	}
	for _, k := range order {
		vals := multi[k]
		v := cffValue{Value: vals[0].Value}
		if len(vals) > 1 {
			v.MultiValue = vals
		}
		out[k] = v
	}
	return out
}

func splitQuery(q string) [][2]string {
	var out [][2]string
	if q == "" {
		return out
	}
	for _, p := range strings.Split(q, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

func splitCookies(h cfHeaders) [][2]string {
	var out [][2]string
	for _, e := range h["cookie"] {
		for _, c := range strings.Split(e.Value, ";") {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			k, v, _ := strings.Cut(c, "=")
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func cffHeaders(h cfHeaders) map[string]cffValue {
	var pairs [][2]string
	for _, k := range sortedKeys(h) {
		if k == "cookie" || isDisallowed(k) {
			continue
		}
		for _, e := range h[k] {
			pairs = append(pairs, [2]string{k, e.Value})
		}
	}
	return cffMap(pairs)
}

func cffRequestEvent(req *cfRequest, event string, d *Distribution, requestID string) map[string]any {
	return map[string]any{
		"version": "1.0",
		"context": map[string]any{"distributionDomainName": d.DomainName, "distributionId": d.ID, "eventType": event, "requestId": requestID},
		"viewer":  map[string]any{"ip": req.ClientIP},
		"request": map[string]any{"method": req.Method, "uri": req.URI, "querystring": cffMap(splitQuery(req.Query)),
			"headers": cffHeaders(req.Headers), "cookies": cffMap(splitCookies(req.Headers))},
	}
}

func cffResponseEvent(req *cfRequest, resp *cfResponse, d *Distribution, requestID string) map[string]any {
	ev := cffRequestEvent(req, "viewer-response", d, requestID)
	h := resp.Headers.clone()
	var cookies [][2]string
	for _, e := range h["set-cookie"] {
		k, v, _ := strings.Cut(e.Value, "=")
		cookies = append(cookies, [2]string{k, v})
	}
	delete(h, "set-cookie")
	ev["response"] = map[string]any{"statusCode": resp.Status, "statusDescription": http.StatusText(resp.Status),
		"headers": cffHeaders(h), "cookies": cffMap(cookies)}
	return ev
}

// parseCFFMap reads a CloudFront Functions name -> {value, multiValue} map.
func parseCFFMap(v any, where string) ([][2]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("%s is not an object", where)
	}
	var out [][2]string
	for _, k := range sortedKeys(m) {
		em, ok := m[k].(map[string]any)
		if !ok {
			return nil, invalid("%s[%q] is not an object", where, k)
		}
		if mv, ok := em["multiValue"].([]any); ok && len(mv) > 0 {
			for i, x := range mv {
				xm, _ := x.(map[string]any)
				s, ok := xm["value"].(string)
				if !ok {
					return nil, invalid("%s[%q].multiValue[%d].value is not a string", where, k, i)
				}
				out = append(out, [2]string{k, s})
			}
			continue
		}
		s, ok := em["value"].(string)
		if !ok {
			return nil, invalid("%s[%q].value is not a string", where, k)
		}
		if strings.ContainsAny(s, "\r\n\x00") {
			return nil, invalid("%s[%q].value contains a line break or NUL", where, k)
		}
		out = append(out, [2]string{k, s})
	}
	return out, nil
}

// applyCFFResult interprets a CloudFront Function's result.
func applyCFFResult(in *cfRequest, inResp *cfResponse, raw json.RawMessage, event string) (*cfRequest, *cfResponse, error) {
	v, err := decodeResult(raw)
	if err != nil {
		return nil, nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, invalid("the function returned %s, not a request or response object", jsonKind(v))
	}
	if _, isResp := m["statusCode"]; isResp || event == "viewer-response" {
		resp := &cfResponse{Headers: cfHeaders{}, Generated: "function"}
		sc, ok := m["statusCode"].(float64)
		if !ok || sc < 200 || sc > 599 {
			return nil, nil, invalid("response.statusCode must be a number in 200-599, got %v", m["statusCode"])
		}
		resp.Status = int(sc)
		if d, ok := m["statusDescription"].(string); ok {
			resp.Description = d
		}
		hs, err := parseCFFMap(m["headers"], "response.headers")
		if err != nil {
			return nil, nil, err
		}
		for _, p := range hs {
			name := strings.ToLower(p[0])
			if isDisallowed(name) {
				return nil, nil, invalid("the response sets the disallowed header %q", name)
			}
			resp.Headers[name] = append(resp.Headers[name], hdr{Key: p[0], Value: p[1]})
		}
		if cm, ok := m["cookies"].(map[string]any); ok {
			for _, k := range sortedKeys(cm) {
				em, _ := cm[k].(map[string]any)
				vals := []map[string]any{em}
				if mv, ok := em["multiValue"].([]any); ok && len(mv) > 0 {
					vals = nil
					for _, x := range mv {
						xm, _ := x.(map[string]any)
						vals = append(vals, xm)
					}
				}
				for _, x := range vals {
					c := k + "=" + str(x["value"])
					if a := str(x["attributes"]); a != "" {
						c += "; " + a
					}
					resp.Headers["set-cookie"] = append(resp.Headers["set-cookie"], hdr{Key: "Set-Cookie", Value: c})
				}
			}
		}
		switch b := m["body"].(type) {
		case string:
			resp.Body = []byte(b)
		case map[string]any:
			data := str(b["data"])
			if b["encoding"] == "base64" {
				d, err := base64.StdEncoding.DecodeString(data)
				if err != nil {
					return nil, nil, invalid("response.body.data is not valid base64")
				}
				resp.Body = d
			} else {
				resp.Body = []byte(data)
			}
		}
		if event == "viewer-response" {
			if resp.Status != inResp.Status {
				// CloudFront Functions may change the status of a viewer response.
				resp.Description = ""
			}
			if m["body"] != nil {
				return nil, nil, invalid("a viewer-response function cannot set the body")
			}
			if err := checkHeaderRules(event, visibleHeaders(inResp.Headers), resp.Headers); err != nil {
				return nil, nil, err
			}
			resp.Body = inResp.Body
			resp.Generated = inResp.Generated
			for k, vals := range inResp.Headers {
				if isDisallowed(k) {
					resp.Headers[k] = vals
				}
			}
			return nil, resp, nil
		}
		if len(resp.Body) > 40*1024 {
			return nil, nil, invalid("the generated body is %d bytes, over the 40 KB limit", len(resp.Body))
		}
		return nil, resp, nil
	}
	out := in.clone()
	if meth, ok := m["method"]; ok && meth != in.Method {
		return nil, nil, invalid("the function changed the read-only field method")
	}
	uri, ok := m["uri"].(string)
	if !ok || !strings.HasPrefix(uri, "/") || strings.ContainsAny(uri, " \r\n\x00?#") {
		return nil, nil, invalid("request.uri must be a path starting with '/', got %v", m["uri"])
	}
	out.URI = uri
	qs, err := parseCFFMap(m["querystring"], "request.querystring")
	if err != nil {
		return nil, nil, err
	}
	parts := make([]string, 0, len(qs))
	for _, p := range qs {
		if p[1] == "" {
			parts = append(parts, p[0])
		} else {
			parts = append(parts, p[0]+"="+p[1])
		}
	}
	out.Query = strings.Join(parts, "&")
	hs, err := parseCFFMap(m["headers"], "request.headers")
	if err != nil {
		return nil, nil, err
	}
	h := cfHeaders{}
	for _, p := range hs {
		name := strings.ToLower(p[0])
		h[name] = append(h[name], hdr{Key: p[0], Value: p[1]})
	}
	before := visibleHeaders(in.Headers)
	delete(before, "cookie")
	if err := checkHeaderRules(event, before, h); err != nil {
		return nil, nil, err
	}
	cs, err := parseCFFMap(m["cookies"], "request.cookies")
	if err != nil {
		return nil, nil, err
	}
	if len(cs) > 0 {
		var c []string
		for _, p := range cs {
			c = append(c, p[0]+"="+p[1])
		}
		h["cookie"] = []hdr{{Key: "Cookie", Value: strings.Join(c, "; ")}}
	}
	for k, vals := range in.Headers {
		if isDisallowed(k) {
			h[k] = vals
		}
	}
	out.Headers = h
	return out, nil, nil
}

// sortedHeaderNames lists h's names in order (deterministic logs, keys).
func sortedHeaderNames(h cfHeaders) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
