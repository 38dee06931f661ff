// Delivery of framed records to Amazon Data Firehose (PutRecordBatch, JSON 1.1
// protocol) with retries and regional failover. No AWS SDK: global fetch plus
// our SigV4 signer, so the bundle stays dependency-free.
//
// Guarantees (see the at-least-once contract in index.js):
//   - only records Firehose did not accept are ever sent again;
//   - a record is counted as accepted only when Firehose returned a RecordId for it;
//   - every HTTP call is bounded by min(requestTimeoutMs, time left before the deadline).
import { signRequest } from "edgekit:lib/sigv4";

/** The x-amz-target of PutRecordBatch. */
export const TARGET = "Firehose_20150804.PutRecordBatch";

// Firehose's own per-call limits: 500 records and 4 MiB. The config limits per
// request are normally at or below these, but chunking keeps a larger config safe.
const CALL_MAX_RECORDS = 500;
const CALL_MAX_BYTES = 4 * 1024 * 1024;

// Error types that mean "slow down". Firehose signals throttling with
// ServiceUnavailableException (HTTP 400 or per record); the rest are the generic
// AWS throttling codes, in case a proxy or a future API version uses them.
const THROTTLE_TYPES = new Set([
  "ServiceUnavailableException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "SlowDown",
]);

// 4xx types that are transient and so worth retrying in the same region.
const TRANSIENT_TYPES = new Set(["RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalServerError"]);

/**
 * The endpoint for `region`, honouring the AWS SDK's standard overrides
 * (AWS_ENDPOINT_URL_FIREHOSE, then AWS_ENDPOINT_URL) so tests can use a local fake.
 * @param {string} region
 * @param {Record<string, string|undefined>} env
 */
export function endpointFor(region, env) {
  const override = env.AWS_ENDPOINT_URL_FIREHOSE || env.AWS_ENDPOINT_URL;
  if (override) return override.replace(/\/+$/, "") + "/";
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://firehose.${region}.${suffix}/`;
}

/** Classifies an error type and HTTP status into a failure cause and retryability. */
function classify(type, status) {
  if (THROTTLE_TYPES.has(type) || status === 429) return { cause: "throttled", retry: true };
  if (TRANSIENT_TYPES.has(type) || status >= 500) return { cause: "unavailable", retry: true };
  // ResourceNotFound, AccessDenied, InvalidArgument, InvalidKMSResource, signature
  // and token errors...: this region cannot take the records, try the next one.
  return { cause: errorCause(type), retry: false };
}

function errorCause(type) {
  switch (type) {
    case "ResourceNotFoundException":
      return "not_found";
    case "AccessDeniedException":
    case "AccessDenied":
      return "access_denied";
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
    case "IncompleteSignature":
    case "MissingAuthenticationToken":
      return "auth_failed";
    default:
      return "rejected";
  }
}

/** Reads the error type from the x-amzn-errortype header or the JSON __type. */
function errorType(res, parsed) {
  const h = res.headers.get("x-amzn-errortype");
  let t = h ? h.split(":")[0] : parsed && typeof parsed.__type === "string" ? parsed.__type : "";
  const hash = t.lastIndexOf("#");
  if (hash >= 0) t = t.slice(hash + 1);
  return t;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `records` to `streamName`, trying the regions of `order` in turn.
 *
 * @param {Buffer[]} records framed records (each newline-terminated).
 * @param {object} o
 * @param {string} o.streamName
 * @param {string[]} o.order regions, best first.
 * @param {number} o.deadline epoch ms after which no call is started or kept.
 * @param {number} o.maxAttempts attempts per region.
 * @param {number} o.baseBackoffMs
 * @param {number} o.maxBackoffMs
 * @param {number} o.requestTimeoutMs
 * @param {Record<string, string|undefined>} [o.env] process.env, read per call (credentials rotate).
 * @returns {Promise<{accepted: number, total: number, cause: string|null, attempts: number,
 *   regions: {region: string, attempts: number, accepted: number, cause: string|null}[]}>}
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
    for (let n = 0; n < o.maxAttempts && pending.length > 0; n++) {
      if (n > 0) {
        // Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter").
        const cap = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** (n - 1));
        const wait = Math.floor(Math.random() * cap);
        if (Date.now() + wait >= o.deadline) {
          cause = cause || "deadline";
          if (r.attempts > 0) regions.push(r);
          break outer;
        }
        if (wait > 0) await sleep(wait);
      }
      const left = o.deadline - Date.now();
      if (left <= 0) {
        cause = cause || "deadline";
        if (r.attempts > 0) regions.push(r);
        break outer;
      }
      r.attempts++;
      attempts++;
      const timeout = Math.max(1, Math.min(o.requestTimeoutMs, left));
      // A call cut short by our own deadline says nothing about the service:
      // it must not hide the failure (e.g. throttling) that used up the time.
      const cutShort = left < o.requestTimeoutMs;
      const chunks = chunk(pending, records);
      const outcomes = await Promise.all(chunks.map((c) => putBatch(region, c, records, b64, timeout, o.streamName, env)));
      const next = [];
      let fatal = false;
      for (let k = 0; k < chunks.length; k++) {
        const out = outcomes[k];
        if (out.ok) {
          const got = chunks[k].length - out.failed.length;
          accepted += got;
          r.accepted += got;
          if (out.failed.length > 0) {
            next.push(...out.failed);
            r.cause = cause = out.cause;
          }
        } else {
          next.push(...chunks[k]);
          if (!(cutShort && out.cause === "timeout" && cause !== null)) r.cause = cause = out.cause;
          if (!out.retry) fatal = true;
        }
      }
      pending = next.length > 1 && chunks.length > 1 ? next.sort((a, b) => a - b) : next;
      if (fatal) break; // this region cannot take them: next region, no backoff
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
async function putBatch(region, idxs, records, b64, timeoutMs, streamName, env) {
  const credentials = {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
  };
  if (!credentials.accessKeyId || !credentials.secretAccessKey) return { ok: false, retry: false, cause: "no_credentials" };

  let body = `{"DeliveryStreamName":${JSON.stringify(streamName)},"Records":[`;
  for (let k = 0; k < idxs.length; k++) {
    const i = idxs[k];
    if (b64[i] === undefined) b64[i] = records[i].toString("base64");
    body += (k === 0 ? `{"Data":"` : `,{"Data":"`) + b64[i] + `"}`;
  }
  body += "]}";

  const url = endpointFor(region, env);
  // Signed per call: the date is part of the signature and credentials rotate.
  // The signing region is the TARGET region, whatever region runs the function.
  const headers = signRequest({
    method: "POST",
    url,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET },
    body,
    region,
    service: "firehose",
    credentials,
    date: new Date(),
  });
  let res;
  let text;
  try {
    // Never follow a redirect: it would re-send the payload and the session
    // token to another host. A 3xx is a failed attempt like a reset.
    res = await fetch(url, { method: "POST", headers, body, redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    const timedOut = err && (err.name === "TimeoutError" || err.name === "AbortError");
    return { ok: false, retry: true, cause: timedOut ? "timeout" : "network" };
  }

  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // handled below
  }
  if (res.status !== 200) {
    const { cause, retry } = classify(errorType(res, parsed), res.status);
    return { ok: false, retry, cause };
  }
  const rr = parsed && Array.isArray(parsed.RequestResponses) ? parsed.RequestResponses : null;
  if (!rr || rr.length !== idxs.length) {
    // A 200 we cannot match to our records proves nothing: resend them all.
    return { ok: false, retry: true, cause: "unavailable" };
  }
  const failed = [];
  let cause = null;
  for (let k = 0; k < rr.length; k++) {
    const e = rr[k];
    if (e && typeof e.RecordId === "string" && e.RecordId !== "" && !e.ErrorCode) continue;
    failed.push(idxs[k]);
    cause = e && e.ErrorCode && THROTTLE_TYPES.has(e.ErrorCode) ? "throttled" : "unavailable";
  }
  return { ok: true, failed, cause };
}
