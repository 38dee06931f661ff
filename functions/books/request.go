package books

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBodyBytes is the largest request body accepted (after base64 decoding).
// A book is a few hundred bytes; the limit keeps parsing cost and log
// exposure small while leaving room for long titles in 4-byte scripts.
const MaxBodyBytes = 16 << 10

// Page size bounds for GET BasePath.
const (
	// DefaultPageSize applies when the request has no limit parameter.
	DefaultPageSize = 20
	// MaxPageSize is the largest limit accepted.
	MaxPageSize = 100
)

// MaxVersion is the largest version a precondition may name: 2^53-1, the
// largest integer a JavaScript client can hold exactly.
const MaxVersion = 1<<53 - 1

// maxContentTypeLen bounds the Content-Type header; a real one is under 40
// bytes.
const maxContentTypeLen = 128

// request is the part of a function URL event the service uses, with header
// names lower-cased (function URLs already send them lower-case; fixtures and
// other callers may not).
type request struct {
	method    string
	path      string
	query     string
	headers   map[string]string
	body      string
	base64    bool
	requestID string
}

func newRequest(ev events.LambdaFunctionURLRequest) request {
	h := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		h[strings.ToLower(k)] = v
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	return request{
		method:    ev.RequestContext.HTTP.Method,
		path:      path,
		query:     ev.RawQueryString,
		headers:   h,
		body:      ev.Body,
		base64:    ev.IsBase64Encoded,
		requestID: ev.RequestContext.RequestID,
	}
}

// idRE is the shape of a server-generated id: a lower-case UUID version 4.
// Checking it before any DynamoDB call keeps arbitrary path bytes out of
// keys and logs.
var idRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func validID(id string) bool { return idRE.MatchString(id) }

// newID returns a random UUID version 4 (122 random bits: collisions are
// not expected, and creation still refuses to overwrite).
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("read random id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// readBody checks the media type and size and returns the decoded body.
func readBody(r request) ([]byte, *apiError) {
	ct := r.headers["content-type"]
	if ct == "" || len(ct) > maxContentTypeLen {
		return nil, newError(415, codeUnsupportedMediaType, "content-type must be application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return nil, newError(415, codeUnsupportedMediaType, "content-type must be application/json")
	}
	for k, v := range params {
		// application/json defines no parameters; charset is tolerated
		// because browsers and SDKs add it.
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return nil, newError(415, codeUnsupportedMediaType, "content-type must be application/json, optionally with charset=utf-8")
		}
	}
	tooLarge := newError(413, codeBodyTooLarge, fmt.Sprintf("the body must be at most %d bytes", MaxBodyBytes))
	var body []byte
	if r.base64 {
		// Bound the work before decoding: the encoded form of an acceptable
		// body is never longer than this.
		if len(r.body) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
			return nil, tooLarge
		}
		if body, err = base64.StdEncoding.DecodeString(r.body); err != nil {
			return nil, newError(400, codeInvalidBody, "the body is marked base64 but is not valid base64")
		}
	} else {
		body = []byte(r.body)
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, newError(400, codeInvalidJSON, "the body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return nil, newError(400, codeInvalidJSON, "the body is not valid UTF-8")
	}
	return body, nil
}

// decodeObject decodes a JSON object into dst with no leniency: exactly one
// object, field names matching allowed exactly (encoding/json alone would
// match them case-insensitively and let a duplicate silently win), no
// duplicates, no trailing data, and Go types enforced (an integer field
// rejects 1.5, "1" and 1e3).
func decodeObject(body []byte, dst any, allowed []string) *apiError {
	bad := func(msg string) *apiError { return newError(400, codeInvalidJSON, msg) }
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return bad("the body is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return bad("the body must be a JSON object")
	}
	seen := make(map[string]bool, len(allowed))
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return bad("the body is not valid JSON")
		}
		key, _ := kt.(string)
		if !slices.Contains(allowed, key) {
			return newError(400, codeUnknownField, fmt.Sprintf("unknown field %s; the fields are %s", quoteShort(key), strings.Join(allowed, ", ")))
		}
		if seen[key] {
			return bad("field " + key + " appears more than once")
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return bad("the body is not valid JSON")
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("the body has data after the JSON object")
	}

	strict := json.NewDecoder(bytes.NewReader(body))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return newError(400, codeInvalidField, fmt.Sprintf("%s must be %s", te.Field, kindOf(te.Type.Kind())))
		}
		return bad("the body is not valid JSON")
	}
	return nil
}

func kindOf(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Int64:
		return "an integer"
	default:
		return "of another type"
	}
}

// quoteShort quotes a client-supplied name for an error message: ASCII only
// and at most 40 bytes, so a message never carries control bytes or a
// megabyte of attacker text.
func quoteShort(s string) string {
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	return strconv.QuoteToASCII(s)
}

// parseIfMatch accepts one strong entity tag of this API, "<version>".
// The list form and "*" are refused: "*" would turn the precondition into
// "overwrite whatever is there", which is the lost update If-Match exists to
// prevent. Weak tags never match under If-Match's strong comparison
// (RFC 9110 13.1.1), so sending one is a client error.
func parseIfMatch(v string) (int64, *apiError) {
	v = strings.TrimSpace(v)
	bad := newError(400, codeInvalidIfMatch, `If-Match must be one entity tag from this API, like "3"`)
	if len(v) < 3 || len(v) > 20 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, bad
	}
	n, ok := parseVersion(v[1 : len(v)-1])
	if !ok {
		return 0, bad
	}
	return n, nil
}

func parseVersion(s string) (int64, bool) {
	if s == "" || s[0] == '0' || len(s) > 16 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxVersion {
		return 0, false
	}
	return n, true
}

// listQuery is a validated GET BasePath query.
type listQuery struct {
	limit  int32
	author string
	next   string
}

func parseListQuery(raw string) (listQuery, *apiError) {
	q := listQuery{limit: DefaultPageSize}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, newError(400, codeInvalidQuery, "the query string is malformed")
	}
	for k, v := range vals {
		switch {
		case k != "limit" && k != "next" && k != "author":
			return q, newError(400, codeInvalidQuery, fmt.Sprintf("unknown query parameter %s; the parameters are limit, next, author", quoteShort(k)))
		case len(v) > 1:
			return q, newError(400, codeInvalidQuery, k+" must appear at most once")
		}
	}
	if vals.Has("limit") {
		s := vals.Get("limit")
		n, err := strconv.Atoi(s)
		if err != nil || len(s) > 3 || s[0] == '+' || n < 1 || n > MaxPageSize {
			return q, newError(400, codeInvalidLimit, fmt.Sprintf("limit must be an integer from 1 to %d", MaxPageSize))
		}
		q.limit = int32(n)
	}
	if vals.Has("author") {
		a := vals.Get("author")
		v, e := requiredText("author", &a, MaxAuthorLen)
		if e != nil {
			return q, newError(400, codeInvalidQuery, e.Message)
		}
		q.author = v
	}
	if vals.Has("next") {
		q.next = vals.Get("next")
		if q.next == "" {
			return q, newError(400, codeInvalidToken, "next must not be empty; omit it for the first page")
		}
	}
	return q, nil
}
