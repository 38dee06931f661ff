package serve

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The local AWS endpoint: every SDK call of the functions (AWS_ENDPOINT_URL)
// and every function URL lands here, on one 127.0.0.1 port, and is routed by
// host (function URLs), X-Amz-Target (JSON protocols) or else to S3. Each
// request must carry a valid SigV4 signature by a principal serve issued
// credentials to: a function's execution role, CloudFront (origin access
// control) or serve itself.

// Principal is a local identity with its credentials.
type Principal struct {
	// Name is the role ARN, "cloudfront.amazonaws.com" or "serve".
	Name string
	// Role is the execution role's resource, for its IAM policies (zero for
	// service principals).
	Role  ResourceRef
	Creds Credentials
}

type identities struct {
	mu    sync.Mutex
	byKey map[string]*Principal
	named map[string]*Principal
}

func newIdentities() *identities {
	return &identities{byKey: map[string]*Principal{}, named: map[string]*Principal{}}
}

// issue returns the principal called name, creating its credentials (random
// per run, never printed) on first use.
func (ids *identities) issue(name string, role ResourceRef) *Principal {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if p, ok := ids.named[name]; ok {
		return p
	}
	rnd := func(n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b64url(b)
	}
	akid := "ASIA" + strings.ToUpper(strings.NewReplacer("-", "A", "_", "B").Replace(rnd(12)))[:16]
	p := &Principal{Name: name, Role: role, Creds: Credentials{AccessKeyID: akid, SecretAccessKey: rnd(30), SessionToken: rnd(48)}}
	ids.byKey[akid] = p
	ids.named[name] = p
	return p
}

func (ids *identities) lookup(akid string) (Credentials, bool) {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	p, ok := ids.byKey[akid]
	if !ok {
		return Credentials{}, false
	}
	return p.Creds, true
}

func (ids *identities) principal(akid string) *Principal {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	return ids.byKey[akid]
}

func b64url(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}

// awsJSONError writes an AWS JSON-protocol error.
func awsJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

const maxAWSBody = 32 << 20

// authenticate verifies r's signature and returns its principal.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, body []byte, opt sigv4Options, jsonErrors bool) (*Principal, SignedRequest, bool) {
	sr, err := VerifySigV4(r, body, s.ids.lookup, time.Now(), opt)
	if err != nil {
		code, msg := "AccessDeniedException", err.Error()
		if se, ok := err.(*sigError); ok {
			code, msg = se.Code, se.Message
		}
		s.log.Printf("aws", "%s %s%s: 403 %s (%s)", r.Method, r.Host, r.URL.Path, code, msg)
		if jsonErrors {
			awsJSONError(w, http.StatusForbidden, code, msg)
		} else {
			s3Error(w, http.StatusForbidden, map[string]string{"SignatureDoesNotMatch": "SignatureDoesNotMatch", "MissingAuthenticationToken": "AccessDenied"}[code], msg)
		}
		return nil, sr, false
	}
	return s.ids.principal(sr.AccessKeyID), sr, true
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	if code == "" {
		code = "AccessDenied"
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>", code, xmlEscape(msg), newRequestID()[:16])
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xmlEscapeTo(&b, s)
	return b.String()
}

func xmlEscapeTo(w io.Writer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;", "'", "&apos;")
	_, err := io.WriteString(w, r.Replace(s))
	return err
}

// awsHandler routes a request of the local AWS endpoint.
func (s *Server) awsHandler(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if fn, ok := s.urls[strings.ToLower(host)]; ok {
		s.serveFunctionURL(w, r, fn)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAWSBody+1))
	if err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", "could not read the request body")
		return
	}
	if len(body) > maxAWSBody {
		awsJSONError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "request body too large")
		return
	}
	target := r.Header.Get("X-Amz-Target")
	service, op, _ := strings.Cut(target, ".")
	switch service {
	case "Firehose_20150804":
		p, sr, ok := s.authenticate(w, r, body, sigv4Options{}, true)
		if ok {
			s.firehose(w, p, sr.Region, op, body)
		}
	case "AmazonSSM":
		p, sr, ok := s.authenticate(w, r, body, sigv4Options{}, true)
		if ok {
			s.ssmCall(w, p, sr.Region, op, body)
		}
	case "DynamoDB_20120810":
		p, sr, ok := s.authenticate(w, r, body, sigv4Options{}, true)
		if ok {
			s.dynamoProxy(w, r, p, sr.Region, op, body)
		}
	case "":
		if _, svc, err := sigScope(r); err == nil && svc != "s3" {
			awsJSONError(w, http.StatusBadRequest, "UnknownOperationException", "service "+svc+" is not emulated by edgekit serve")
			return
		}
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Signature") != "" {
			s3Error(w, http.StatusForbidden, "AccessDenied", "presigned URLs are not supported by the local S3")
			return
		}
		p, _, ok := s.authenticate(w, r, body, sigv4Options{S3: true}, false)
		if !ok || !s.authorizeS3(w, r, p) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		s.storage.http.ServeHTTP(w, r)
	default:
		awsJSONError(w, http.StatusBadRequest, "UnknownOperationException", "X-Amz-Target "+target+" is not emulated by edgekit serve")
	}
}

// authorizeS3 checks a path-style S3 request against the principal's
// policies and the bucket policy; like S3, a missing key reads as 403
// AccessDenied, not 404, unless the caller may list the bucket.
func (s *Server) authorizeS3(w http.ResponseWriter, r *http.Request, p *Principal) bool {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket == "" {
		return true // ListBuckets
	}
	var policy []statement
	if b := s.model.Buckets[bucket]; b != nil && b.Policy != nil {
		policy = parseStatements(b.Policy, b.Ref.Path()+" bucket policy")
	}
	var action, resource string
	q := r.URL.Query()
	switch {
	case key == "" && (r.Method == "GET" || r.Method == "HEAD"):
		action, resource = "s3:ListBucket", "arn:aws:s3:::"+bucket
	case key == "" && r.Method == "POST" && q.Has("delete"):
		action, resource = "s3:DeleteObject", "arn:aws:s3:::"+bucket+"/*"
	case key == "":
		action, resource = "s3:CreateBucket", "arn:aws:s3:::"+bucket
	case r.Method == "GET" || r.Method == "HEAD":
		action, resource = "s3:GetObject", "arn:aws:s3:::"+bucket+"/"+key
	case r.Method == "PUT" || r.Method == "POST":
		action, resource = "s3:PutObject", "arn:aws:s3:::"+bucket+"/"+key
	case r.Method == "DELETE":
		action, resource = "s3:DeleteObject", "arn:aws:s3:::"+bucket+"/"+key
	default:
		action, resource = "s3:"+r.Method, "arn:aws:s3:::"+bucket+"/"+key
	}
	if ok, why := s.allowed(p, action, resource, nil, policy); !ok {
		s.log.Printf("iam", "DENY %s %s on %s: %s", p.Name, action, resource, why)
		s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return false
	}
	if action == "s3:GetObject" {
		if obj, err := s.storage.Get(bucket, key, nil); err == nil && obj == nil {
			if ok, _ := s.allowed(p, "s3:ListBucket", "arn:aws:s3:::"+bucket, nil, policy); !ok {
				s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
				return false
			}
		} else if obj != nil {
			obj.Contents.Close()
		}
	}
	return true
}

// ---- Firehose ----

type firehoseRecordIn struct {
	Data []byte `json:"Data"`
}

func (s *Server) firehose(w http.ResponseWriter, p *Principal, region, op string, body []byte) {
	var in struct {
		DeliveryStreamName string             `json:"DeliveryStreamName"`
		Records            []firehoseRecordIn `json:"Records"`
		Record             *firehoseRecordIn  `json:"Record"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON for Firehose")
		return
	}
	var stream *Stream
	for _, st := range s.model.Streams {
		if st.Region == region && st.Name == in.DeliveryStreamName {
			stream = st
		}
	}
	arn := fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", region, s.model.Assembly.Account, in.DeliveryStreamName)
	if !s.authorize(w, p, "firehose:"+op, arn) {
		return
	}
	if stream == nil {
		awsJSONError(w, http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf("Firehose %s under account %s not found.", in.DeliveryStreamName, s.model.Assembly.Account))
		return
	}
	var records []firehoseRecordIn
	switch op {
	case "PutRecordBatch":
		records = in.Records
		if len(records) == 0 || len(records) > 500 {
			awsJSONError(w, http.StatusBadRequest, "InvalidArgumentException", fmt.Sprintf("Records must hold 1 to 500 records, got %d", len(records)))
			return
		}
	case "PutRecord":
		if in.Record == nil {
			awsJSONError(w, http.StatusBadRequest, "InvalidArgumentException", "Record is required")
			return
		}
		records = []firehoseRecordIn{*in.Record}
	default:
		awsJSONError(w, http.StatusBadRequest, "UnknownOperationException", "Firehose "+op+" is not emulated")
		return
	}
	var total int
	var data bytes.Buffer
	for i, rec := range records {
		if len(rec.Data) > stream.MaxRecordBytes {
			awsJSONError(w, http.StatusBadRequest, "InvalidArgumentException", fmt.Sprintf("record %d is %d bytes, over the 1,000 KiB limit", i, len(rec.Data)))
			return
		}
		total += len(rec.Data)
		data.Write(rec.Data)
	}
	if total > 4<<20 {
		awsJSONError(w, http.StatusBadRequest, "InvalidArgumentException", "the batch is over 4 MiB")
		return
	}
	now := time.Now().UTC()
	key := firehoseKey(stream, now)
	if err := s.storage.Put(stream.Bucket.Name, key, map[string]string{"Content-Type": "application/octet-stream"}, data.Bytes()); err != nil {
		s.log.Printf("firehose "+region, "deliver to %s failed: %v", stream.Bucket.Name, err)
		awsJSONError(w, http.StatusInternalServerError, "ServiceUnavailableException", "the local destination could not be written")
		return
	}
	s.log.Printf("firehose "+region, "%s: %d records, %d bytes -> %s", stream.Name, len(records), total,
		filepath.Join(s.stateRel(bucketDir(s.opts.StateDir, stream.Bucket)), filepath.FromSlash(key)))
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if op == "PutRecord" {
		_ = json.NewEncoder(w).Encode(map[string]any{"RecordId": recordID(), "Encrypted": false})
		return
	}
	resp := make([]map[string]string, len(records))
	for i := range resp {
		resp[i] = map[string]string{"RecordId": recordID()}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"FailedPutCount": 0, "Encrypted": false, "RequestResponses": resp})
}

func recordID() string {
	b := make([]byte, 42)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// firehoseKey is the object key Firehose would deliver a buffer to: the
// prefix with its !{timestamp:...} expressions, then
// <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.
func firehoseKey(s *Stream, t time.Time) string {
	prefix := s.Prefix
	if prefix == "" {
		// Firehose's default prefix: the UTC arrival hour.
		prefix = t.Format("2006/01/02/15/")
	}
	r := strings.NewReplacer(
		"!{timestamp:yyyy}", t.Format("2006"), "!{timestamp:MM}", t.Format("01"), "!{timestamp:dd}", t.Format("02"),
		"!{timestamp:HH}", t.Format("15"), "!{timestamp:mm}", t.Format("04"), "!{timestamp:ss}", t.Format("05"),
		"!{timestamp:yyyy-MM-dd}", t.Format("2006-01-02"), "!{firehose:random-string}", newRequestID()[:8],
	)
	return r.Replace(prefix) + s.Name + "-1-" + t.Format("2006-01-02-15-04-05") + "-" + newRequestID()
}

// ---- SSM ----

type ssmParam struct {
	Name, Type, Value string
	Version           int
	Modified          time.Time
}

type ssmStore struct {
	mu     sync.Mutex
	path   string
	params map[string]map[string]*ssmParam // region -> name
}

func loadSSM(stateDir string) (*ssmStore, error) {
	st := &ssmStore{path: filepath.Join(stateDir, "ssm-parameters.json"), params: map[string]map[string]*ssmParam{}}
	b, err := os.ReadFile(st.path)
	if err == nil {
		if err := json.Unmarshal(b, &st.params); err != nil {
			return nil, fmt.Errorf("local SSM store %s: %w", st.path, err)
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	return st, nil
}

func (st *ssmStore) get(region, name string) *ssmParam {
	st.mu.Lock()
	defer st.mu.Unlock()
	if p := st.params[region][name]; p != nil {
		c := *p
		return &c
	}
	return nil
}

// put stores a parameter; it fails when it exists and overwrite is false.
func (st *ssmStore) put(region, name, typ, value string, overwrite bool) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.params[region] == nil {
		st.params[region] = map[string]*ssmParam{}
	}
	old := st.params[region][name]
	if old != nil && !overwrite {
		return 0, errParamExists
	}
	v := 1
	if old != nil {
		v = old.Version + 1
		if old.Value == value && old.Type == typ {
			return old.Version, nil
		}
	}
	st.params[region][name] = &ssmParam{Name: name, Type: typ, Value: value, Version: v, Modified: time.Now().UTC()}
	return v, st.save()
}

var errParamExists = fmt.Errorf("ParameterAlreadyExists")

func (st *ssmStore) save() error {
	b, err := json.MarshalIndent(st.params, "", "  ")
	if err != nil {
		return err
	}
	tmp := st.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, st.path)
}

func (s *Server) ssmCall(w http.ResponseWriter, p *Principal, region, op string, body []byte) {
	var in struct {
		Name           string   `json:"Name"`
		Names          []string `json:"Names"`
		Value          string   `json:"Value"`
		Type           string   `json:"Type"`
		Overwrite      bool     `json:"Overwrite"`
		WithDecryption bool     `json:"WithDecryption"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON for SSM")
		return
	}
	acct := s.model.Assembly.Account
	arn := func(name string) string {
		return "arn:aws:ssm:" + region + ":" + acct + ":parameter/" + strings.TrimPrefix(name, "/")
	}
	out := func(pp *ssmParam, decrypt bool) map[string]any {
		v := pp.Value
		if pp.Type == "SecureString" && !decrypt {
			v = base64.StdEncoding.EncodeToString([]byte("local-kms:" + v))
		}
		return map[string]any{"Name": pp.Name, "Type": pp.Type, "Value": v, "Version": pp.Version, "ARN": arn(pp.Name),
			"DataType": "text", "LastModifiedDate": float64(pp.Modified.UnixMilli()) / 1000}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "GetParameter":
		if !s.authorize(w, p, "ssm:GetParameter", arn(in.Name)) {
			return
		}
		pp := s.ssm.get(region, in.Name)
		if pp == nil {
			awsJSONError(w, http.StatusBadRequest, "ParameterNotFound", "")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": out(pp, in.WithDecryption)})
	case "GetParameters":
		var found []any
		invalid := []string{}
		for _, n := range in.Names {
			if !s.authorize(w, p, "ssm:GetParameters", arn(n)) {
				return
			}
			if pp := s.ssm.get(region, n); pp != nil {
				found = append(found, out(pp, in.WithDecryption))
			} else {
				invalid = append(invalid, n)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameters": found, "InvalidParameters": invalid})
	case "PutParameter":
		if !s.authorize(w, p, "ssm:PutParameter", arn(in.Name)) {
			return
		}
		typ := in.Type
		if typ == "" {
			if old := s.ssm.get(region, in.Name); old != nil {
				typ = old.Type
			} else {
				typ = "String"
			}
		}
		if len(in.Value) > 8192 {
			awsJSONError(w, http.StatusBadRequest, "ParameterMaxVersionLimitExceeded", "value over 8 KB")
			return
		}
		v, err := s.ssm.put(region, in.Name, typ, in.Value, in.Overwrite)
		if err == errParamExists {
			awsJSONError(w, http.StatusBadRequest, "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
			return
		}
		if err != nil {
			awsJSONError(w, http.StatusInternalServerError, "InternalServerError", "the local store could not be written")
			return
		}
		s.log.Printf("ssm "+region, "PutParameter %s (%s) version %d", in.Name, typ, v)
		_ = json.NewEncoder(w).Encode(map[string]any{"Version": v, "Tier": "Standard"})
	default:
		awsJSONError(w, http.StatusBadRequest, "UnknownOperationException", "SSM "+op+" is not emulated")
	}
}

// ---- DynamoDB (dynalite) ----

func (s *Server) dynamoProxy(w http.ResponseWriter, r *http.Request, p *Principal, region, op string, body []byte) {
	if s.dynamo == nil {
		awsJSONError(w, http.StatusBadRequest, "ResourceNotFoundException", "the app defines no DynamoDB table")
		return
	}
	var in struct {
		TableName string `json:"TableName"`
		IndexName string `json:"IndexName"`
	}
	_ = json.Unmarshal(body, &in)
	resource := "arn:aws:dynamodb:" + region + ":" + s.model.Assembly.Account + ":table/" + in.TableName
	switch {
	case in.TableName == "":
		resource = "*"
	case in.IndexName != "":
		// Queries on an index are authorized on the index's ARN.
		resource += "/index/" + in.IndexName
	}
	if !s.authorize(w, p, "dynamodb:"+op, resource) {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Host = s.dynamo.host
	s.dynamo.proxy.ServeHTTP(w, r)
}
