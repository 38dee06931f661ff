// Global data ingestion at the edge: an origin-request Lambda@Edge handler that
// stores JSON records in Amazon Data Firehose and answers every request itself
// (the origin is never reached).
//
// Why origin-request: with include-body, CloudFront passes up to 1 MB of body
// and allows 30 s there, against 40 KB and 5 s on viewer-request.
//
// Delivery contract (at-least-once):
//   - 202 {"accepted": N} is returned only when Firehose acknowledged every record
//     (a RecordId for each). Nothing is acknowledged before it is stored.
//   - Otherwise 503 "unavailable" (429 "throttled" when throttling was the last
//     failure) with Retry-After. Some records may already be stored; the client
//     cannot know which, so it should resend the whole request. Records can
//     therefore arrive more than once: within one invocation a retried record is
//     byte-identical (same receivedAt and requestId); a client's resend gets a new
//     CloudFront requestId, so consumers that need exactly-once de-duplicate on
//     the Idempotency-Key (below) or an id the client puts in each record.
//     A client that sends an Idempotency-Key header gets it stored in every
//     record's metadata; resending with the same key lets consumers de-duplicate
//     exactly.
//   - Bad input is rejected with a 4xx before anything is sent to Firehose.
//
// Privacy: responses and logs never contain the payload, the function ARN, the
// Firehose request ids or internal error messages. One JSON log line per request.
import config from "edgekit:config";
import { requireConfig } from "edgekit:lib/config";
import { cfRecord, errorResponse, header, jsonResponse, MalformedEventError, safeResponse } from "edgekit:lib/response";
import { bodyText, frameRecords, IngestInputError, mediaKind, splitValues } from "./parse.js";
import { deliver } from "./firehose.js";

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

const cfg = requireConfig(config, "ingest", [
  "path", "streamName", "maxRecords", "maxRecordBytes", "maxBatchBytes", "regionOrder", "defaultOrder",
  "maxAttempts", "baseBackoffMs", "maxBackoffMs", "requestTimeoutMs", "budgetMs", "safetyMarginMs", "retryAfterSeconds",
]);

/**
 * Lambda@Edge origin-request handler. Never throws: every outcome is a
 * CloudFront generated response.
 * @param {object} event CloudFront event.
 * @param {{getRemainingTimeInMillis?: () => number}} context Lambda context.
 */
export const handler = async (event, context) => {
  const started = Date.now();
  const log = { handler: "ingest", status: 0 };
  let response;
  try {
    response = await handle(event, context, started, log);
  } catch (err) {
    if (err instanceof MalformedEventError) {
      log.error = "bad_request";
      response = safeResponse(() => errorResponse(400, "bad_request", "The event is not a CloudFront request event."));
    } else {
      // Log the error class only: messages (e.g. from JSON.parse) can quote input.
      log.error = "internal_error";
      log.exception = err && err.name ? String(err.name) : typeof err;
      response = safeResponse(() => errorResponse(500, "internal_error", "The request could not be processed."));
    }
  }
  log.status = Number(response.status);
  log.ms = Date.now() - started;
  try {
    console.log(JSON.stringify(log));
  } catch {
    // logging must not turn a response into a failure
  }
  return response;
};

async function handle(event, context, started, log) {
  const { request, config: cf } = cfRecord(event);
  log.requestId = cf && typeof cf.requestId === "string" ? cf.requestId : undefined;

  // Path before method: an unknown resource is 404 whatever the method.
  if (request.uri !== cfg.path) return reject(log, 404, "not_found", "No such resource.");
  if (request.method !== "POST") return reject(log, 405, "method_not_allowed", "Use POST.", { Allow: "POST" });

  const kind = mediaKind(header(request, "content-type"));
  if (kind === null) {
    return reject(log, 415, "unsupported_media_type", "Send application/json (one object) or application/x-ndjson (one JSON value per line), UTF-8.");
  }

  let framed;
  try {
    const values = splitValues(bodyText(request.body), kind, cfg.maxRecords);
    const meta = { receivedAt: new Date(started).toISOString(), requestId: String(log.requestId ?? "") };
    const country = header(request, "cloudfront-viewer-country");
    if (country !== undefined && country !== null && country !== "") meta.viewerCountry = String(country);
    // A client-chosen key survives resends (the CloudFront request id does
    // not), so consumers can de-duplicate exactly what at-least-once repeats.
    const key = header(request, "idempotency-key");
    if (key !== undefined && key !== null && key !== "") {
      if (!IDEMPOTENCY_KEY.test(key)) {
        throw new IngestInputError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-128 characters of A-Z, a-z, 0-9, '-', '_', '.', ':'.");
      }
      meta.idempotencyKey = key;
    }
    framed = frameRecords(values, meta, cfg);
  } catch (err) {
    if (err instanceof IngestInputError) return reject(log, err.status, err.code, err.message);
    throw err;
  }
  log.records = framed.records.length;
  log.bytes = framed.bytes;

  const region = process.env.AWS_REGION || "";
  const order = Object.hasOwn(cfg.regionOrder, region) ? cfg.regionOrder[region] : cfg.defaultOrder;
  const remaining = context && typeof context.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : cfg.budgetMs;
  const deadline = started + Math.min(cfg.budgetMs, remaining - cfg.safetyMarginMs);

  const result = await deliver(framed.records, {
    streamName: cfg.streamName,
    order,
    deadline,
    maxAttempts: cfg.maxAttempts,
    baseBackoffMs: cfg.baseBackoffMs,
    maxBackoffMs: cfg.maxBackoffMs,
    requestTimeoutMs: cfg.requestTimeoutMs,
  });
  log.edgeRegion = region;
  log.accepted = result.accepted;
  log.attempts = result.attempts;
  log.regions = result.regions;

  if (result.accepted === result.total) return jsonResponse(202, { accepted: result.accepted });

  log.error = result.cause;
  const throttled = result.cause === "throttled";
  const retryAfter = { "Retry-After": String(cfg.retryAfterSeconds) };
  return jsonResponse(
    throttled ? 429 : 503,
    {
      error: throttled ? "throttled" : "unavailable",
      message:
        `${result.accepted} of ${result.total} records were stored. ` +
        "The request may be retried in full; records already stored may then be stored twice.",
      accepted: result.accepted,
      total: result.total,
    },
    retryAfter,
  );
}

function reject(log, status, code, message, extra) {
  log.error = code;
  return errorResponse(status, code, message, extra);
}
