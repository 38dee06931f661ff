// A fake Lambda function URL with AWS_IAM auth, for the signer's tests and
// benchmark: an HTTP server on 127.0.0.1 that accepts a request only with a
// valid SigV4 signature, the way the service checks one. It verifies with its
// own implementation, written from the SigV4 specification and independent of
// ../../../edgelib/sigv4.js: the canonical request is rebuilt from the bytes
// that arrived (raw path and query as sent, header values as received, the
// body's own SHA-256).
//
//   const fn = await startFakeFunctionUrl({ credentials });
//   const res = await forward(signedCloudFrontRequest, fn);   // what CloudFront would send
//   fn.requests.at(-1)  // {method, path, query, headers, body, ok, error, region, service, signedHeaders}
//
// Answers: 200 {"ok": true} when the signature holds, else 403
// {"message": "..."} as a function URL does. Checks, each a 403:
//   - Authorization is AWS4-HMAC-SHA256 with the configured access key;
//   - the credential scope's service is "lambda" and its region is the one in
//     the Host (<id>.lambda-url.<region>.on.aws);
//   - host, x-amz-date and x-amz-content-sha256 are signed, and
//     x-amz-security-token too when the credentials have a session token,
//     whose value must match; every x-amz-* header present is signed;
//   - x-amz-date is within 5 minutes of now and on the scope's day;
//   - x-amz-content-sha256 is the SHA-256 of the body received;
//   - the signature matches.
import http from "node:http";
import { createHash, createHmac } from "node:crypto";

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request, ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/;
const HOST = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;
const SKEW_MS = 5 * 60 * 1000;

/**
 * @param {{credentials: {accessKeyId: string, secretAccessKey: string, sessionToken?: string}}} opts
 */
export async function startFakeFunctionUrl(opts) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const q = req.url.indexOf("?");
      const entry = {
        method: req.method,
        path: q < 0 ? req.url : req.url.slice(0, q),
        query: q < 0 ? "" : req.url.slice(q + 1),
        headers: req.headers,
        body,
        ok: false,
        error: null,
      };
      requests.push(entry);
      try {
        Object.assign(entry, verify(entry, opts.credentials));
        entry.ok = true;
        send(res, 200, { ok: true });
      } catch (err) {
        entry.error = err.message;
        send(res, 403, { message: err.message });
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    requests,
    /** Replaces the credentials requests must be signed with. */
    setCredentials(c) {
      opts.credentials = c;
    },
    reset() {
      requests.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Sends a CloudFront request (as an origin-request function returned it) to
 * the fake the way CloudFront forwards it to a custom origin: origin path +
 * uri + query verbatim, the function's headers, the body bytes, and the
 * headers CloudFront adds or rewrites afterwards (Via, X-Amz-Cf-Id,
 * X-Forwarded-For, Accept-Encoding), which a signer must leave unsigned.
 * @returns {Promise<{status: number, body: any}>}
 */
export function forward(request, fake) {
  const qs = request.querystring ?? "";
  const path = (request.origin?.custom?.path ?? "") + request.uri + (qs === "" ? "" : "?" + qs);
  const headers = {};
  for (const list of Object.values(request.headers)) {
    for (const { key, value } of list) {
      const name = key.toLowerCase();
      headers[name] = headers[name] === undefined ? value : [].concat(headers[name], value);
    }
  }
  Object.assign(headers, {
    via: "1.1 0a1b2c3d4e5f60718293a4b5c6d7e8f9.cloudfront.net (CloudFront)",
    "x-amz-cf-id": "Cb1xUFSPVMCxmMQWeQf2KMwRvV6fW7ZeV4gdqYDJl3hLzZjUfdJ8Ow==",
    "x-forwarded-for": "203.0.113.178, 198.51.100.7",
    "accept-encoding": "gzip",
  });
  const body = request.body ? bodyOf(request.body) : Buffer.alloc(0);
  headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: fake.port, method: request.method, path, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function bodyOf(b) {
  if (!b.data) return Buffer.alloc(0);
  return b.encoding === "text" ? Buffer.from(b.data, "utf8") : Buffer.from(b.data, "base64");
}

function send(res, status, obj) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(obj));
}

const sha256 = (d) => createHash("sha256").update(d).digest("hex");
const hmac = (k, d) => createHmac("sha256", k).update(d).digest();

function verify(r, creds) {
  const h = r.headers;
  const m = AUTH.exec(h.authorization ?? "");
  if (!m) throw new Error("missing or malformed SigV4 Authorization");
  const [, akid, day, region, service, signedList, signature] = m;
  if (akid !== creds.accessKeyId) throw new Error("unknown access key");
  if (service !== "lambda") throw new Error(`scope service ${service}`);
  const host = HOST.exec(h.host ?? "");
  if (!host) throw new Error("host is not a function URL host");
  if (host[1] !== region) throw new Error(`scope region ${region} is not the host's ${host[1]}`);

  const signed = signedList.split(";");
  if (signed.join(";") !== [...signed].sort().join(";")) throw new Error("SignedHeaders not sorted");
  for (const name of ["host", "x-amz-date", "x-amz-content-sha256"]) {
    if (!signed.includes(name)) throw new Error(`${name} not signed`);
  }
  for (const name of Object.keys(h)) {
    // CloudFront's own x-amz-cf-id arrives after signing; every other
    // x-amz-* header must be covered.
    if (name.startsWith("x-amz-") && name !== "x-amz-cf-id" && !signed.includes(name)) throw new Error(`${name} present but not signed`);
  }
  if (creds.sessionToken !== undefined) {
    if (h["x-amz-security-token"] !== creds.sessionToken) throw new Error("wrong session token");
  } else if (h["x-amz-security-token"] !== undefined) {
    throw new Error("unexpected session token");
  }

  const amzDate = h["x-amz-date"] ?? "";
  const t = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate);
  if (!t || !amzDate.startsWith(day)) throw new Error("bad x-amz-date");
  const when = Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]);
  if (Math.abs(when - Date.now()) > SKEW_MS) throw new Error("signature expired");

  const bodyHash = sha256(r.body);
  if (h["x-amz-content-sha256"] !== bodyHash) throw new Error("x-amz-content-sha256 is not the body's hash");

  let canonicalHeaders = "";
  for (const name of signed) {
    const v = h[name];
    if (v === undefined) throw new Error(`signed header ${name} missing`);
    canonicalHeaders += `${name}:${String(v).trim().replace(/\s+/g, " ")}\n`;
  }
  const canonical = [r.method, canonicalPath(r.path), canonicalQuery(r.query), canonicalHeaders, signedList, bodyHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac("AWS4" + creds.secretAccessKey, day), region), service), "aws4_request");
  if (createHmac("sha256", key).update(toSign).digest("hex") !== signature) throw new Error("signature mismatch");
  return { region, service, signedHeaders: signed, canonical };
}

// Unreserved characters (RFC 3986) stay; every other byte is %XX, upper case.
function encodeByte(b) {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9\-._~]/.test(c) ? c : "%" + b.toString(16).toUpperCase().padStart(2, "0");
}

// Non-S3 services: remove empty, "." and ".." segments, then encode the path
// as it was sent once more ('%' -> %25), keeping the slashes.
function canonicalPath(raw) {
  const out = [];
  for (const seg of raw.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  let p = "/" + out.join("/");
  if (out.length > 0 && raw.endsWith("/")) p += "/";
  let enc = "";
  for (const b of Buffer.from(p, "utf8")) enc += b === 0x2f ? "/" : encodeByte(b);
  return enc;
}

// The query as the service reads it: '&'-separated pairs, each %XX one byte
// whatever the bytes spell, '+' a space; then every byte encoded, pairs
// sorted by name and value.
function canonicalQuery(raw) {
  if (raw === "") return "";
  const pairs = [];
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    pairs.push([encodeBytes(decodeForm(name)), encodeBytes(decodeForm(value))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

function decodeForm(s) {
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "+") bytes.push(0x20);
    else if (c === "%" && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, "utf8"));
  }
  return bytes;
}

function encodeBytes(bytes) {
  let out = "";
  for (const b of bytes) out += encodeByte(b);
  return out;
}
