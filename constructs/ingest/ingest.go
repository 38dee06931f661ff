package ingest

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/crossregion"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	ingestfn "github.com/edgekit/edgekit/functions/ingest"
)

// Defaults and platform limits behind them.
const (
	// DefaultPath is the URI the ingest behavior and handler answer on.
	DefaultPath = "/ingest"
	// DefaultEntry is the ingest handler's entry module inside functions/ingest.
	DefaultEntry = "index.js"
	// FirehoseMaxBatchRecords is PutRecordBatch's limit on records per call.
	FirehoseMaxBatchRecords = 500
	// FirehoseMaxRecordBytes is Firehose's limit on one record's data (1,000 KiB)
	// before base64 encoding.
	FirehoseMaxRecordBytes = 1_024_000
	// FirehoseMaxBatchBytes is PutRecordBatch's limit on one call (4 MiB).
	FirehoseMaxBatchBytes = 4 << 20
	// DefaultMemorySizeMB gives the function more CPU than the 128 MB minimum:
	// Lambda allocates CPU in proportion to memory, and the handler parses and
	// re-frames up to 1 MB of JSON and signs requests per invocation.
	DefaultMemorySizeMB = 256
	// DefaultTimeoutSeconds is the origin-request maximum, so retries and
	// failover to another region fit in one invocation.
	DefaultTimeoutSeconds = edgefunction.OriginMaxTimeoutSecs
	// MinTimeoutSeconds keeps at least one Firehose call (RequestTimeoutMs) plus
	// the safety margin inside the time budget.
	MinTimeoutSeconds = 5

	// Retry and time-budget settings baked into the handler's config. The
	// budget leaves budgetReserveMs of the Lambda timeout for building and
	// returning the response after the last Firehose call.
	defaultMaxAttempts       = 4
	defaultBaseBackoffMs     = 50
	defaultMaxBackoffMs      = 1000
	defaultRequestTimeoutMs  = 3000
	budgetReserveMs          = 3000
	defaultSafetyMarginMs    = 1500
	defaultRetryAfterSeconds = 1
)

var (
	// Firehose delivery stream names: 1-64 of [a-zA-Z0-9_.-].
	streamNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)
	// An exact CloudFront path pattern: no wildcards ('*', '?'), because the
	// handler compares the URI exactly and a wildcard would route other paths
	// to it; at least one character after the leading '/', because "/" alone
	// would shadow the site root.
	pathRe = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$`)
)

// EdgeIngestProps configures an EdgeIngest.
type EdgeIngestProps struct {
	// StreamName is the Firehose delivery stream's name, the same in every
	// ingest region (see NewDelivery).
	StreamName string
	// Regions are the ingest regions, each with a Delivery of StreamName, in
	// order of preference. The edge picks the nearest first (RegionOrder); this
	// order is the tie-breaker and the fallback for unknown edge regions.
	Regions []string
	// Path is the exact URI accepted, also the behavior's path pattern.
	// Default: "/ingest".
	Path string
	// MaxRecords is the most records one request may carry; at most 500, the
	// PutRecordBatch limit, so one request never needs more than one call per
	// attempt. Default: 500.
	MaxRecords int
	// MaxRecordBytes is the largest record after framing; at most 1,024,000,
	// Firehose's per-record limit. Default: 1,024,000.
	MaxRecordBytes int
	// MaxBatchBytes caps the bytes of one PutRecordBatch call; at most 4 MiB,
	// Firehose's per-call limit. Default: 4,194,304.
	MaxBatchBytes int
	// MemorySize of the function in MB. Default: 256.
	MemorySize float64
	// Timeout of one invocation, whole seconds from 5 to 30 (the origin-request
	// maximum). The handler stops starting Firehose calls 3 s before it.
	// Default: 30 seconds.
	Timeout awscdk.Duration
	// FunctionName of the Lambda function. Default: a unique name derived
	// from the construct path.
	FunctionName string
	// ParameterName of the SSM parameter receiving the version ARN.
	// Default: derived from the function name (edgefunction), so unique.
	ParameterName string
	// LogRetention of the function's us-east-1 log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// Sources holds the handler modules. Default: functions/ingest.
	Sources fs.FS
	// Lib holds the shared edge library. Default: functions/edgelib.
	Lib fs.FS
	// Entry is the handler's entry module inside Sources.
	// Default: "index.js".
	Entry string
}

// HandlerConfig is the ingest handler's synth-time configuration, injected as
// the module "edgekit:config" (Lambda@Edge allows no environment variables).
// The JSON field names are the contract with functions/ingest/index.js, which
// refuses to start without any of them.
type HandlerConfig struct {
	// Path is the exact URI accepted; anything else is answered 404.
	Path string `json:"path"`
	// StreamName is the delivery stream's name in every region.
	StreamName string `json:"streamName"`
	// MaxRecords per request.
	MaxRecords int `json:"maxRecords"`
	// MaxRecordBytes per framed record.
	MaxRecordBytes int `json:"maxRecordBytes"`
	// MaxBatchBytes per PutRecordBatch call.
	MaxBatchBytes int `json:"maxBatchBytes"`
	// RegionOrder maps each edge region (the replica's AWS_REGION) to the
	// ingest regions, nearest first.
	RegionOrder map[string][]string `json:"regionOrder"`
	// DefaultOrder is used in an edge region missing from RegionOrder.
	DefaultOrder []string `json:"defaultOrder"`
	// MaxAttempts is the number of PutRecordBatch calls per request, across regions.
	MaxAttempts int `json:"maxAttempts"`
	// BaseBackoffMs is the first retry delay (exponential, with jitter).
	BaseBackoffMs int `json:"baseBackoffMs"`
	// MaxBackoffMs caps one retry delay.
	MaxBackoffMs int `json:"maxBackoffMs"`
	// RequestTimeoutMs bounds one HTTP call to Firehose.
	RequestTimeoutMs int `json:"requestTimeoutMs"`
	// BudgetMs is the time after which no call is started: the Lambda timeout
	// minus 3 s for answering.
	BudgetMs int `json:"budgetMs"`
	// SafetyMarginMs is kept free of the remaining invocation time as reported
	// by the Lambda context, which also covers cold-start time already spent.
	SafetyMarginMs int `json:"safetyMarginMs"`
	// RetryAfterSeconds is sent with 429/503 answers.
	RetryAfterSeconds int `json:"retryAfterSeconds"`
}

// EdgeIngest is the Lambda@Edge half of global ingestion: an origin-request
// function that accepts POSTed JSON records and writes them, with
// PutRecordBatch, to the Firehose stream in the ingest region nearest to the
// edge, failing over to the next nearest.
//
// Why origin request: with include-body, CloudFront hands an origin-request
// function up to 1 MB of body and allows it 30 s, against 40 KB and 5 s on
// viewer request (quotas on Lambda@Edge). The function generates the response
// itself, so the behavior's origin is never contacted. Each invocation runs in
// a replica in the AWS Region of the CloudFront regional edge cache serving the
// viewer, not at the edge location: that Region (the replica's AWS_REGION) is
// what RegionOrder keys the nearest Firehose on.
//
// Create it in a us-east-1 stack; attach it with AddBehavior in the
// distribution's stack, importing the version through Reference.
type EdgeIngest struct {
	constructs.Construct
	// Function is the Lambda@Edge function with its version and SSM publication.
	Function *edgefunction.EdgeFunction
	// HandlerConfig is the configuration baked into the bundle.
	HandlerConfig HandlerConfig
	// Reference locates the published version ARN (edgefunction.ImportVersion).
	Reference crossregion.Reference
}

// errList collects validation problems so a constructor can report all at once.
type errList []string

func (e *errList) add(format string, a ...any) { *e = append(*e, fmt.Sprintf(format, a...)) }

func (e errList) panicIfAny(what, id string) {
	if len(e) > 0 {
		panic(fmt.Sprintf("%s %q: invalid props:\n  - %s", what, id, strings.Join(e, "\n  - ")))
	}
}

// wholeSeconds returns d in seconds and whether it is a whole number of them.
func wholeSeconds(d awscdk.Duration) (float64, bool) {
	ms := *d.ToMilliseconds(nil)
	return ms / 1000, ms == float64(int64(ms/1000))*1000
}

// validateRegions checks an ingest region list: non-empty, region-shaped, unique.
func validateRegions(errs *errList, regions []string) {
	if len(regions) == 0 {
		errs.add("Regions is empty: name at least one ingest region with a delivery stream")
	}
	seen := map[string]bool{}
	for _, r := range regions {
		switch {
		case !config.RegionRe.MatchString(r):
			errs.add("Regions contains %q, which is not an AWS region name like \"eu-central-1\"", r)
		case seen[r]:
			errs.add("Regions contains %q twice", r)
		}
		seen[r] = true
	}
}

func validatePath(errs *errList, path string) {
	if !pathRe.MatchString(path) || strings.Contains(path, "//") {
		errs.add("Path %q must be an exact path like \"/ingest\": '/' then [A-Za-z0-9._~/-], no wildcards ('*', '?'), no trailing '/'", path)
	}
}

// NewEdgeIngest validates props and creates the ingest function. It panics with
// one message naming every invalid value.
func NewEdgeIngest(scope constructs.Construct, id string, props *EdgeIngestProps) *EdgeIngest {
	if props == nil {
		props = &EdgeIngestProps{}
	}
	p := *props
	if p.Path == "" {
		p.Path = DefaultPath
	}
	if p.MaxRecords == 0 {
		p.MaxRecords = FirehoseMaxBatchRecords
	}
	if p.MaxRecordBytes == 0 {
		p.MaxRecordBytes = FirehoseMaxRecordBytes
	}
	if p.MaxBatchBytes == 0 {
		p.MaxBatchBytes = FirehoseMaxBatchBytes
	}
	if p.MemorySize == 0 {
		p.MemorySize = DefaultMemorySizeMB
	}
	if p.Timeout == nil {
		p.Timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	if p.Sources == nil {
		p.Sources = ingestfn.Sources
	}
	if p.Entry == "" {
		p.Entry = DefaultEntry
	}

	var errs errList
	region := *awscdk.Stack_Of(scope).Region()
	if !*awscdk.Token_IsUnresolved(jsii.String(region)) && region != edgefunction.EdgeRegion {
		errs.add("stack region is %q: Lambda@Edge functions must be created in %s", region, edgefunction.EdgeRegion)
	}
	if !streamNameRe.MatchString(p.StreamName) {
		errs.add("StreamName %q must be 1-64 characters of [a-zA-Z0-9_.-]", p.StreamName)
	}
	validateRegions(&errs, p.Regions)
	validatePath(&errs, p.Path)
	if p.MaxRecords < 1 || p.MaxRecords > FirehoseMaxBatchRecords {
		errs.add("MaxRecords %d must be 1..%d (records per PutRecordBatch call)", p.MaxRecords, FirehoseMaxBatchRecords)
	}
	if p.MaxRecordBytes < 1 || p.MaxRecordBytes > FirehoseMaxRecordBytes {
		errs.add("MaxRecordBytes %d must be 1..%d (Firehose's 1,000 KiB record limit)", p.MaxRecordBytes, FirehoseMaxRecordBytes)
	}
	if p.MaxBatchBytes < 1 || p.MaxBatchBytes > FirehoseMaxBatchBytes {
		errs.add("MaxBatchBytes %d must be 1..%d (PutRecordBatch's 4 MiB limit)", p.MaxBatchBytes, FirehoseMaxBatchBytes)
	} else if p.MaxRecordBytes > p.MaxBatchBytes {
		errs.add("MaxRecordBytes %d exceeds MaxBatchBytes %d: a largest record would fit in no batch", p.MaxRecordBytes, p.MaxBatchBytes)
	}
	if p.MemorySize < edgefunction.MinMemoryMB || p.MemorySize > edgefunction.OriginMaxMemoryMB {
		errs.add("MemorySize %v MB must be %d..%d (origin-request limits)", p.MemorySize, edgefunction.MinMemoryMB, edgefunction.OriginMaxMemoryMB)
	}
	secs, whole := wholeSeconds(p.Timeout)
	if !whole || secs < MinTimeoutSeconds || secs > edgefunction.OriginMaxTimeoutSecs {
		errs.add("Timeout %vs must be whole seconds from %d to %d: origin-request functions allow at most %ds, "+
			"and the handler needs %d ms for answering plus one %d ms Firehose call",
			secs, MinTimeoutSeconds, edgefunction.OriginMaxTimeoutSecs, edgefunction.OriginMaxTimeoutSecs, budgetReserveMs, defaultRequestTimeoutMs)
	}
	errs.panicIfAny("ingest.NewEdgeIngest", id)

	cfg := HandlerConfig{
		Path:              p.Path,
		StreamName:        p.StreamName,
		MaxRecords:        p.MaxRecords,
		MaxRecordBytes:    p.MaxRecordBytes,
		MaxBatchBytes:     p.MaxBatchBytes,
		RegionOrder:       RegionOrder(p.Regions),
		DefaultOrder:      append([]string(nil), p.Regions...),
		MaxAttempts:       defaultMaxAttempts,
		BaseBackoffMs:     defaultBaseBackoffMs,
		MaxBackoffMs:      defaultMaxBackoffMs,
		RequestTimeoutMs:  defaultRequestTimeoutMs,
		BudgetMs:          int(secs)*1000 - budgetReserveMs,
		SafetyMarginMs:    defaultSafetyMarginMs,
		RetryAfterSeconds: defaultRetryAfterSeconds,
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	fn := edgefunction.NewEdgeFunction(c, "Function", &edgefunction.EdgeFunctionProps{
		Sources:     p.Sources,
		Lib:         p.Lib,
		Entry:       p.Entry,
		Config:      cfg,
		EventTypes:  []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST},
		IncludeBody: true,
		// The function name must be known up front: edgefunction scopes the
		// replica log permissions to it.
		FunctionName:  p.FunctionName,
		Description:   "edgekit ingest: POST " + p.Path + " to Firehose " + p.StreamName,
		MemorySize:    p.MemorySize,
		Timeout:       p.Timeout,
		LogRetention:  p.LogRetention,
		ParameterName: p.ParameterName,
	})

	// Least privilege: one action on the named stream in each ingest region.
	// Partition and account stay pseudo parameters, so the template works in
	// any account; the region is explicit because replicas call other regions.
	stack := awscdk.Stack_Of(c)
	var arns []*string
	for _, r := range p.Regions {
		arns = append(arns, stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("firehose"),
			Region:       jsii.String(r),
			Resource:     jsii.String("deliverystream"),
			ResourceName: jsii.String(p.StreamName),
		}))
	}
	fn.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PutRecordBatch"),
		Actions:   jsii.Strings("firehose:PutRecordBatch"),
		Resources: &arns,
	}))

	return &EdgeIngest{Construct: c, Function: fn, HandlerConfig: cfg, Reference: fn.Reference}
}
