// AWS Signature Version 4 header signing for edge code, with node:crypto only.
//
// Lambda@Edge has no environment variables and bundles must stay dependency-free
// (no @smithy/signature-v4 in the zip: it would add cold-start time and size
// against the 1 MB viewer limit), so this is a small, self-contained signer.
// It follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// and is tested against the official aws-c-auth v4 suite (test/testdata/sigv4).

import { createHash, createHmac } from "node:crypto";

const ALGORITHM = "AWS4-HMAC-SHA256";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Headers that proxies, fetch implementations or CloudFront may add, drop or
// rewrite between signing and AWS verifying; signing them would turn such a
// rewrite into SignatureDoesNotMatch. Same list as the AWS SDK for JavaScript v3.
const UNSIGNABLE = new Set([
  "authorization", "cache-control", "connection", "expect", "from", "keep-alive",
  "max-forwards", "pragma", "referer", "te", "trailer", "transfer-encoding",
  "upgrade", "user-agent", "x-amzn-trace-id",
]);

// Derived keys are valid for one UTC day; an edge container lives for hours
// and signs many requests, so the four chained HMACs are done once per
// (secret, day, region, service). Bounded so rotated credentials cannot grow
// the map without limit in a long-lived container.
const KEY_CACHE_MAX = 32;
const keyCache = new Map();

/**
 * Lower-case hex SHA-256 of a string (hashed as UTF-8) or bytes.
 * @param {string | Uint8Array} data
 * @returns {string}
 */
export function sha256Hex(data) {
  if (data === "" || (data instanceof Uint8Array && data.byteLength === 0)) return EMPTY_SHA256;
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The SigV4 signing key for one day, region and service:
 * HMAC chain "AWS4"+secret → date → region → service → "aws4_request".
 * Results are cached per (secret, dateStamp, region, service); the returned
 * Buffer is shared, so callers must not modify it.
 * @param {string} secret secret access key
 * @param {string} dateStamp YYYYMMDD (UTC)
 * @param {string} region e.g. "us-east-1"
 * @param {string} service signing name, e.g. "lambda", "firehose", "s3"
 * @returns {Buffer}
 */
export function signingKey(secret, dateStamp, region, service) {
  const id = `${secret}\n${dateStamp}\n${region}\n${service}`;
  let key = keyCache.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac("AWS4" + secret, dateStamp), region), service), "aws4_request");
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/**
 * The canonical request that {@link signRequest} signs for the same params.
 * Useful to debug a SignatureDoesNotMatch error, whose message includes the
 * canonical request AWS computed.
 * @param {SignParams} params
 * @returns {string}
 */
export function canonicalRequest(params) {
  return prepare(params).canonical;
}

/**
 * The string to sign that {@link signRequest} signs for the same params.
 * @param {SignParams} params
 * @returns {string}
 */
export function stringToSign(params) {
  return prepare(params).toSign;
}

/**
 * @typedef {object} SignParams
 * @property {string} method HTTP method
 * @property {string | URL} url absolute URL exactly as it will be sent: the path
 *   is taken verbatim (percent-encoded form, as `new URL(x).href` produces) and
 *   encoded once more for every service but S3, as SigV4 requires.
 * @property {Record<string, string | string[]>} [headers] headers to send; names
 *   in any case. An array value is a repeated header. A caller-supplied
 *   x-amz-content-sha256 (e.g. "UNSIGNED-PAYLOAD") is used as the payload hash.
 * @property {string | Uint8Array} [body] request body (hashed, never modified)
 * @property {string} region signing region
 * @property {string} service signing name
 * @property {{accessKeyId: string, secretAccessKey: string, sessionToken?: string}} credentials
 * @property {Date} [date] signing time. Default: now.
 * @property {boolean} [signBody] add and sign x-amz-content-sha256 (S3, and
 *   POST/PUT through CloudFront OAC to a function URL). Default: false.
 * @property {boolean} [normalizePath] remove "." / ".." segments and empty
 *   segments from the canonical path. Default: true, except for service "s3",
 *   whose keys may legitimately contain them.
 * @property {boolean} [uriEscapePath] URI-encode the path for the canonical
 *   request (the "double encoding" of the spec). Default: true, except "s3".
 * @property {boolean} [signSessionToken] include x-amz-security-token in the
 *   signature; false adds it after signing (a few services, e.g. IoT, require
 *   that). Default: true.
 */

/**
 * Signs a request with SigV4 in the Authorization header.
 * Returns a new object with lower-case header names: the input headers plus
 * `host` (when absent), `x-amz-date`, `x-amz-security-token` (with a session
 * token), `x-amz-content-sha256` (with signBody) and `authorization`.
 * The inputs are not modified. Throws TypeError on missing or invalid params.
 * @param {SignParams} params
 * @returns {Record<string, string | string[]>}
 */
export function signRequest(params) {
  const p = prepare(params);
  const { accessKeyId, secretAccessKey } = params.credentials;
  const key = signingKey(secretAccessKey, p.dateStamp, params.region, params.service);
  const signature = createHmac("sha256", key).update(p.toSign).digest("hex");
  const out = p.headers;
  out.authorization = `${ALGORITHM} Credential=${accessKeyId}/${p.scope}, SignedHeaders=${p.signedHeaders}, Signature=${signature}`;
  if (p.lateToken !== undefined) out["x-amz-security-token"] = p.lateToken;
  return out;
}

function hmac(key, data) {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

// prepare computes everything up to the string to sign, shared by the three
// exported views so they can never disagree.
function prepare(params) {
  const {
    method, url, headers = {}, body = "", region, service, credentials,
    date = new Date(), signBody = false,
  } = params ?? {};
  const s3 = service === "s3";
  const { normalizePath = !s3, uriEscapePath = !s3, signSessionToken = true } = params ?? {};
  const missing = [];
  if (typeof method !== "string" || method === "") missing.push("method");
  if (typeof url !== "string" && !(url instanceof URL)) missing.push("url");
  if (typeof region !== "string" || region === "") missing.push("region");
  if (typeof service !== "string" || service === "") missing.push("service");
  if (typeof credentials?.accessKeyId !== "string" || credentials.accessKeyId === "") missing.push("credentials.accessKeyId");
  if (typeof credentials?.secretAccessKey !== "string" || credentials.secretAccessKey === "") missing.push("credentials.secretAccessKey");
  if (missing.length > 0) throw new TypeError(`sigv4: missing or invalid ${missing.join(", ")}`);
  if (typeof body !== "string" && !ArrayBuffer.isView(body)) throw new TypeError("sigv4: body must be a string or Uint8Array");
  const time = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(time.getTime())) throw new TypeError("sigv4: invalid date");

  const { host, path, query } = splitUrl(String(url));
  const amzDate = time.toISOString().replace(/[-:]|\.\d{3}/g, "");
  const dateStamp = amzDate.slice(0, 8);

  const out = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || value === null) continue;
    const lower = name.toLowerCase();
    const prev = out[lower];
    // Two spellings of one name ("Host" and "host") are one repeated header.
    out[lower] = prev === undefined ? value : [].concat(prev, value);
  }
  delete out.authorization;
  if (out.host === undefined) out.host = host;
  out["x-amz-date"] = amzDate;
  let lateToken;
  const token = credentials.sessionToken;
  if (token) {
    if (signSessionToken) out["x-amz-security-token"] = token;
    else {
      delete out["x-amz-security-token"];
      lateToken = token;
    }
  }
  let payloadHash = out["x-amz-content-sha256"];
  if (typeof payloadHash !== "string") {
    payloadHash = sha256Hex(body);
    if (signBody) out["x-amz-content-sha256"] = payloadHash;
  }

  const names = Object.keys(out).filter((n) => !UNSIGNABLE.has(n)).sort();
  let canonicalHeaders = "";
  for (const n of names) canonicalHeaders += `${n}:${canonicalValue(out[n])}\n`;
  const signedHeaders = names.join(";");
  const canonical = [
    method, // as sent: fetch upper-cases GET/POST/... but sends e.g. "patch" verbatim
    canonicalPath(path, normalizePath, uriEscapePath),
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${dateStamp}/${region}/${service}/aws4_request`;
  const toSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  return { headers: out, canonical, toSign, signedHeaders, scope, dateStamp, lateToken };
}

// splitUrl keeps the path and query exactly as written: WHATWG URL parsing
// would re-encode them, and the canonical request must describe the bytes
// that go on the wire.
function splitUrl(url) {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (m === null || m[1] === "") throw new TypeError("sigv4: url must be absolute (scheme://host/path)");
  // URL.host lower-cases and drops a default port, as HTTP clients send Host.
  return { host: new URL(url).host, path: m[2] || "/", query: m[3] ?? "" };
}

function canonicalValue(value) {
  // Spec: trim, collapse runs of whitespace (also obs-fold line breaks) to one
  // space; a repeated header's values are joined with commas, in order.
  if (Array.isArray(value)) return value.map(canonicalValue).join(",");
  return String(value).trim().replace(/\s+/g, " ");
}

function canonicalPath(path, normalize, escape) {
  let p = path;
  if (normalize) {
    const segs = [];
    for (const s of p.split("/")) {
      if (s === "" || s === ".") continue;
      if (s === "..") segs.pop();
      else segs.push(s);
    }
    p = "/" + segs.join("/") + (segs.length > 0 && p.endsWith("/") ? "/" : "");
  }
  if (!escape) return p;
  return p.split("/").map(encodeRfc3986).join("/");
}

function canonicalQuery(query) {
  if (query === "") return "";
  const pairs = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? "" : part.slice(eq + 1);
    // Query parameters are encoded exactly once: decode what the URL already
    // encoded, then apply the SigV4 encoding ('+' stays a literal plus, RFC 3986).
    pairs.push([encodeRfc3986(decode(k)), encodeRfc3986(decode(v))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map((kv) => `${kv[0]}=${kv[1]}`).join("&");
}

function decode(s) {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray '%' is literal; it is then encoded as %25
  }
}

// encodeURIComponent leaves !'()* unescaped; SigV4 (RFC 3986 unreserved only) does not.
function encodeRfc3986(s) {
  let e;
  try {
    e = encodeURIComponent(s);
  } catch {
    e = encodeURIComponent(s.toWellFormed()); // lone surrogate: U+FFFD, as WHATWG URL sends it
  }
  return e.replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}
