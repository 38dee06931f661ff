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
let last = { secret: undefined, dateStamp: undefined, region: undefined, service: undefined, key: undefined };

// Values that go into a header as they are: visible ASCII only, so a
// credential with a line break can never split a request.
const HEADER_SAFE_RE = /^[\x21-\x7e]+$/;

/**
 * The Lambda role's credentials from the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), read on every call because they
 * rotate. Returns "MissingCredentials" or "InvalidCredentials" (a key id or
 * token that is not visible ASCII) instead of credentials that cannot be used.
 * @param {Record<string, string | undefined>} [env]
 * @returns {{accessKeyId: string, secretAccessKey: string, sessionToken?: string} | "MissingCredentials" | "InvalidCredentials"}
 */
export function envCredentials(env = process.env) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  if (!accessKeyId || !secretAccessKey) return "MissingCredentials";
  if (!HEADER_SAFE_RE.test(accessKeyId) || (sessionToken !== undefined && !HEADER_SAFE_RE.test(sessionToken))) {
    return "InvalidCredentials";
  }
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

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
  // A container nearly always signs with the same credentials, day, region
  // and service as last time: answer that without building the cache key.
  if (secret === last.secret && dateStamp === last.dateStamp && region === last.region && service === last.service) {
    return last.key;
  }
  const id = `${secret}\n${dateStamp}\n${region}\n${service}`;
  let key = keyCache.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac("AWS4" + secret, dateStamp), region), service), "aws4_request");
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, key);
  }
  last = { secret, dateStamp, region, service, key };
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
 *   encoded once more for every service but S3, as SigV4 requires. In the query
 *   each %XX is one byte (UTF-8 or not), '+' is a space and a '%' without two
 *   hex digits is a literal '%'; names and values are re-encoded byte by byte.
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
  // A supplied hash is used as its canonical header value, so the header line
  // and the payload line of the canonical request can never disagree.
  const suppliedHash = out["x-amz-content-sha256"];
  let payloadHash;
  if (suppliedHash === undefined) {
    payloadHash = sha256Hex(body);
    if (signBody) out["x-amz-content-sha256"] = payloadHash;
  } else {
    payloadHash = canonicalValue(suppliedHash);
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
  // URL.host lower-cases, drops a default port, converts IDNs and numeric IPv4
  // forms, as HTTP clients send Host. A lower-case DNS name without a port
  // (what AWS endpoints look like) is already in that form: skip the parse.
  const host = PLAIN_HOST.test(m[1]) && !m[1].includes("xn--") ? m[1] : new URL(url).host;
  return { host, path: m[2] || "/", query: m[3] ?? "" };
}

// Labels of a-z 0-9 '-', the last starting with a letter (so never an IPv4 number).
const PLAIN_HOST = /^(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*$/;

function canonicalValue(value) {
  // Spec: trim, collapse runs of whitespace (also obs-fold line breaks) to one
  // space; a repeated header's values are joined with commas, in order.
  if (Array.isArray(value)) return value.map(canonicalValue).join(",");
  return String(value).trim().replace(/\s+/g, " ");
}

function canonicalPath(path, normalize, escape) {
  let p = path;
  // Only "//", "." and ".." segments change under normalization, and all of
  // them contain one of these two: skip the split for the usual clean path.
  if (normalize && (p.includes("//") || p.includes("/."))) {
    const segs = [];
    for (const s of p.split("/")) {
      if (s === "" || s === ".") continue;
      if (s === "..") segs.pop();
      else segs.push(s);
    }
    p = "/" + segs.join("/") + (segs.length > 0 && p.endsWith("/") ? "/" : "");
  }
  // The path is already percent-encoded as sent; SigV4 encodes it once more
  // ('%' becomes %25), keeping the '/' separators.
  return escape ? uriEncode(p, false) : p;
}

// canonicalQuery sorts and encodes the query as SigV4 requires. It works on
// bytes, as aws-sdk-go-v2 and aws-c-auth do: every %XX is one byte whether or
// not the bytes spell UTF-8 (q=%E9 and q=%C3%A9%ff are ordinary viewer input
// that decodeURIComponent rejects), and each byte is encoded once, so the
// canonical query describes exactly the bytes AWS receives.
function canonicalQuery(query) {
  if (query === "") return "";
  const pairs = [];
  const n = query.length;
  for (let start = 0; start < n; ) {
    let end = query.indexOf("&", start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = query.indexOf("=", start);
      if (eq < 0 || eq > end) pairs.push([uriEncode(query.slice(start, end), true), ""]);
      else pairs.push([uriEncode(query.slice(start, eq), true), uriEncode(query.slice(eq + 1, end), true)]);
    }
    start = end + 1;
  }
  // Sorted by encoded name, then encoded value ("sorting occurs after encoding").
  if (pairs.length > 1) pairs.sort(comparePairs);
  let out = "";
  for (let i = 0; i < pairs.length; i++) out += (i === 0 ? "" : "&") + pairs[i][0] + "=" + pairs[i][1];
  return out;
}

function comparePairs(a, b) {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

// ENCODED[b] is byte b as it appears in a canonical request: the RFC 3986
// unreserved characters (A-Z a-z 0-9 - . _ ~) as themselves, every other byte
// as %XX with upper-case hex. UNRESERVED marks the unreserved ASCII codes.
const ENCODED = [];
const UNRESERVED = new Uint8Array(128);
for (let b = 0; b < 256; b++) {
  const unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
  if (unreserved) UNRESERVED[b] = 1;
  ENCODED.push(unreserved ? String.fromCharCode(b) : "%" + b.toString(16).toUpperCase().padStart(2, "0"));
}

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII letters to lower case
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

// uriEncode applies the SigV4 URI encoding to text as it appears in a URL.
// query: a query name or value, whose %XX escapes are decoded to one byte
// each first ('+' is a space, as aws-sdk-go-v2 and the services read a query;
// a '%' not followed by two hex digits is a literal '%'). Otherwise a path,
// taken literally ('%' becomes %25) with its '/' kept. Characters that are not
// ASCII are encoded as UTF-8; a lone surrogate as U+FFFD, as WHATWG URL sends it.
function uriEncode(s, query) {
  const n = s.length;
  let i = 0;
  // Most names, values and paths need no change: return them without copying.
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || (UNRESERVED[c] === 0 && (query || c !== 0x2f))) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (query) {
        if (c === 0x25 && i + 2 < n) {
          const hi = hexValue(s.charCodeAt(i + 1));
          const lo = hi < 0 ? -1 : hexValue(s.charCodeAt(i + 2));
          if (lo >= 0) {
            out += ENCODED[(hi << 4) | lo];
            i += 2;
            continue;
          }
        } else if (c === 0x2b) {
          out += "%20";
          continue;
        }
      } else if (c === 0x2f) {
        out += "/";
        continue;
      }
      out += ENCODED[c];
    } else if (c < 0x800) {
      out += ENCODED[0xc0 | (c >> 6)] + ENCODED[0x80 | (c & 0x3f)];
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          cp = 0xfffd;
        }
      }
      if (cp >= 0x10000) {
        out += ENCODED[0xf0 | (cp >> 18)] + ENCODED[0x80 | ((cp >> 12) & 0x3f)] +
          ENCODED[0x80 | ((cp >> 6) & 0x3f)] + ENCODED[0x80 | (cp & 0x3f)];
      } else {
        out += ENCODED[0xe0 | (cp >> 12)] + ENCODED[0x80 | ((cp >> 6) & 0x3f)] + ENCODED[0x80 | (cp & 0x3f)];
      }
    }
  }
  return out;
}
