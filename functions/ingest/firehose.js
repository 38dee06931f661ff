// Delivery of framed records to Amazon Data Firehose (PutRecordBatch, JSON 1.1
// protocol) with retries and regional failover, through the edge library's AWS
// client (node:https with keep-alive, SigV4, endpoint overrides, bounded time
// and size, no redirects). No AWS SDK, so the bundle stays dependency-free.
//
// Guarantees (see the at-least-once contract in index.js):
//   - only records Firehose did not accept are ever sent again;
//   - a record is counted as accepted only when Firehose returned a RecordId for it;
//   - every HTTP call is bounded by min(requestTimeoutMs, time left before the deadline).
//
// Retry policy, per region:
//   - a call that failed as a whole (5xx, timeout, reset, garbage) or any
//     throttling (HTTP or per record) waits out an exponential backoff with full
//     jitter before the next attempt; at most maxAttempts such attempts;
//   - records that failed one by one with a non-throttling error (InternalFailure)
//     while the call itself succeeded are resent at once, without backoff: the
//     service answered, it did not ask us to slow down, and waiting would only
//     spend the viewer's time. At most maxAttempts such immediate retries;
//   - a non-retryable failure (not found, access denied, auth, rejected) moves
//     the records to the next region at once.
import { AwsError, awsRequest, isThrottleCode } from "edgekit:lib/awsclient";

/** The x-amz-target of PutRecordBatch. */
export const TARGET = "Firehose_20150804.PutRecordBatch";

// Firehose's own per-call limits: 500 records and 4 MiB. The config limits per
// request are normally at or below these, but chunking keeps a larger config safe.
const CALL_MAX_RECORDS = 500;
const CALL_MAX_BYTES = 4 * 1024 * 1024;

// Firehose signals throttling with ServiceUnavailableException ("Slow down."),
// as an HTTP 400 answer or per record.
const FIREHOSE_THROTTLE = ["ServiceUnavailableException"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `records` to `streamName`, trying the regions of `order` in turn.
 *
 * @param {Buffer[]} records framed records (each newline-terminated).
 * @param {object} o
 * @param {string} o.streamName
 * @param {string[]} o.order regions, best first.
 * @param {number} o.deadline epoch ms after which no call is started or kept.
 * @param {number} o.maxAttempts backoff-separated attempts per region (and, apart
 *   from those, immediate retries of per-record failures per region).
 * @param {number} o.baseBackoffMs
 * @param {number} o.maxBackoffMs
 * @param {number} o.requestTimeoutMs
 * @param {Record<string, string|undefined>} [o.env] process.env, read per call (credentials rotate).
 * @returns {Promise<{accepted: number, total: number, cause: string|null, attempts: number,
 *   regions: {region: string, attempts: number, accepted: number, cause: string|null}[]}>}
 * @throws what awsRequest throws for invalid configuration (e.g. a malformed
 *   endpoint override): a bug, not a delivery failure.
 */
export async function deliver(records, o) {
  const env = o.env || process.env;
  const total = records.length;
  const b64 = new Array(total); // base64 once; reused by retries
  let pending = [];
  for (let i = 0; i < total; i++) pending.push(i);
  const regions = [];
  let accepted = 0;
  let attempts = 0;
  let cause = null;

  outer: for (const region of o.order) {
    if (pending.length === 0) break;
    const r = { region, attempts: 0, accepted: 0, cause: null };
    let paced = 0; // paced attempts: the first one and each one after a backoff
    let immediate = false; // the next attempt resends per-record failures at once
    let immediateLeft = o.maxAttempts;
    while (pending.length > 0) {
      if (immediate) {
        immediateLeft--;
      } else {
        if (paced >= o.maxAttempts) break;
        if (paced > 0) {
          // Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter").
          const cap = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** (paced - 1));
          const wait = Math.floor(Math.random() * cap);
          if (Date.now() + wait >= o.deadline) {
            cause = cause || "deadline";
            if (r.attempts > 0) regions.push(r);
            break outer;
          }
          if (wait > 0) await sleep(wait);
        }
        paced++;
      }
      const left = o.deadline - Date.now();
      if (left <= 0) {
        cause = cause || "deadline";
        if (r.attempts > 0) regions.push(r);
        break outer;
      }
      r.attempts++;
      attempts++;
      // A call cut short by our own deadline says nothing about the service:
      // it must not hide the failure (e.g. throttling) that used up the time.
      const cutShort = left < o.requestTimeoutMs;
      const chunks = chunk(pending, records);
      const outcomes = await Promise.all(chunks.map((c) => putBatch(region, c, records, b64, o, env)));
      const next = [];
      let fatal = false;
      let wholeCallFailed = false;
      let throttled = false;
      for (let k = 0; k < chunks.length; k++) {
        const out = outcomes[k];
        if (out.ok) {
          const got = chunks[k].length - out.failed.length;
          accepted += got;
          r.accepted += got;
          if (out.failed.length > 0) {
            next.push(...out.failed);
            r.cause = cause = out.cause;
            if (out.cause === "throttled") throttled = true;
          }
        } else {
          wholeCallFailed = true;
          next.push(...chunks[k]);
          if (!(cutShort && out.cause === "timeout" && cause !== null)) r.cause = cause = out.cause;
          if (!out.retry) fatal = true;
        }
      }
      pending = next.length > 1 && chunks.length > 1 ? next.sort((a, b) => a - b) : next;
      if (fatal) break; // this region cannot take them: next region, no backoff
      immediate = pending.length > 0 && !wholeCallFailed && !throttled && immediateLeft > 0;
    }
    regions.push(r);
  }
  if (pending.length > 0 && cause === null) cause = o.order.length === 0 ? "no_regions" : "deadline";
  return { accepted, total, cause: pending.length > 0 ? cause : null, attempts, regions };
}

/** Splits pending record indexes into PutRecordBatch-sized groups. */
function chunk(pending, records) {
  const out = [];
  let cur = [];
  let bytes = 0;
  for (const i of pending) {
    const len = records[i].length;
    if (cur.length > 0 && (cur.length === CALL_MAX_RECORDS || bytes + len > CALL_MAX_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(i);
    bytes += len;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * One PutRecordBatch call.
 * @returns {Promise<{ok: true, failed: number[], cause: string|null} | {ok: false, retry: boolean, cause: string}>}
 */
async function putBatch(region, idxs, records, b64, o, env) {
  let body = `{"DeliveryStreamName":${JSON.stringify(o.streamName)},"Records":[`;
  for (let k = 0; k < idxs.length; k++) {
    const i = idxs[k];
    if (b64[i] === undefined) b64[i] = records[i].toString("base64");
    body += (k === 0 ? `{"Data":"` : `,{"Data":"`) + b64[i] + `"}`;
  }
  body += "]}";

  let parsed;
  try {
    // Signed per call (the date is part of the signature, credentials rotate)
    // with the TARGET region, whatever region runs the function.
    parsed = await awsRequest({
      service: "Firehose",
      signingName: "firehose",
      region,
      target: TARGET,
      body,
      timeoutMs: o.requestTimeoutMs,
      deadline: o.deadline,
      throttleCodes: FIREHOSE_THROTTLE,
      env,
    });
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    return { ok: false, retry: err.retryable, cause: err.code === "MissingCredentials" ? "no_credentials" : err.kind };
  }
  const rr = Array.isArray(parsed.RequestResponses) ? parsed.RequestResponses : null;
  if (!rr || rr.length !== idxs.length) {
    // A 200 we cannot match to our records proves nothing: resend them all.
    return { ok: false, retry: true, cause: "garbage" };
  }
  const failed = [];
  let cause = null;
  for (let k = 0; k < rr.length; k++) {
    const e = rr[k];
    if (e && typeof e.RecordId === "string" && e.RecordId !== "" && !e.ErrorCode) continue;
    failed.push(idxs[k]);
    const code = e && typeof e.ErrorCode === "string" ? e.ErrorCode : "";
    // One throttled record makes the whole retry wait: slowing down is the point.
    if (cause !== "throttled") cause = FIREHOSE_THROTTLE.includes(code) || isThrottleCode(code) ? "throttled" : "unavailable";
  }
  return { ok: true, failed, cause };
}
