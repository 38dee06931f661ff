// The one AWS HTTP client of edge code: AWS JSON 1.1 calls (Firehose, SSM, KMS:
// POST / with X-Amz-Target) over node:https, or node:http for the http://
// endpoint overrides that local fakes use, with a keep-alive agent per protocol.
//
// Why not global fetch: Node's first fetch() in a process costs 33-50 ms
// (undici start-up), against 6-9 ms for a first node:https request, and a
// Lambda@Edge cold start pays it on the first response. Why not the AWS SDK:
// bundles stay dependency-free and small (1 MB viewer limit, cold require time).
//
// What every call gets:
//   - SigV4 from ./sigv4.js, credentials read from the environment per call
//     (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: they rotate);
//   - the SDKs' endpoint overrides: AWS_ENDPOINT_URL_<SERVICE> (service id upper
//     case, spaces as underscores), then AWS_ENDPOINT_URL; both ignored when
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true;
//   - no redirects: a 3xx is a failed attempt, never followed (it would re-send
//     the payload and the session token to another host);
//   - a bound on time: min(timeoutMs, deadline - now) for the whole exchange
//     (connect, send, the complete response), plus a socket inactivity timeout;
//     on expiry the request is destroyed, never left running;
//   - a bound on the response size (maxResponseBytes);
//   - one error type, AwsError {service, operation, kind, status, code,
//     retryable}, whose message never holds payloads, secrets or the service's
//     own error message (it can quote request data).
//
// node:http and node:https are loaded on first use (process.getBuiltinModule,
// Node >= 22.3), so importing this module costs nothing at cold start and a
// function that only calls https:// endpoints never loads node:http.
import { envCredentials, signRequest } from "./sigv4.js";

/** Content type of the AWS JSON 1.1 protocol. */
export const JSON_11 = "application/x-amz-json-1.1";

/** Default bound on a response body: far above any JSON 1.1 answer edge code reads. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

/**
 * Error kinds. Retryable ones may succeed on a later attempt at the same
 * endpoint; the others need a different endpoint, credentials or request.
 */
export const KINDS = Object.freeze({
  throttled: true,
  unavailable: true,
  timeout: true,
  network: true,
  redirect: true,
  garbage: true,
  auth: false,
  not_found: false,
  access_denied: false,
  rejected: false,
});

// Throttling error codes, as the AWS SDKs classify them (SDK for JavaScript v3
// THROTTLING_ERROR_CODES). A caller adds service-specific ones (Firehose's
// ServiceUnavailableException) with the throttleCodes option.
const THROTTLE_CODES = new Set([
  "BandwidthLimitExceeded", "EC2ThrottledException", "LimitExceededException", "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException", "RequestLimitExceeded", "RequestThrottled",
  "RequestThrottledException", "SlowDown", "ThrottledException", "Throttling", "ThrottlingException",
  "TooManyRequestsException", "TransactionInProgressException",
]);
// Transient server-side failures worth retrying even when sent with a 4xx.
const TRANSIENT_CODES = new Set([
  "RequestTimeout", "RequestTimeoutException", "TimeoutError", "InternalFailure", "InternalError",
  "InternalServerError", "InternalServerErrorException", "InternalServerException", "ServiceUnavailable",
  "ServiceUnavailableException", "KMSInternalException",
]);
const AUTH_CODES = new Set([
  "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
  "IncompleteSignatureException", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
  "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId", "InvalidAccessKeyId",
  "AuthFailure", "MissingCredentials", "InvalidCredentials",
]);
const ACCESS_CODES = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"]);
const NOT_FOUND_CODES = new Set(["ResourceNotFoundException", "NotFoundException", "ParameterNotFound", "ParameterVersionNotFound"]);
// Network errors of a pooled keep-alive socket the server closed while it was
// idle (Lambda freezes the container between invocations, so the close can go
// unnoticed): the request never reached the server, send it once more.
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
// An error code is reported only when it looks like one: a hostile endpoint
// must not put arbitrary text into logs through it.
const CODE_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const REGION_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Headers the client sets itself; a caller's copy is dropped.
const RESERVED_HEADERS = new Set([
  "host", "content-type", "content-length", "x-amz-target", "x-amz-date", "x-amz-security-token",
  "authorization", "transfer-encoding", "connection",
]);
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The failure of an AWS call. Safe to log: it holds the service, operation,
 * kind, HTTP status and error code only.
 */
export class AwsError extends Error {
  /**
   * @param {string} service service id, e.g. "Firehose"
   * @param {string} operation e.g. "PutRecordBatch"
   * @param {keyof typeof KINDS} kind
   * @param {number} [status] HTTP status; 0 when no response was received
   * @param {string} [code] AWS error code (type), a network error code, or ""
   */
  constructor(service, operation, kind, status = 0, code = "") {
    super(`${service} ${operation}: ${kind}${status ? ` (HTTP ${status}${code ? ` ${code}` : ""})` : code ? ` (${code})` : ""}`);
    this.name = "AwsError";
    this.service = service;
    this.operation = operation;
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.retryable = KINDS[kind] === true;
  }
}

/**
 * Whether an AWS error code means "slow down" (the SDKs' throttling codes).
 * @param {string} code
 */
export function isThrottleCode(code) {
  return THROTTLE_CODES.has(code);
}

/**
 * The endpoint URL for a service in a region, with the SDKs' standard
 * overrides. Throws TypeError on an invalid region or override (a
 * configuration error, not a failed call).
 * @param {object} o
 * @param {string} o.service service id as in the SDKs, e.g. "Firehose", "SSM", "KMS"
 * @param {string} o.endpointPrefix host prefix, e.g. "firehose"
 * @param {string} o.region e.g. "us-east-1"
 * @param {Record<string, string | undefined>} [o.env] Default: process.env.
 * @returns {string} absolute URL ending in "/"
 */
export function endpointUrl({ service, endpointPrefix, region, env = process.env }) {
  if (typeof region !== "string" || !REGION_RE.test(region)) throw new TypeError("awsclient: invalid region");
  if (String(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).toLowerCase() !== "true") {
    const name = `AWS_ENDPOINT_URL_${String(service).toUpperCase().replace(/ /g, "_")}`;
    if (env[name]) return override(name, env[name]);
    if (env.AWS_ENDPOINT_URL) return override("AWS_ENDPOINT_URL", env.AWS_ENDPOINT_URL);
  }
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${endpointPrefix}.${region}.${suffix}/`;
}

function override(name, value) {
  let u;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`awsclient: ${name} is not a URL`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new TypeError(`awsclient: ${name} must be http(s)`);
  if (u.username !== "" || u.password !== "" || u.search !== "" || u.hash !== "") {
    throw new TypeError(`awsclient: ${name} must not hold credentials, a query or a fragment`);
  }
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}/`;
}

/**
 * @typedef {object} AwsRequest
 * @property {string} service service id, e.g. "Firehose" (endpoint override name, errors)
 * @property {string} signingName SigV4 service name, e.g. "firehose"
 * @property {string} [endpointPrefix] host prefix. Default: signingName.
 * @property {string} region target (and signing) region
 * @property {string} target X-Amz-Target, e.g. "Firehose_20150804.PutRecordBatch"
 * @property {string | Uint8Array | object} [body] JSON text, bytes, or an object to
 *   serialize. Default: "{}".
 * @property {Record<string, string>} [headers] extra headers, signed (the
 *   protocol's own headers cannot be replaced)
 * @property {number} [timeoutMs] bound on the whole exchange
 * @property {number} [deadline] epoch ms after which nothing is sent or awaited;
 *   at least one of timeoutMs and deadline is required
 * @property {number} [socketTimeoutMs] bound on socket inactivity. Default: the whole bound.
 * @property {number} [maxResponseBytes] Default: DEFAULT_MAX_RESPONSE_BYTES.
 * @property {Iterable<string>} [throttleCodes] extra error codes that mean throttling
 * @property {Record<string, string | undefined>} [env] credentials and endpoint
 *   overrides. Default: process.env, read on every call.
 */

/**
 * One AWS JSON 1.1 call. Resolves to the parsed JSON object of a 2xx answer
 * ({} for an empty body); rejects with AwsError for every failure of the call,
 * or with TypeError for invalid arguments or configuration.
 * @param {AwsRequest} o
 * @returns {Promise<Record<string, unknown>>}
 */
export async function awsRequest(o) {
  const { service, signingName, region, target, env = process.env } = o ?? {};
  const bad = [];
  if (typeof service !== "string" || service === "") bad.push("service");
  if (typeof signingName !== "string" || signingName === "") bad.push("signingName");
  if (typeof target !== "string" || target === "") bad.push("target");
  const hasTimeout = Number.isFinite(o?.timeoutMs);
  const hasDeadline = Number.isFinite(o?.deadline);
  if (!hasTimeout && !hasDeadline) bad.push("timeoutMs or deadline");
  if (bad.length > 0) throw new TypeError(`awsclient: missing or invalid ${bad.join(", ")}`);
  const operation = target.slice(target.lastIndexOf(".") + 1);

  const url = endpointUrl({ service, endpointPrefix: o.endpointPrefix ?? signingName, region, env });
  const now = Date.now();
  const budget = Math.min(hasTimeout ? o.timeoutMs : Infinity, hasDeadline ? o.deadline - now : Infinity);
  if (!(budget >= 1)) throw new AwsError(service, operation, "timeout", 0, "DeadlineExceeded");

  const credentials = envCredentials(env);
  if (typeof credentials === "string") throw new AwsError(service, operation, "auth", 0, credentials);

  const body = o.body === undefined ? "{}" : typeof o.body === "string" || o.body instanceof Uint8Array ? o.body : JSON.stringify(o.body);
  const extra = {};
  if (o.headers !== null && typeof o.headers === "object") {
    for (const name of Object.keys(o.headers)) {
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower) && typeof o.headers[name] === "string") extra[lower] = o.headers[name];
    }
  }
  extra["content-type"] = JSON_11;
  extra["x-amz-target"] = target;
  const headers = signRequest({
    method: "POST",
    url,
    headers: extra,
    body,
    region,
    service: signingName,
    credentials,
  });
  // HTTP framing, set after signing: the signature covers the body by its hash.
  headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);

  const call = {
    service,
    operation,
    url: parsedUrl(url),
    headers,
    body,
    end: now + budget,
    socketTimeoutMs: Number.isFinite(o.socketTimeoutMs) && o.socketTimeoutMs > 0 ? o.socketTimeoutMs : Infinity,
    maxResponseBytes: Number.isFinite(o.maxResponseBytes) && o.maxResponseBytes >= 0 ? o.maxResponseBytes : DEFAULT_MAX_RESPONSE_BYTES,
    throttleCodes: o.throttleCodes ? new Set(o.throttleCodes) : null,
  };
  return send(call, true);
}

// The last endpoint parsed: a function calls one endpoint almost always.
let lastUrl = "";
let lastParsed = null;

function parsedUrl(url) {
  if (url !== lastUrl) {
    lastParsed = new URL(url);
    lastUrl = url;
  }
  return lastParsed;
}

let agents = {};

function agentFor(protocol) {
  let agent = agents[protocol];
  if (agent === undefined) {
    const mod = process.getBuiltinModule(protocol === "https:" ? "node:https" : "node:http");
    // LIFO: the most recently used socket is the one least likely to have been
    // closed by the server while idle.
    agent = new mod.Agent({ keepAlive: true, scheduling: "lifo" });
    agents[protocol] = agent;
  }
  return agent;
}

/**
 * Closes every pooled connection; the next call opens new ones. For tests and
 * for code that must not keep sockets across a credential or endpoint change.
 */
export function closeConnections() {
  const old = agents;
  agents = {};
  for (const a of Object.values(old)) a.destroy();
}

/**
 * Connections opened by the client so far, per protocol ("http:", "https:"),
 * for tests and benchmarks of connection reuse.
 */
export function connectionStats() {
  const out = {};
  for (const [p, a] of Object.entries(agents)) {
    let free = 0;
    let busy = 0;
    for (const list of Object.values(a.freeSockets)) free += list.length;
    for (const list of Object.values(a.sockets)) busy += list.length;
    out[p] = { free, busy };
  }
  return out;
}

function send(call, mayRetryStale) {
  return new Promise((resolve, reject) => {
    const { service, operation, url } = call;
    const left = call.end - Date.now();
    if (!(left >= 1)) {
      reject(new AwsError(service, operation, "timeout", 0, "DeadlineExceeded"));
      return;
    }
    const https = url.protocol === "https:";
    const mod = process.getBuiltinModule(https ? "node:https" : "node:http");
    let settled = false;
    let responded = false;
    let timer;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const fail = (kind, status, code) => {
      if (settled) return;
      finish(new AwsError(service, operation, kind, status, code));
      // Destroyed, never returned to the pool: a half-read response or a
      // timed-out request must not be reused.
      req.destroy();
    };

    const req = mod.request({
      protocol: url.protocol,
      hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (https ? 443 : 80),
      path: url.pathname,
      method: "POST",
      headers: call.headers,
      agent: agentFor(url.protocol),
    });
    // setTimeout fires at once for delays over 2^31-1 ms: clamp (about 24 days).
    const bound = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => fail("timeout", 0, "RequestTimeout"), bound);
    const idle = Math.min(bound, call.socketTimeoutMs);
    if (idle < bound) req.setTimeout(idle, () => fail("timeout", 0, "SocketTimeout"));

    req.on("error", (err) => {
      if (settled) return;
      const code = err && typeof err.code === "string" && CODE_RE.test(err.code) ? err.code : "";
      if (mayRetryStale && req.reusedSocket && !responded && STALE_SOCKET_CODES.has(code)) {
        settled = true;
        clearTimeout(timer);
        send(call, false).then(resolve, reject);
        return;
      }
      fail("network", 0, code);
    });
    req.on("response", (res) => {
      responded = true;
      const status = res.statusCode ?? 0;
      // Never followed: the Location could be any host.
      if (status >= 300 && status < 400) return fail("redirect", status, "");
      const declared = Number(res.headers["content-length"]);
      if (declared > call.maxResponseBytes) return fail("garbage", status, "ResponseTooLarge");
      const chunks = [];
      let size = 0;
      res.on("data", (c) => {
        size += c.length;
        if (size > call.maxResponseBytes) return fail("garbage", status, "ResponseTooLarge");
        chunks.push(c);
      });
      res.on("end", () => {
        if (settled) return;
        const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        try {
          finish(null, parseResponse(call, status, res.headers, raw));
        } catch (err) {
          finish(err);
        }
      });
      res.on("error", () => fail("network", status, "ResponseAborted"));
      res.on("close", () => {
        if (!res.complete) fail("network", status, "ResponseAborted");
      });
    });
    req.end(call.body);
  });
}

function parseResponse(call, status, headers, raw) {
  const { service, operation } = call;
  if (status >= 200 && status < 300) {
    if (raw.length === 0) return {};
    let v;
    try {
      v = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new AwsError(service, operation, "garbage", status, "InvalidJson");
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new AwsError(service, operation, "garbage", status, "NotAnObject");
    return v;
  }
  const code = errorCode(headers, raw);
  return throwClassified(call, status, code);
}

function throwClassified(call, status, code) {
  throw new AwsError(call.service, call.operation, classify(status, code, call.throttleCodes), status, code);
}

/**
 * The kind of an HTTP error answer, from its AWS error code first and its
 * status second.
 * @param {number} status
 * @param {string} code
 * @param {Set<string> | null} [extraThrottle]
 * @returns {keyof typeof KINDS}
 */
export function classify(status, code, extraThrottle = null) {
  if (THROTTLE_CODES.has(code) || (extraThrottle !== null && extraThrottle.has(code)) || status === 429) return "throttled";
  if (TRANSIENT_CODES.has(code) || status >= 500) return "unavailable";
  if (AUTH_CODES.has(code)) return "auth";
  if (ACCESS_CODES.has(code)) return "access_denied";
  if (NOT_FOUND_CODES.has(code)) return "not_found";
  if (code === "") {
    if (status === 401) return "auth";
    if (status === 403) return "access_denied";
    if (status === 404) return "not_found";
  }
  if (status >= 400) return "rejected";
  return "garbage";
}

// errorCode reads the AWS error type: the x-amzn-errortype header
// ("Type:http://internal..."), else the body's __type or code
// ("com.amazonaws.kms#NotFoundException"), namespace and suffix stripped.
function errorCode(headers, raw) {
  let t = "";
  const h = headers["x-amzn-errortype"];
  if (typeof h === "string" && h !== "") t = h.split(":")[0];
  else if (raw.length > 0 && raw.length <= 65536) {
    try {
      const v = JSON.parse(raw.toString("utf8"));
      if (v !== null && typeof v === "object") {
        const c = typeof v.__type === "string" ? v.__type : typeof v.code === "string" ? v.code : typeof v.Code === "string" ? v.Code : "";
        t = c;
      }
    } catch {
      // not JSON (a proxy's HTML page): classified by status alone
    }
  }
  const hash = t.lastIndexOf("#");
  if (hash >= 0) t = t.slice(hash + 1);
  t = t.trim();
  return CODE_RE.test(t) ? t : "";
}
