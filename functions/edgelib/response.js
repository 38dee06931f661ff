// CloudFront Lambda@Edge event access and generated-response helpers shared by
// every edge handler. No imports: this is in every bundle and runs on every
// viewer request, so it must cost nothing at cold start.
//
// Event and response shapes:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-event-structure.html
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-generating-http-responses.html

/**
 * Headers on every generated response, in CloudFront's shape
 * (lower-case name → [{ key, value }]). Generated errors must never be cached
 * by CloudFront or the browser (no-store), must not be content-sniffed, and
 * keep HSTS on hosts that only ever answer over HTTPS. Frozen: it is shared
 * by all invocations in a container; responses get their own copies.
 * @type {Readonly<Record<string, ReadonlyArray<Readonly<{key: string, value: string}>>>>}
 */
export const SECURITY_HEADERS = deepFreeze({
  "cache-control": [{ key: "Cache-Control", value: "no-store" }],
  "x-content-type-options": [{ key: "X-Content-Type-Options", value: "nosniff" }],
  "strict-transport-security": [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains; preload" }],
});

const STATUS_TEXT = {
  200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
  413: "Content Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
  500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

/**
 * A generated JSON response in CloudFront's shape, with {@link SECURITY_HEADERS}.
 * Keep bodies small: CloudFront rejects generated responses over 40 KB from
 * viewer triggers (1 MB from origin triggers).
 * @param {number | string} status HTTP status code
 * @param {unknown} bodyObject serialized with JSON.stringify
 * @param {Record<string, string | number>} [extraHeaders] e.g. { "Retry-After": "1" };
 *   the name as given becomes `key`, its lower case the map name. Overrides a
 *   security header of the same name.
 * @throws what JSON.stringify throws (cycles, BigInt)
 * @returns {{status: string, statusDescription?: string, headers: Record<string, {key: string, value: string}[]>, bodyEncoding: "text", body: string}}
 */
export function jsonResponse(status, bodyObject, extraHeaders = {}) {
  const headers = {
    "content-type": [{ key: "Content-Type", value: "application/json; charset=utf-8" }],
  };
  for (const name in SECURITY_HEADERS) {
    const h = SECURITY_HEADERS[name][0];
    headers[name] = [{ key: h.key, value: h.value }];
  }
  if (extraHeaders !== null && typeof extraHeaders === "object") {
    for (const name of Object.keys(extraHeaders)) {
      const value = extraHeaders[name];
      if (value === undefined || value === null) continue;
      // A line break in a value is response splitting, and CloudFront answers
      // 502 to a function result it cannot validate: never let one through.
      headers[name.toLowerCase()] = [{ key: name, value: String(value).replace(/[\r\n]+/g, " ") }];
    }
  }
  const code = String(status);
  const body = JSON.stringify(bodyObject) ?? "null";
  const text = STATUS_TEXT[code];
  // statusDescription is optional for CloudFront; omitted for unlisted codes.
  return text === undefined
    ? { status: code, headers, bodyEncoding: "text", body }
    : { status: code, statusDescription: text, headers, bodyEncoding: "text", body };
}

/**
 * A JSON error response: `{ "error": code, "message": message }`.
 * The message is shown to the client: never put internals in it (log them).
 * @param {number | string} status HTTP status code
 * @param {string} code stable machine-readable error code, e.g. "bad_request"
 * @param {string} message human-readable, client-safe explanation
 * @param {Record<string, string | number>} [extraHeaders] see {@link jsonResponse}
 */
export function errorResponse(status, code, message, extraHeaders) {
  return jsonResponse(status, { error: code, message }, extraHeaders);
}

/**
 * Builds a response with build, falling back to a fixed 500 JSON response
 * (with {@link SECURITY_HEADERS}) if even that throws, so a handler's last
 * line of defence never throws itself.
 * @param {() => object} build
 */
export function safeResponse(build) {
  try {
    return build();
  } catch {
    const headers = { "content-type": [{ key: "Content-Type", value: "application/json" }] };
    for (const name in SECURITY_HEADERS) headers[name] = [{ ...SECURITY_HEADERS[name][0] }];
    return {
      status: "500",
      statusDescription: "Internal Server Error",
      headers,
      body: '{"error":"internal_error","message":"The request could not be processed."}',
    };
  }
}

/**
 * The first value of a request header, or undefined. Case-insensitive.
 * CloudFront lower-cases header map names, so the direct lookup is the fast
 * path; hand-made or malformed events are scanned. Never throws on bad shapes.
 * @param {unknown} request CloudFront request (event.Records[0].cf.request)
 * @param {string} name header name in any case
 * @returns {string | undefined}
 */
export function header(request, name) {
  const headers = request?.headers;
  if (headers === null || typeof headers !== "object" || typeof name !== "string") return undefined;
  const lower = name.toLowerCase();
  let list = Object.hasOwn(headers, lower) ? headers[lower] : undefined;
  if (list === undefined) {
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() === lower) {
        list = headers[k];
        break;
      }
    }
  }
  const value = Array.isArray(list) ? list[0]?.value : undefined;
  return typeof value === "string" ? value : undefined;
}

/**
 * Thrown by {@link cfRecord} when an event does not have the CloudFront shape.
 * The message names the offending field only, never request data, so it is
 * safe to log.
 */
export class MalformedEventError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "MalformedEventError";
  }
}

/**
 * The CloudFront request and distribution config of a Lambda@Edge event
 * (event.Records[0].cf), validated so handlers can read `uri`, `method`,
 * `querystring` and `headers` without further checks.
 * @param {unknown} event the Lambda@Edge event
 * @returns {{request: {uri: string, method: string, querystring: string, headers: Record<string, {key?: string, value: string}[]>, [k: string]: unknown}, config: Record<string, unknown>}}
 * @throws {MalformedEventError}
 */
export function cfRecord(event) {
  const records = isObject(event) ? event.Records : undefined;
  if (!Array.isArray(records) || records.length === 0) throw new MalformedEventError("event.Records must be a non-empty array");
  const cf = isObject(records[0]) ? records[0].cf : undefined;
  if (!isObject(cf)) throw new MalformedEventError("event.Records[0].cf must be an object");
  const { request, config = {} } = cf;
  if (!isObject(request)) throw new MalformedEventError("cf.request must be an object");
  if (!isObject(config)) throw new MalformedEventError("cf.config must be an object");
  if (typeof request.uri !== "string") throw new MalformedEventError("cf.request.uri must be a string");
  if (typeof request.method !== "string") throw new MalformedEventError("cf.request.method must be a string");
  // CloudFront always sends querystring (possibly ""); tolerate its absence.
  if (request.querystring !== undefined && typeof request.querystring !== "string") {
    throw new MalformedEventError("cf.request.querystring must be a string");
  }
  const headers = request.headers;
  if (!isObject(headers)) throw new MalformedEventError("cf.request.headers must be an object");
  for (const name of Object.keys(headers)) {
    const list = headers[name];
    if (!Array.isArray(list)) throw new MalformedEventError("cf.request.headers values must be arrays");
    for (const h of list) {
      if (!isObject(h) || typeof h.value !== "string" || (h.key !== undefined && typeof h.key !== "string")) {
        throw new MalformedEventError("cf.request.headers entries must be {key?: string, value: string}");
      }
    }
  }
  return { request, config };
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function deepFreeze(o) {
  for (const v of Object.values(o)) if (v !== null && typeof v === "object") deepFreeze(v);
  return Object.freeze(o);
}
