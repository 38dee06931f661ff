package serve

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Model is everything serve runs, read from the assembly: the distribution
// and, behind it, the functions, buckets, tables and streams of the app.
type Model struct {
	// Assembly is the source of the model.
	Assembly *Assembly
	// Distribution is the served distribution.
	Distribution *Distribution
	// Buckets are the app's S3 buckets by name.
	Buckets map[string]*Bucket
	// Deployments copy assets into buckets at start (BucketDeployment).
	Deployments []*Deployment
	// Functions are the regional Lambda functions behind function URLs, by ARN.
	Functions map[string]*Function
	// Tables are the DynamoDB tables.
	Tables []*Table
	// Streams are the Firehose delivery streams.
	Streams []*Stream
	// Parameters are the SSM parameters the templates create (String
	// values resolved), by region then name.
	Parameters map[string]map[string]string
	// Notes are modelling remarks printed at start (what is approximated).
	Notes []string
}

// Distribution is a CloudFront distribution's configuration.
type Distribution struct {
	Ref               ResourceRef
	ID, DomainName    string
	ARN               string
	DefaultRootObject string
	// Behaviors are the cache behaviours in precedence order, the default
	// behaviour (PathPattern "*") last.
	Behaviors []*Behavior
	// Origins by id.
	Origins map[string]*Origin
	// ErrorResponses by error code.
	ErrorResponses map[int]*ErrorResponse
	// WebACL is nil without a web ACL.
	WebACL *WebACL
	// Geo is nil without a geographic restriction.
	Geo *GeoRestriction
	// HTTPVersion is the maximum HTTP version viewers may use.
	HTTPVersion string
}

// Behavior is one cache behaviour.
type Behavior struct {
	PathPattern     string
	Origin          *Origin
	ViewerProtocol  string
	AllowedMethods  map[string]bool
	CachedMethods   map[string]bool
	Compress        bool
	Cache           *CachePolicy
	OriginRequest   *OriginRequestPolicy
	ResponseHeaders *ResponseHeadersPolicy
	// Lambdas by event type (viewer-request, origin-request, origin-response, viewer-response).
	Lambdas map[string]*EdgeAssociation
	// Functions are CloudFront Functions by event type (viewer-request, viewer-response).
	Functions map[string]*CloudFrontFunction
}

// EdgeAssociation is a Lambda@Edge function on one event of a behaviour.
type EdgeAssociation struct {
	Function    *EdgeFunction
	IncludeBody bool
}

// EdgeFunction is a Lambda@Edge function version.
type EdgeFunction struct {
	Ref        ResourceRef
	Name       string
	VersionArn string
	Runtime    string
	Handler    string
	MemoryMB   int
	Timeout    int
	ZipPath    string
	Role       string
}

// CloudFrontFunction is a CloudFront Function.
type CloudFrontFunction struct {
	Ref     ResourceRef
	Name    string
	ARN     string
	Runtime string
	Code    string
}

// Origin is one origin of the distribution.
type Origin struct {
	ID         string
	DomainName string
	Path       string
	// Kind is "s3" or "function-url".
	Kind string
	// Bucket is the S3 bucket (Kind "s3").
	Bucket *Bucket
	// Function is the function behind the URL (Kind "function-url").
	Function *Function
	// OAC is the origin access control, nil without one.
	OAC *OAC
	// OAI is true for a legacy origin access identity.
	OAI bool
	// CustomHeaders are added to every origin request.
	CustomHeaders map[string]string
	// Protocol, Port, ReadTimeout and KeepaliveTimeout are the custom
	// origin settings (the Lambda@Edge event carries them).
	Protocol                      string
	Port                          int
	ReadTimeout, KeepaliveTimeout int
	SSLProtocols                  []string
}

// OAC is an origin access control.
type OAC struct {
	Ref ResourceRef
	// Type is s3, lambda, mediastore or mediapackagev2.
	Type string
	// Signing is always, never or no-override.
	Signing string
}

// ErrorResponse is a custom error response.
type ErrorResponse struct {
	ErrorCode    int
	ResponseCode int
	PagePath     string
	MinTTL       int64
}

// GeoRestriction allows or blocks viewer countries.
type GeoRestriction struct {
	// Type is whitelist or blacklist.
	Type      string
	Countries map[string]bool
}

// Bucket is an S3 bucket of the app.
type Bucket struct {
	Ref    ResourceRef
	Name   string
	Region string
	// Policy is the bucket policy document, nil without one.
	Policy map[string]any
}

// Deployment is a BucketDeployment: sources extracted into a bucket.
type Deployment struct {
	Ref          ResourceRef
	Bucket       *Bucket
	KeyPrefix    string
	Sources      []Asset
	Prune        bool
	Extract      bool
	Exclude      []string
	Include      []string
	ContentType  string
	CacheControl string
}

// Function is a regional Lambda function (Go or Node.js) behind a function URL.
type Function struct {
	Ref      ResourceRef
	Name     string
	ARN      string
	Region   string
	Runtime  string
	Handler  string
	Arch     string
	MemoryMB int
	Timeout  int
	Env      map[string]string
	ZipPath  string
	Role     string
	URL      *FunctionURL
	// Permissions are the function's resource policy statements (AWS::Lambda::Permission).
	Permissions []LambdaPermission
}

// FunctionURL is a Lambda function URL.
type FunctionURL struct {
	Ref        ResourceRef
	ID, Host   string
	AuthType   string
	InvokeMode string
}

// LambdaPermission is one AWS::Lambda::Permission of a function.
type LambdaPermission struct {
	Action          string
	Principal       string
	SourceArn       string
	SourceAccount   string
	FunctionURLAuth string
	InvokedViaURL   bool
}

// Table is a DynamoDB table.
type Table struct {
	Ref    ResourceRef
	Name   string
	Region string
	// Definition is the CreateTable input (AttributeDefinitions, KeySchema,
	// indexes, billing), straight from the template.
	Definition map[string]any
}

// Stream is a Firehose delivery stream with an S3 destination.
type Stream struct {
	Ref         ResourceRef
	Name        string
	Region      string
	Bucket      *Bucket
	Prefix      string
	ErrorPrefix string
	Compression string
	// MaxRecordBytes is Firehose's record limit.
	MaxRecordBytes int
}

// UnsupportedError is returned when the assembly uses a feature serve does
// not model; Feature names it.
type UnsupportedError struct {
	// Where is the resource path or property the feature is in.
	Where string
	// Feature names the unmodelled feature.
	Feature string
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("serve cannot model %s (%s)", e.Feature, e.Where)
}

func unsupported(where, feature string, args ...any) error {
	return &UnsupportedError{Where: where, Feature: fmt.Sprintf(feature, args...)}
}

var functionURLHost = regexp.MustCompile(`^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\.on\.aws$`)
var s3Host = regexp.MustCompile(`^(.+?)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$`)

// BuildModel reads the distribution and what it reaches from the assembly.
// distribution selects one by "<stack id>/<logical id>" when the app has
// several ("" otherwise).
func BuildModel(a *Assembly, distribution string) (*Model, error) {
	m := &Model{Assembly: a, Buckets: map[string]*Bucket{}, Functions: map[string]*Function{}, Parameters: map[string]map[string]string{}}
	if err := m.readBuckets(); err != nil {
		return nil, err
	}
	if err := m.readFunctions(); err != nil {
		return nil, err
	}
	if err := m.readParameters(); err != nil {
		return nil, err
	}
	dists := a.ResourcesOfType("AWS::CloudFront::Distribution")
	var ref ResourceRef
	switch {
	case distribution != "":
		for _, d := range dists {
			if d.Stack.ID+"/"+d.ID == distribution || d.Path() == distribution {
				ref = d
			}
		}
		if ref.Stack == nil {
			return nil, fmt.Errorf("no distribution %q in the assembly (have %s)", distribution, refList(dists))
		}
	case len(dists) == 0:
		return nil, fmt.Errorf("the cloud assembly has no AWS::CloudFront::Distribution to serve")
	case len(dists) > 1:
		return nil, fmt.Errorf("the cloud assembly has %d distributions (%s): choose one with -distribution", len(dists), refList(dists))
	default:
		ref = dists[0]
	}
	d, err := m.readDistribution(ref)
	if err != nil {
		return nil, err
	}
	m.Distribution = d
	if err := m.readDeployments(); err != nil {
		return nil, err
	}
	if err := m.readTables(); err != nil {
		return nil, err
	}
	if err := m.readStreams(); err != nil {
		return nil, err
	}
	return m, nil
}

func refList(refs []ResourceRef) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Stack.ID+"/"+r.ID)
	}
	return strings.Join(out, ", ")
}

func (m *Model) resolvedProps(ref ResourceRef) (map[string]any, error) {
	v, err := m.Assembly.Resolve(ref.Stack, ref.Resource().Properties)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.Path(), err)
	}
	props, _ := v.(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	return props, nil
}

func (m *Model) readBuckets() error {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::S3::Bucket") {
		name, err := a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID})
		if err != nil {
			return fmt.Errorf("%s: %w", ref.Path(), err)
		}
		m.Buckets[name] = &Bucket{Ref: ref, Name: name, Region: ref.Stack.Region}
	}
	for _, ref := range a.ResourcesOfType("AWS::S3::BucketPolicy") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		b := m.Buckets[str(props["Bucket"])]
		if b == nil {
			continue
		}
		doc, _ := props["PolicyDocument"].(map[string]any)
		if b.Policy == nil {
			b.Policy = doc
		} else {
			// Two policies on one bucket: CloudFormation keeps the last
			// one deployed; merge so that both are visible.
			b.Policy = map[string]any{"Statement": append(items(b.Policy["Statement"]), items(doc["Statement"])...)}
		}
	}
	return nil
}

func (m *Model) readFunctions() error {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::Lambda::Function") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			// Functions serve does not run may use unmodelled attributes
			// (e.g. a layer's ARN); only functions it needs must resolve.
			continue
		}
		arn, err := a.ResolveString(ref.Stack, map[string]any{"Fn::GetAtt": []any{ref.ID, "Arn"}})
		if err != nil {
			return fmt.Errorf("%s: %w", ref.Path(), err)
		}
		f := &Function{Ref: ref, Name: str(props["FunctionName"]), ARN: arn, Region: ref.Stack.Region,
			Runtime: str(props["Runtime"]), Handler: str(props["Handler"]), Arch: "x86_64",
			MemoryMB: int(num(props["MemorySize"])), Timeout: int(num(props["Timeout"])), Env: map[string]string{}, Role: str(props["Role"])}
		if f.Name == "" {
			f.Name = arn[strings.LastIndex(arn, ":")+1:]
		}
		if f.MemoryMB == 0 {
			f.MemoryMB = 128
		}
		if f.Timeout == 0 {
			f.Timeout = 3
		}
		if archs := items(props["Architectures"]); len(archs) > 0 {
			f.Arch = str(archs[0])
		}
		if env, _ := props["Environment"].(map[string]any); env != nil {
			vars, _ := env["Variables"].(map[string]any)
			for k, v := range vars {
				f.Env[k] = str(v)
			}
		}
		if code, _ := props["Code"].(map[string]any); code != nil {
			key := str(code["S3Key"])
			for _, as := range ref.Stack.Assets {
				if as.ObjectKey == key {
					f.ZipPath = as.Path
				}
			}
		}
		m.Functions[arn] = f
	}
	for _, ref := range a.ResourcesOfType("AWS::Lambda::Url") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		target := str(props["TargetFunctionArn"])
		f := m.functionByArnOrName(target, ref.Stack.Region)
		if f == nil {
			return fmt.Errorf("%s: function URL target %s is not a function of the app", ref.Path(), target)
		}
		if q := str(props["Qualifier"]); q != "" {
			return unsupported(ref.Path(), "a function URL on the alias or version %q", q)
		}
		u := urlID(ref.Stack, ref.ID)
		f.URL = &FunctionURL{Ref: ref, ID: u, Host: u + ".lambda-url." + ref.Stack.Region + ".on.aws",
			AuthType: str(props["AuthType"]), InvokeMode: str(props["InvokeMode"])}
		if f.URL.InvokeMode == "" {
			f.URL.InvokeMode = "BUFFERED"
		}
		if f.URL.InvokeMode != "BUFFERED" {
			return unsupported(ref.Path(), "function URL invoke mode %s (only BUFFERED)", f.URL.InvokeMode)
		}
		if _, ok := props["Cors"]; ok {
			m.Notes = append(m.Notes, fmt.Sprintf("%s: the function URL's own CORS settings are not applied locally", ref.Path()))
		}
	}
	for _, ref := range a.ResourcesOfType("AWS::Lambda::Permission") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		f := m.functionByArnOrName(str(props["FunctionName"]), ref.Stack.Region)
		if f == nil {
			continue
		}
		via, _ := props["InvokedViaFunctionUrl"].(bool)
		f.Permissions = append(f.Permissions, LambdaPermission{Action: str(props["Action"]), Principal: str(props["Principal"]),
			SourceArn: str(props["SourceArn"]), SourceAccount: str(props["SourceAccount"]),
			FunctionURLAuth: str(props["FunctionUrlAuthType"]), InvokedViaURL: via})
	}
	return nil
}

// functionByArnOrName finds a function by ARN (qualified or not) or by name in region.
func (m *Model) functionByArnOrName(s, region string) *Function {
	if f, ok := m.Functions[s]; ok {
		return f
	}
	if strings.HasPrefix(s, "arn:") {
		parts := strings.Split(s, ":")
		if len(parts) == 8 { // qualified
			return m.Functions[strings.Join(parts[:7], ":")]
		}
		return nil
	}
	for _, f := range m.Functions {
		if f.Name == s && f.Region == region {
			return f
		}
	}
	return nil
}

func (m *Model) readParameters() error {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::SSM::Parameter") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		name, err := a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID})
		if err != nil {
			return err
		}
		if m.Parameters[ref.Stack.Region] == nil {
			m.Parameters[ref.Stack.Region] = map[string]string{}
		}
		m.Parameters[ref.Stack.Region][name] = str(props["Value"])
	}
	return nil
}

func (m *Model) readDistribution(ref ResourceRef) (*Distribution, error) {
	a := m.Assembly
	props, err := m.resolvedProps(ref)
	if err != nil {
		return nil, err
	}
	cfg, _ := props["DistributionConfig"].(map[string]any)
	if cfg == nil {
		return nil, fmt.Errorf("%s: no DistributionConfig", ref.Path())
	}
	where := ref.Path()
	d := &Distribution{Ref: ref, Origins: map[string]*Origin{}, ErrorResponses: map[int]*ErrorResponse{},
		DefaultRootObject: str(cfg["DefaultRootObject"]), HTTPVersion: str(cfg["HttpVersion"])}
	d.ID, _ = a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID})
	d.DomainName, _ = a.ResolveString(ref.Stack, map[string]any{"Fn::GetAtt": []any{ref.ID, "DomainName"}})
	d.ARN = "arn:aws:cloudfront::" + a.Account + ":distribution/" + d.ID
	if b, ok := cfg["Enabled"].(bool); ok && !b {
		return nil, fmt.Errorf("%s: the distribution is disabled (Enabled: false); CloudFront would serve nothing", where)
	}
	for _, key := range []string{"OriginGroups"} {
		if og, _ := cfg[key].(map[string]any); og != nil && num(og["Quantity"]) > 0 || len(items(og["Items"])) > 0 {
			return nil, unsupported(where, "origin groups (origin failover)")
		}
	}
	if str(cfg["ContinuousDeploymentPolicyId"]) != "" || cfg["Staging"] == true {
		return nil, unsupported(where, "continuous deployment (staging distributions)")
	}
	for _, key := range []string{"CustomOrigin", "S3Origin", "ForwardedValues"} {
		if _, ok := cfg[key]; ok {
			return nil, unsupported(where, "the legacy distribution property %s", key)
		}
	}
	for _, o := range items(cfg["Origins"]) {
		om, _ := o.(map[string]any)
		origin, err := m.readOrigin(where, om)
		if err != nil {
			return nil, err
		}
		d.Origins[origin.ID] = origin
	}
	var behaviors []any
	behaviors = append(behaviors, items(cfg["CacheBehaviors"])...)
	def, _ := cfg["DefaultCacheBehavior"].(map[string]any)
	if def == nil {
		return nil, fmt.Errorf("%s: no DefaultCacheBehavior", where)
	}
	def = copyMap(def)
	def["PathPattern"] = "*"
	behaviors = append(behaviors, def)
	for i, b := range behaviors {
		bm, _ := b.(map[string]any)
		beh, err := m.readBehavior(fmt.Sprintf("%s behaviour %d (%s)", where, i, str(bm["PathPattern"])), bm, d)
		if err != nil {
			return nil, err
		}
		d.Behaviors = append(d.Behaviors, beh)
	}
	for _, e := range items(cfg["CustomErrorResponses"]) {
		em, _ := e.(map[string]any)
		er := &ErrorResponse{ErrorCode: int(num(em["ErrorCode"])), PagePath: str(em["ResponsePagePath"]), MinTTL: 10}
		if v, ok := em["ErrorCachingMinTTL"]; ok {
			er.MinTTL = num(v)
		}
		er.ResponseCode = er.ErrorCode
		if v, ok := em["ResponseCode"]; ok {
			er.ResponseCode = int(num(v))
		}
		if er.PagePath == "" && er.ResponseCode != er.ErrorCode {
			return nil, fmt.Errorf("%s: custom error response for %d sets ResponseCode without ResponsePagePath (CloudFront rejects that)", where, er.ErrorCode)
		}
		d.ErrorResponses[er.ErrorCode] = er
	}
	if r, _ := cfg["Restrictions"].(map[string]any); r != nil {
		g, _ := r["GeoRestriction"].(map[string]any)
		if t := str(g["RestrictionType"]); t == "whitelist" || t == "blacklist" {
			d.Geo = &GeoRestriction{Type: t, Countries: map[string]bool{}}
			for _, c := range items(g["Locations"]) {
				d.Geo.Countries[strings.ToUpper(str(c))] = true
			}
		}
	}
	if acl := str(cfg["WebACLId"]); acl != "" {
		w, err := m.readWebACL(where, acl)
		if err != nil {
			return nil, err
		}
		d.WebACL = w
	}
	return d, nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (m *Model) readOrigin(where string, om map[string]any) (*Origin, error) {
	a := m.Assembly
	o := &Origin{ID: str(om["Id"]), DomainName: str(om["DomainName"]), Path: str(om["OriginPath"]), CustomHeaders: map[string]string{},
		Protocol: "https", Port: 443, ReadTimeout: 30, KeepaliveTimeout: 5, SSLProtocols: []string{"TLSv1.2"}}
	where = where + " origin " + o.ID
	for _, h := range items(om["OriginCustomHeaders"]) {
		hm, _ := h.(map[string]any)
		o.CustomHeaders[str(hm["HeaderName"])] = str(hm["HeaderValue"])
	}
	if _, ok := om["VpcOriginConfig"]; ok {
		return nil, unsupported(where, "VPC origins")
	}
	if oacID := str(om["OriginAccessControlId"]); oacID != "" {
		for _, ref := range a.ResourcesOfType("AWS::CloudFront::OriginAccessControl") {
			if localPolicyID(ref.Stack, ref.ID) != oacID {
				continue
			}
			props, err := m.resolvedProps(ref)
			if err != nil {
				return nil, err
			}
			c, _ := props["OriginAccessControlConfig"].(map[string]any)
			o.OAC = &OAC{Ref: ref, Type: str(c["OriginAccessControlOriginType"]), Signing: str(c["SigningBehavior"])}
			if p := str(c["SigningProtocol"]); p != "sigv4" {
				return nil, unsupported(where, "origin access control signing protocol %q", p)
			}
		}
		if o.OAC == nil {
			return nil, fmt.Errorf("%s: origin access control %s is not defined in the app", where, oacID)
		}
	}
	if s3, ok := om["S3OriginConfig"].(map[string]any); ok {
		o.Kind = "s3"
		if str(s3["OriginAccessIdentity"]) != "" {
			o.OAI = true
		}
		mt := s3Host.FindStringSubmatch(o.DomainName)
		if mt == nil {
			return nil, unsupported(where, "the S3 origin domain %q (expected <bucket>.s3.<region>.amazonaws.com)", o.DomainName)
		}
		b := m.Buckets[mt[1]]
		if b == nil {
			return nil, unsupported(where, "an S3 origin on bucket %q, which the app does not create (serve reaches nothing outside the app)", mt[1])
		}
		o.Bucket = b
		return o, nil
	}
	c, _ := om["CustomOriginConfig"].(map[string]any)
	if c == nil {
		return nil, fmt.Errorf("%s: neither S3OriginConfig nor CustomOriginConfig", where)
	}
	o.Protocol = "https"
	switch pp := str(c["OriginProtocolPolicy"]); pp {
	case "http-only":
		o.Protocol = "http"
		o.Port = 80
		if v, ok := c["HTTPPort"]; ok {
			o.Port = int(num(v))
		}
	case "https-only", "match-viewer", "":
		if v, ok := c["HTTPSPort"]; ok {
			o.Port = int(num(v))
		}
	}
	if v, ok := c["OriginReadTimeout"]; ok {
		o.ReadTimeout = int(num(v))
	}
	if v, ok := c["OriginKeepaliveTimeout"]; ok {
		o.KeepaliveTimeout = int(num(v))
	}
	if l := items(c["OriginSSLProtocols"]); len(l) > 0 {
		o.SSLProtocols = nil
		for _, x := range l {
			o.SSLProtocols = append(o.SSLProtocols, str(x))
		}
	}
	if mt := functionURLHost.FindStringSubmatch(o.DomainName); mt != nil {
		for _, f := range m.Functions {
			if f.URL != nil && f.URL.ID == mt[1] {
				o.Kind = "function-url"
				o.Function = f
			}
		}
		if o.Function == nil {
			return nil, unsupported(where, "the function URL origin %s, which the app does not create", o.DomainName)
		}
		if o.Protocol != "https" || o.Port != 443 {
			return nil, fmt.Errorf("%s: function URLs answer HTTPS on port 443 only, the origin uses %s:%d", where, o.Protocol, o.Port)
		}
		return o, nil
	}
	if s3Host.MatchString(o.DomainName) {
		return nil, unsupported(where, "S3 website or access point endpoints as custom origins (%s)", o.DomainName)
	}
	return nil, unsupported(where, "the custom origin %s: it is outside the app and serve reaches nothing beyond 127.0.0.1", o.DomainName)
}

func methodSet(l []any, def ...string) map[string]bool {
	out := map[string]bool{}
	for _, x := range l {
		out[str(x)] = true
	}
	if len(out) == 0 {
		for _, x := range def {
			out[x] = true
		}
	}
	return out
}

func (m *Model) readBehavior(where string, bm map[string]any, d *Distribution) (*Behavior, error) {
	b := &Behavior{PathPattern: str(bm["PathPattern"]), ViewerProtocol: str(bm["ViewerProtocolPolicy"]),
		AllowedMethods: methodSet(items(bm["AllowedMethods"]), "GET", "HEAD"),
		CachedMethods:  methodSet(items(bm["CachedMethods"]), "GET", "HEAD"),
		Lambdas:        map[string]*EdgeAssociation{}, Functions: map[string]*CloudFrontFunction{}}
	b.Compress, _ = bm["Compress"].(bool)
	b.Origin = d.Origins[str(bm["TargetOriginId"])]
	if b.Origin == nil {
		return nil, fmt.Errorf("%s: target origin %q is not an origin of the distribution", where, str(bm["TargetOriginId"]))
	}
	if _, ok := bm["ForwardedValues"]; ok {
		return nil, unsupported(where, "legacy cache settings (ForwardedValues, MinTTL...): use a cache policy")
	}
	for _, k := range []string{"TrustedKeyGroups", "TrustedSigners"} {
		if len(items(bm[k])) > 0 {
			return nil, unsupported(where, "signed URLs and signed cookies (%s)", k)
		}
	}
	if str(bm["FieldLevelEncryptionId"]) != "" {
		return nil, unsupported(where, "field-level encryption")
	}
	if s, _ := bm["SmoothStreaming"].(bool); s {
		return nil, unsupported(where, "Microsoft Smooth Streaming")
	}
	if g := str(bm["GrpcConfig"]); g != "" {
		return nil, unsupported(where, "gRPC")
	}
	switch b.ViewerProtocol {
	case "allow-all", "redirect-to-https", "https-only":
	default:
		return nil, fmt.Errorf("%s: viewer protocol policy %q", where, b.ViewerProtocol)
	}
	cp := str(bm["CachePolicyId"])
	if cp == "" {
		return nil, unsupported(where, "a behaviour without a cache policy")
	}
	var err error
	if b.Cache, err = m.cachePolicy(cp); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if id := str(bm["OriginRequestPolicyId"]); id != "" {
		if b.OriginRequest, err = m.originRequestPolicy(id); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	if id := str(bm["ResponseHeadersPolicyId"]); id != "" {
		if b.ResponseHeaders, err = m.responseHeadersPolicy(id); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	for _, l := range items(bm["LambdaFunctionAssociations"]) {
		lm, _ := l.(map[string]any)
		ev := str(lm["EventType"])
		fn, err := m.edgeFunction(where, str(lm["LambdaFunctionARN"]))
		if err != nil {
			return nil, err
		}
		body, _ := lm["IncludeBody"].(bool)
		if body && ev != "viewer-request" && ev != "origin-request" {
			return nil, fmt.Errorf("%s: IncludeBody on %s (CloudFront allows it on request events only)", where, ev)
		}
		if err := edgeLimits(fn, ev); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if _, dup := b.Lambdas[ev]; dup {
			return nil, fmt.Errorf("%s: two Lambda@Edge functions on %s", where, ev)
		}
		b.Lambdas[ev] = &EdgeAssociation{Function: fn, IncludeBody: body}
	}
	for _, l := range items(bm["FunctionAssociations"]) {
		lm, _ := l.(map[string]any)
		ev := str(lm["EventType"])
		if ev != "viewer-request" && ev != "viewer-response" {
			return nil, fmt.Errorf("%s: CloudFront Function on %s (viewer events only)", where, ev)
		}
		if _, clash := b.Lambdas[ev]; clash {
			return nil, fmt.Errorf("%s: a CloudFront Function and a Lambda@Edge function both on %s (CloudFront rejects that)", where, ev)
		}
		fn, err := m.cloudFrontFunction(where, str(lm["FunctionARN"]))
		if err != nil {
			return nil, err
		}
		b.Functions[ev] = fn
	}
	return b, nil
}

func (m *Model) findPolicy(typ, id string) (map[string]any, error) {
	for _, ref := range m.Assembly.ResourcesOfType(typ) {
		if localPolicyID(ref.Stack, ref.ID) == id {
			return m.resolvedProps(ref)
		}
	}
	return nil, nil
}

func (m *Model) cachePolicy(id string) (*CachePolicy, error) {
	return lookupPolicy(m, id, "AWS::CloudFront::CachePolicy", "cache policy", managedCachePolicies,
		func(p *CachePolicy) { p.ID = id }, parseCachePolicy)
}

func (m *Model) originRequestPolicy(id string) (*OriginRequestPolicy, error) {
	return lookupPolicy(m, id, "AWS::CloudFront::OriginRequestPolicy", "origin request policy", managedOriginRequestPolicies,
		func(p *OriginRequestPolicy) { p.ID = id }, parseOriginRequestPolicy)
}

func (m *Model) responseHeadersPolicy(id string) (*ResponseHeadersPolicy, error) {
	return lookupPolicy(m, id, "AWS::CloudFront::ResponseHeadersPolicy", "response headers policy", managedResponseHeadersPolicies,
		func(p *ResponseHeadersPolicy) { p.ID = id }, parseResponseHeadersPolicy)
}

// lookupPolicy resolves a policy id: a copy of the managed policy's settings,
// or the app's own policy resource of type typ, parsed.
func lookupPolicy[P any](m *Model, id, typ, what string, managed map[string]*P, setID func(*P),
	parse func(string, map[string]any) (*P, error)) (*P, error) {
	if p, ok := managed[id]; ok {
		c := *p
		setID(&c)
		return &c, nil
	}
	props, err := m.findPolicy(typ, id)
	if err != nil {
		return nil, err
	}
	if props == nil {
		return nil, unsupported(what+" "+id, "a %s that is neither managed nor in the app", what)
	}
	return parse(id, props)
}

// edgeFunction follows a version ARN to the function and its code asset.
func (m *Model) edgeFunction(where, arn string) (*EdgeFunction, error) {
	a := m.Assembly
	parts := strings.Split(arn, ":")
	if len(parts) != 8 {
		return nil, fmt.Errorf("%s: Lambda@Edge needs a numbered function version, got %q", where, arn)
	}
	if _, err := strconv.Atoi(parts[7]); err != nil {
		return nil, fmt.Errorf("%s: Lambda@Edge needs a numbered function version, not %q", where, parts[7])
	}
	if parts[3] != "us-east-1" {
		return nil, fmt.Errorf("%s: Lambda@Edge functions must be in us-east-1, %s is in %s", where, arn, parts[3])
	}
	for _, ref := range a.ResourcesOfType("AWS::Lambda::Version") {
		v, err := a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID})
		if err != nil || v != arn {
			continue
		}
		f := m.Functions[strings.Join(parts[:7], ":")]
		if f == nil {
			return nil, fmt.Errorf("%s: the function of version %s is not in the app", where, arn)
		}
		if !strings.HasPrefix(f.Runtime, "nodejs") {
			return nil, unsupported(f.Ref.Path(), "Lambda@Edge runtime %q (serve runs Node.js edge functions)", f.Runtime)
		}
		if f.Arch != "x86_64" {
			return nil, fmt.Errorf("%s: Lambda@Edge runs x86_64 only, the function is %s", f.Ref.Path(), f.Arch)
		}
		if len(f.Env) > 0 {
			return nil, fmt.Errorf("%s: Lambda@Edge functions cannot have environment variables", f.Ref.Path())
		}
		if f.ZipPath == "" {
			return nil, fmt.Errorf("%s: the function's code is not a staged asset of the assembly (inline code is not modelled)", f.Ref.Path())
		}
		return &EdgeFunction{Ref: f.Ref, Name: f.Name, VersionArn: arn, Runtime: f.Runtime, Handler: f.Handler,
			MemoryMB: f.MemoryMB, Timeout: f.Timeout, ZipPath: f.ZipPath, Role: f.Role}, nil
	}
	return nil, fmt.Errorf("%s: no AWS::Lambda::Version in the app has the ARN %s", where, arn)
}

// edgeLimits are the quotas CloudFront checks when a function version is
// associated with an event: viewer events 128 MB, 5 s and 1 MB of zipped
// code; origin events 30 s and 50 MB.
func edgeLimits(fn *EdgeFunction, event string) error {
	viewer := strings.HasPrefix(event, "viewer-")
	st, err := os.Stat(fn.ZipPath)
	if err != nil {
		return fmt.Errorf("code of %s: %w", fn.Name, err)
	}
	var problems []string
	if viewer && fn.MemoryMB > 128 {
		problems = append(problems, fmt.Sprintf("memory %d MB (viewer events allow 128)", fn.MemoryMB))
	}
	if viewer && fn.Timeout > 5 || fn.Timeout > 30 {
		problems = append(problems, fmt.Sprintf("timeout %d s (viewer events allow 5, origin events 30)", fn.Timeout))
	}
	if viewer && st.Size() > 1<<20 || st.Size() > 50<<20 {
		problems = append(problems, fmt.Sprintf("zipped code %d bytes (viewer events allow 1 MB, origin events 50 MB)", st.Size()))
	}
	if len(problems) > 0 {
		return fmt.Errorf("CloudFront would refuse %s on %s: %s", fn.Name, event, strings.Join(problems, "; "))
	}
	return nil
}

func (m *Model) cloudFrontFunction(where, arn string) (*CloudFrontFunction, error) {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::CloudFront::Function") {
		v, err := a.ResolveString(ref.Stack, map[string]any{"Fn::GetAtt": []any{ref.ID, "FunctionARN"}})
		if err != nil || v != arn {
			continue
		}
		props, err := m.resolvedProps(ref)
		if err != nil {
			return nil, err
		}
		c, _ := props["FunctionConfig"].(map[string]any)
		f := &CloudFrontFunction{Ref: ref, Name: str(props["Name"]), ARN: arn, Runtime: str(c["Runtime"]), Code: str(props["FunctionCode"])}
		if len(items(c["KeyValueStoreAssociations"])) > 0 {
			return nil, unsupported(ref.Path(), "CloudFront KeyValueStore associations")
		}
		if f.Runtime != "cloudfront-js-1.0" && f.Runtime != "cloudfront-js-2.0" {
			return nil, unsupported(ref.Path(), "CloudFront Functions runtime %q", f.Runtime)
		}
		if len(f.Code) > 10*1024 {
			return nil, fmt.Errorf("%s: CloudFront Function code is %d bytes, over the 10 KB limit", ref.Path(), len(f.Code))
		}
		if auto, ok := props["AutoPublish"].(bool); ok && !auto {
			m.Notes = append(m.Notes, fmt.Sprintf("%s: AutoPublish is false; serve runs the code as if published (LIVE)", ref.Path()))
		}
		return f, nil
	}
	return nil, fmt.Errorf("%s: no AWS::CloudFront::Function in the app has the ARN %s", where, arn)
}

func (m *Model) readDeployments() error {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("Custom::CDKBucketDeployment") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		d := &Deployment{Ref: ref, KeyPrefix: str(props["DestinationBucketKeyPrefix"]), Prune: true, Extract: true}
		if v, ok := props["Prune"].(bool); ok {
			d.Prune = v
		}
		if v, ok := props["Extract"].(bool); ok {
			d.Extract = v
		}
		d.Bucket = m.Buckets[str(props["DestinationBucketName"])]
		if d.Bucket == nil {
			return unsupported(ref.Path(), "a bucket deployment into %q, a bucket outside the app", str(props["DestinationBucketName"]))
		}
		for _, mk := range items(props["SourceMarkers"]) {
			if mm, _ := mk.(map[string]any); len(mm) > 0 {
				return unsupported(ref.Path(), "bucket deployment sources with deploy-time markers (Source.data/jsonData with tokens)")
			}
		}
		for _, k := range items(props["SourceObjectKeys"]) {
			key := str(k)
			var found bool
			for _, as := range ref.Stack.Assets {
				if as.ObjectKey == key {
					d.Sources = append(d.Sources, as)
					found = true
				}
			}
			if !found {
				return fmt.Errorf("%s: source %s is not an asset of the assembly", ref.Path(), key)
			}
		}
		for _, x := range items(props["Exclude"]) {
			d.Exclude = append(d.Exclude, str(x))
		}
		for _, x := range items(props["Include"]) {
			d.Include = append(d.Include, str(x))
		}
		if sm, _ := props["SystemMetadata"].(map[string]any); sm != nil {
			d.ContentType = str(sm["content-type"])
			d.CacheControl = str(sm["cache-control"])
		}
		m.Deployments = append(m.Deployments, d)
	}
	return nil
}

func (m *Model) readTables() error {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::DynamoDB::Table") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		name, err := a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID})
		if err != nil {
			return err
		}
		def := map[string]any{"TableName": name}
		for _, k := range []string{"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode", "ProvisionedThroughput"} {
			if v, ok := props[k]; ok {
				def[k] = v
			}
		}
		if def["BillingMode"] == nil {
			def["BillingMode"] = "PROVISIONED"
		}
		m.Tables = append(m.Tables, &Table{Ref: ref, Name: name, Region: ref.Stack.Region, Definition: def})
	}
	return nil
}

func (m *Model) readStreams() error {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::KinesisFirehose::DeliveryStream") {
		props, err := m.resolvedProps(ref)
		if err != nil {
			return err
		}
		name, err := a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID})
		if err != nil {
			return err
		}
		s := &Stream{Ref: ref, Name: name, Region: ref.Stack.Region, MaxRecordBytes: 1000 * 1024}
		if t := str(props["DeliveryStreamType"]); t != "" && t != "DirectPut" {
			return unsupported(ref.Path(), "Firehose stream type %s (only DirectPut)", t)
		}
		dest, _ := props["ExtendedS3DestinationConfiguration"].(map[string]any)
		if dest == nil {
			dest, _ = props["S3DestinationConfiguration"].(map[string]any)
		}
		if dest == nil {
			return unsupported(ref.Path(), "Firehose destinations other than S3")
		}
		if pc, _ := dest["ProcessingConfiguration"].(map[string]any); pc != nil && pc["Enabled"] == true {
			return unsupported(ref.Path(), "Firehose record processing (Lambda transformation)")
		}
		if dp, _ := dest["DynamicPartitioningConfiguration"].(map[string]any); dp != nil && dp["Enabled"] == true {
			return unsupported(ref.Path(), "Firehose dynamic partitioning")
		}
		bucket := strings.TrimPrefix(str(dest["BucketARN"]), "arn:aws:s3:::")
		s.Bucket = m.Buckets[bucket]
		if s.Bucket == nil {
			return unsupported(ref.Path(), "a Firehose destination bucket outside the app (%s)", bucket)
		}
		s.Prefix = str(dest["Prefix"])
		s.ErrorPrefix = str(dest["ErrorOutputPrefix"])
		s.Compression = str(dest["CompressionFormat"])
		m.Streams = append(m.Streams, s)
	}
	sort.Slice(m.Streams, func(i, j int) bool { return m.Streams[i].Region < m.Streams[j].Region })
	return nil
}
