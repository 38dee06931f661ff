// Package ingest provides the constructs for global data ingestion: clients
// POST JSON records to a CloudFront path, a Lambda@Edge origin-request function
// writes them to Amazon Data Firehose in the ingest region nearest to the edge,
// and Firehose delivers them, compressed and partitioned by hour, to S3.
//
//	client ─POST /ingest─► CloudFront ─► regional edge cache (origin request)
//	                                        │ Lambda@Edge: validate, frame, answer 202
//	                                        ▼ PutRecordBatch, nearest region first
//	                       Firehose <StreamName> in each ingest region ─► S3 bucket
//
// Three pieces, for three kinds of stack:
//
//   - NewEdgeIngest, in the us-east-1 stack (Lambda@Edge functions must be created
//     there): the function, its synth-time configuration (HandlerConfig, with the
//     nearest-region table from RegionOrder) and a least-privilege grant of
//     firehose:PutRecordBatch on the stream in each ingest region.
//   - NewDelivery, in one stack per ingest region: the Direct PUT stream with the
//     same name everywhere and its regional bucket.
//   - AddBehavior, in the distribution's stack, in any region: the behavior that
//     routes Path to the function, with the version imported through
//     edgefunction.ImportVersion(stack, id, edgeIngest.Reference).
//
// The function answers every request itself, so the behavior's origin is never
// contacted. The response says 202 only after Firehose acknowledged every
// record; otherwise the client is asked to retry, so delivery is at least once.
package ingest
