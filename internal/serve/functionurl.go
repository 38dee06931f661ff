package serve

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// urlFunction is a function behind a function URL with its runtime.
type urlFunction struct {
	fn  *Function
	run func(ctxEvent []byte) Invocation
}

// maxURLPayload is Lambda's synchronous invocation payload limit.
const maxURLPayload = 6 << 20

// serveFunctionURL answers a function URL request as Lambda does: AWS_IAM
// URLs need a SigV4 signature by a principal the function's permissions
// or the principal's own policies allow (both lambda:InvokeFunctionUrl
// and lambda:InvokeFunction), else 403 {"Message":"Forbidden"}; the request
// becomes a payload format 2.0 event and the result an HTTP response.
func (s *Server) serveFunctionURL(w http.ResponseWriter, r *http.Request, uf *urlFunction) {
	fn := uf.fn
	component := "url " + fn.Name
	body, err := io.ReadAll(io.LimitReader(r.Body, maxURLPayload+1))
	if err != nil {
		http.Error(w, "could not read the request", http.StatusBadRequest)
		return
	}
	if len(body) > maxURLPayload {
		lambdaURLError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	var caller *Principal
	if fn.URL.AuthType == "AWS_IAM" {
		sr, err := VerifySigV4(r, body, s.ids.lookup, time.Now(), sigv4Options{})
		if err != nil {
			s.log.Printf(component, "%s %s: 403 Forbidden: request not signed by a known principal (%v)", r.Method, r.URL.Path, err)
			lambdaURLError(w, http.StatusForbidden, "AccessDeniedException", "Forbidden")
			return
		}
		if sr.Service != "lambda" || sr.Region != fn.Region {
			s.log.Printf(component, "%s %s: 403 Forbidden: signed for %s in %s, not lambda in %s", r.Method, r.URL.Path, sr.Service, sr.Region, fn.Region)
			lambdaURLError(w, http.StatusForbidden, "AccessDeniedException", "Forbidden")
			return
		}
		caller = s.ids.principal(sr.AccessKeyID)
		ctx := map[string]string{"lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:InvokedViaFunctionUrl": "true"}
		if caller.Role.Stack == nil && caller.Name == "cloudfront.amazonaws.com" {
			ctx["aws:SourceArn"] = s.model.Distribution.ARN
			ctx["aws:SourceAccount"] = s.model.Assembly.Account
		}
		rp := permissionStatements(fn)
		for _, action := range []string{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} {
			if ok, why := s.allowed(caller, action, fn.ARN, ctx, rp); !ok {
				s.log.Printf(component, "%s %s: 403 Forbidden: %s may not %s (%s)", r.Method, r.URL.Path, caller.Name, action, why)
				lambdaURLError(w, http.StatusForbidden, "AccessDeniedException", "Forbidden")
				return
			}
		}
	}
	event, err := functionURLEvent(r, body, fn, caller, s.model.Assembly.Account)
	if err != nil {
		lambdaURLError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	inv := uf.run(event)
	s.logInvocation(component, inv)
	w.Header().Set("X-Amzn-Requestid", inv.RequestID)
	if inv.Err != nil {
		s.log.Printf(component, "%s: %s", inv.Err.ErrorType, inv.Err.ErrorMessage)
		w.Header().Set("X-Amzn-Errortype", "Unhandled")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("Internal Server Error"))
		return
	}
	writeFunctionURLResult(w, r, inv.Result)
}

func lambdaURLError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

// permissionStatements turns AWS::Lambda::Permission resources into a
// resource policy.
func permissionStatements(fn *Function) []statement {
	var out []statement
	for _, p := range fn.Permissions {
		st := statement{Effect: "Allow", Action: []string{p.Action}, Resource: []string{fn.ARN, fn.ARN + ":*"},
			Condition: map[string]map[string][]string{}, source: fn.Ref.Path() + " permission for " + p.Principal}
		switch {
		case p.Principal == "*":
			st.Principal = map[string][]string{"*": {"*"}}
		case strings.HasSuffix(p.Principal, ".amazonaws.com"):
			st.Principal = map[string][]string{"Service": {p.Principal}}
		default:
			st.Principal = map[string][]string{"AWS": {p.Principal}}
		}
		add := func(op, key, v string) {
			if st.Condition[op] == nil {
				st.Condition[op] = map[string][]string{}
			}
			st.Condition[op][strings.ToLower(key)] = []string{v}
		}
		if p.SourceArn != "" {
			add("ArnLike", "aws:SourceArn", p.SourceArn)
		}
		if p.SourceAccount != "" {
			add("StringEquals", "aws:SourceAccount", p.SourceAccount)
		}
		if p.FunctionURLAuth != "" {
			add("StringEquals", "lambda:FunctionUrlAuthType", p.FunctionURLAuth)
		}
		if p.InvokedViaURL {
			add("Bool", "lambda:InvokedViaFunctionUrl", "true")
		}
		out = append(out, st)
	}
	return out
}

// functionURLEvent is the payload format 2.0 event of a function URL request.
func functionURLEvent(r *http.Request, body []byte, fn *Function, caller *Principal, account string) ([]byte, error) {
	headers := map[string]string{}
	var cookies []string
	for k, vals := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vals {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vals, ",")
	}
	headers["host"] = fn.URL.Host
	query := map[string]string{}
	if r.URL.RawQuery != "" {
		for _, p := range strings.Split(r.URL.RawQuery, "&") {
			k, v, _ := strings.Cut(p, "=")
			k, v = unescapeQuery(k), unescapeQuery(v)
			if old, ok := query[k]; ok {
				query[k] = old + "," + v
			} else {
				query[k] = v
			}
		}
	}
	now := time.Now().UTC()
	ev := events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery, Cookies: cookies, Headers: headers,
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID: account, RequestID: newRequestID(), APIID: fn.URL.ID, DomainName: fn.URL.Host, DomainPrefix: fn.URL.ID,
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path, Protocol: "HTTP/1.1",
				SourceIP: clientIP(r), UserAgent: r.UserAgent()},
		},
	}
	if len(query) > 0 {
		ev.QueryStringParameters = query
	}
	if caller != nil {
		ev.RequestContext.Authorizer = &events.LambdaFunctionURLRequestContextAuthorizerDescription{
			IAM: &events.LambdaFunctionURLRequestContextAuthorizerIAMDescription{
				AccessKey: caller.Creds.AccessKeyID, AccountID: account, CallerID: "AROA" + strings.ToUpper(shortHash(caller.Name, 17)),
				UserARN: caller.Name, UserID: "AROA" + strings.ToUpper(shortHash(caller.Name, 17)),
			}}
	}
	if len(body) > 0 {
		if textual(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	m, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	// routeKey and stage are in every function URL event but not in the
	// aws-lambda-go type.
	return append(m[:len(m)-1], []byte(`,"routeKey":"$default"}`)...), nil
}

func textual(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/javascript" || mt == "application/xml" ||
		mt == "application/x-www-form-urlencoded" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// writeFunctionURLResult maps a function's result to the HTTP response.
func writeFunctionURLResult(w http.ResponseWriter, r *http.Request, result json.RawMessage) {
	var resp events.LambdaFunctionURLResponse
	trimmed := bytes.TrimSpace(result)
	structured := false
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var probe map[string]json.RawMessage
		if json.Unmarshal(trimmed, &probe) == nil {
			if _, ok := probe["statusCode"]; ok {
				structured = json.Unmarshal(trimmed, &resp) == nil
			}
		}
	}
	if !structured {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(trimmed)
		}
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	b := []byte(resp.Body)
	if resp.IsBase64Encoded {
		d, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		b = d
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
