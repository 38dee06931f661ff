package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// SigV4 verification for the local AWS endpoints and function URLs. The
// verifier rebuilds the canonical request from what arrived, so a signer
// that signs one thing and sends another (a header CloudFront rewrites, a
// body that was truncated, a path encoded differently) fails here as it
// would in AWS.

// Credentials are one principal's access key.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// SignedRequest is what a valid signature tells about a request.
type SignedRequest struct {
	AccessKeyID string
	Region      string
	Service     string
	Date        time.Time
}

// sigError is a SigV4 failure with AWS's error code.
type sigError struct {
	Code, Message string
}

// Error implements error.
func (e *sigError) Error() string { return e.Code + ": " + e.Message }

var errMissingAuth = &sigError{"MissingAuthenticationToken", "Missing Authentication Token"}

// sigv4Options select the service's canonicalization.
type sigv4Options struct {
	// S3 keeps the path as sent (no normalization, encoded once).
	S3 bool
}

// VerifySigV4 checks r's Authorization header against the credentials
// lookup returns for its access key id. body is the request body as
// received. now bounds the clock skew (15 minutes, as AWS).
func VerifySigV4(r *http.Request, body []byte, lookup func(akid string) (Credentials, bool), now time.Time, opt sigv4Options) (SignedRequest, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return SignedRequest{}, errMissingAuth
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != "AWS4-HMAC-SHA256" {
		return SignedRequest{}, &sigError{"IncompleteSignatureException", "unsupported algorithm"}
	}
	fields := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok {
			fields[k] = v
		}
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if cred == "" || signed == "" || sig == "" {
		return SignedRequest{}, &sigError{"IncompleteSignatureException", "Authorization lacks Credential, SignedHeaders or Signature"}
	}
	cp := strings.Split(cred, "/")
	if len(cp) != 5 || cp[4] != "aws4_request" {
		return SignedRequest{}, &sigError{"IncompleteSignatureException", "malformed credential scope"}
	}
	out := SignedRequest{AccessKeyID: cp[0], Region: cp[2], Service: cp[3]}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		amzDate = r.Header.Get("Date")
	}
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return out, &sigError{"IncompleteSignatureException", "missing or malformed X-Amz-Date"}
	}
	out.Date = t
	if t.Format("20060102") != cp[1] {
		return out, &sigError{"SignatureDoesNotMatch", "credential date does not match X-Amz-Date"}
	}
	if d := now.Sub(t); d > 15*time.Minute || d < -15*time.Minute {
		return out, &sigError{"InvalidSignatureException", "Signature expired: the request time is more than 15 minutes from the server time"}
	}
	c, ok := lookup(cp[0])
	if !ok {
		return out, &sigError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	if c.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != c.SessionToken {
		return out, &sigError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	headers := strings.Split(signed, ";")
	if !sort.StringsAreSorted(headers) || !contains(headers, "host") {
		return out, &sigError{"SignatureDoesNotMatch", "SignedHeaders must be sorted and include host"}
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	switch {
	case payload == "":
		payload = actual
	case opt.S3 && (payload == "UNSIGNED-PAYLOAD" || strings.HasPrefix(payload, "STREAMING-")):
		// S3 signs these literally (chunk signatures are not checked here).
	case payload != actual:
		return out, &sigError{"SignatureDoesNotMatch", "x-amz-content-sha256 does not match the body received"}
	}
	canonical := canonicalRequest(r, headers, payload, opt)
	scope := strings.Join(cp[1:], "/")
	h := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(h[:])
	key := signingKey(c.SecretAccessKey, cp[1], cp[2], cp[3])
	want := hex.EncodeToString(hmacSHA256(key, []byte(toSign)))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return out, &sigError{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."}
	}
	return out, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func canonicalRequest(r *http.Request, headers []string, payload string, opt sigv4Options) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL.EscapedPath(), opt))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, h := range headers {
		b.WriteString(h)
		b.WriteByte(':')
		var vals []string
		if h == "host" {
			vals = []string{r.Host}
		} else {
			vals = r.Header.Values(h)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(headers, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// canonicalURI: for S3 the path as sent; for other services the path with
// dot segments and repeated slashes removed, each segment encoded again
// (the wire form is encoded once, the canonical form twice).
func canonicalURI(escaped string, opt sigv4Options) string {
	if escaped == "" {
		return "/"
	}
	if opt.S3 {
		return escaped
	}
	p := path.Clean(escaped)
	if strings.HasSuffix(escaped, "/") && p != "/" {
		p += "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		pairs = append(pairs, kv{uriEncode(unescapeQuery(k)), uriEncode(unescapeQuery(v))})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// unescapeQuery decodes %XX escapes and '+' as a space, leaving invalid
// escapes as they are (as the SDKs do).
func unescapeQuery(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// uriEncode is SigV4's encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX.
func uriEncode(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

// SignSigV4 signs r for service in region the way CloudFront origin access
// control does: host, x-amz-date, x-amz-content-sha256 and the session
// token (serve uses it as OAC, towards dynalite, and tests use it as a
// client of the local endpoint).
func SignSigV4(r *http.Request, body []byte, c Credentials, region, service string, now time.Time) {
	signSigV4(r, body, c, region, service, now, sigv4Options{S3: service == "s3"})
}

func signSigV4(r *http.Request, body []byte, c Credentials, region, service string, now time.Time, opt sigv4Options) {
	amzDate := now.UTC().Format("20060102T150405Z")
	date := amzDate[:8]
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("X-Amz-Content-Sha256", payload)
	headers := []string{"host", "x-amz-content-sha256", "x-amz-date"}
	if c.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", c.SessionToken)
		headers = append(headers, "x-amz-security-token")
	}
	if r.Header.Get("X-Amz-Target") != "" {
		headers = append(headers, "x-amz-target")
		sort.Strings(headers)
	}
	canonical := canonicalRequest(r, headers, payload, opt)
	scope := date + "/" + region + "/" + service + "/aws4_request"
	h := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(h[:])
	sig := hex.EncodeToString(hmacSHA256(signingKey(c.SecretAccessKey, date, region, service), []byte(toSign)))
	r.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		c.AccessKeyID, scope, strings.Join(headers, ";"), sig))
}

// sigScope returns the region and service of r's credential scope, if signed.
func sigScope(r *http.Request) (region, service string, err error) {
	auth := r.Header.Get("Authorization")
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return "", "", errors.New("unsigned request")
	}
	cred := auth[i+len("Credential="):]
	if j := strings.IndexAny(cred, ", "); j >= 0 {
		cred = cred[:j]
	}
	p := strings.Split(cred, "/")
	if len(p) != 5 {
		return "", "", errors.New("malformed credential scope")
	}
	return p[2], p[3], nil
}
