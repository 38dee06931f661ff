// A fake Amazon Data Firehose endpoint speaking PutRecordBatch (JSON 1.1), for
// tests and the benchmark. No Firehose emulator exists, so this is the reference:
// it validates requests the way the service does, verifies SigV4 signatures with
// its own independent implementation (never ../../lib/sigv4.js), learns the
// addressed region from the credential scope, stores accepted records per region
// and replays scripted faults.
//
//   const fh = await startFakeFirehose({ streamName, credentials });
//   process.env.AWS_ENDPOINT_URL_FIREHOSE = fh.url;
//   fh.script("us-east-1", { throttle: true }, { partial: [0, 2] });
//   fh.persist("eu-central-1", { status: 500 });    // when the queue is empty
//   ...; fh.records("us-east-1"); fh.requests; await fh.close();
//
// Steps (one per request, per region, in order; an empty queue uses the persistent
// step, else accepts everything):
//   {}                          accept all records
//   {throttle: true}            HTTP 400 ServiceUnavailableException ("Slow down.")
//   {status: 500|503}           HTTP 5xx InternalFailure / ServiceUnavailableException
//   {partial: [i...], errorCode} 200, FailedPutCount, ErrorCode on those entries
//                               (errorCode default ServiceUnavailableException)
//   {failRate: 0.1, errorCode}  200, each record fails with that probability
//                               (seeded, so a run is reproducible: opts.seed)
//   {notFound: true}            HTTP 400 ResourceNotFoundException
//   {accessDenied: true}        HTTP 400 AccessDeniedException
//   {delayMs}                   wait first; if the client gave up meanwhile the
//                               records are NOT stored, unless storeOnAbort: true
//                               (the "stored but the answer was lost" case)
//   {garbage: true}             200 with a body that is not JSON
//   {redirect: url}             307 to url (a client must not follow it)
import http from "node:http";
import { createHash, createHmac, randomBytes } from "node:crypto";

const TARGET = "Firehose_20150804.PutRecordBatch";
const MAX_RECORDS = 500;
const MAX_RECORD_BYTES = 1024000; // 1,000 KiB before base64
const MAX_CALL_BYTES = 4 * 1024 * 1024;

/**
 * Starts the fake on 127.0.0.1 with an ephemeral port.
 * @param {{streamName?: string, credentials?: {accessKeyId: string, secretAccessKey: string, sessionToken?: string}, seed?: number}} [opts]
 *   credentials: when set, every request must carry a valid SigV4 signature made with them.
 *   seed: seed of the failRate generator. Default: 1.
 */
export async function startFakeFirehose(opts = {}) {
  const random = mulberry32(opts.seed ?? 1);
  const stored = new Map(); // region -> string[]
  const queues = new Map(); // region -> step[]
  const persistent = new Map(); // region -> step
  const requests = []; // {region, count, status, step, aborted, error}
  const protocolErrors = []; // requests the real service would reject as malformed
  const inflight = new Set(); // requests still being served (e.g. delayed ones)

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const p = serve(req, res, Buffer.concat(chunks)).catch((err) => {
        protocolErrors.push(`fake crashed: ${err && err.stack}`);
        if (!res.headersSent) send(res, 500, { __type: "InternalFailure", message: "fake crashed" });
      });
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    });
  });
  server.keepAliveTimeout = 5000;

  async function serve(req, res, raw) {
    const entry = { region: null, count: 0, status: 0, step: null, aborted: false, error: null };
    requests.push(entry);
    const fail = (status, type, message, protocol = true) => {
      entry.status = status;
      entry.error = type;
      if (protocol) protocolErrors.push(`${type}: ${message}`);
      send(res, status, { __type: `com.amazonaws.firehose#${type}`, message });
    };

    if (req.method !== "POST" || req.url !== "/") return fail(404, "UnknownOperationException", `${req.method} ${req.url}`);
    const auth = verifyAuth(req, raw, opts.credentials);
    entry.region = auth.region ?? null;
    if (auth.error) return fail(403, auth.error, auth.message);
    if (auth.service !== "firehose") return fail(403, "InvalidSignatureException", `service ${auth.service}`);
    if (req.headers["content-type"] !== "application/x-amz-json-1.1") return fail(400, "SerializationException", `content-type ${req.headers["content-type"]}`);
    if (req.headers["x-amz-target"] !== TARGET) return fail(400, "UnknownOperationException", `target ${req.headers["x-amz-target"]}`);
    let body;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return fail(400, "SerializationException", "body is not JSON");
    }
    if (opts.streamName && body.DeliveryStreamName !== opts.streamName) {
      return fail(400, "ResourceNotFoundException", `stream ${body.DeliveryStreamName}`);
    }
    const recs = body.Records;
    if (!Array.isArray(recs) || recs.length < 1 || recs.length > MAX_RECORDS) return fail(400, "ValidationException", `Records length ${recs && recs.length}`);
    const decoded = [];
    let total = 0;
    for (const r of recs) {
      if (!r || typeof r.Data !== "string") return fail(400, "ValidationException", "Data missing");
      const buf = Buffer.from(r.Data, "base64");
      if (buf.toString("base64") !== r.Data) return fail(400, "SerializationException", "Data is not canonical base64");
      if (buf.length > MAX_RECORD_BYTES) return fail(400, "ValidationException", `record of ${buf.length} bytes`);
      total += buf.length;
      decoded.push(buf.toString("utf8"));
    }
    if (total > MAX_CALL_BYTES) return fail(400, "InvalidArgumentException", `call of ${total} bytes`);
    entry.count = decoded.length;

    const q = queues.get(auth.region);
    const step = (q && q.length ? q.shift() : persistent.get(auth.region)) || {};
    entry.step = step;
    if (step.delayMs) {
      await new Promise((r) => setTimeout(r, step.delayMs));
      if (req.socket.destroyed || res.destroyed) {
        entry.aborted = true;
        if (step.storeOnAbort) store(auth.region, decoded);
        return;
      }
    }
    if (step.throttle) return fail(400, "ServiceUnavailableException", "Slow down.", false);
    if (step.notFound) return fail(400, "ResourceNotFoundException", `Firehose ${body.DeliveryStreamName} under account 123456789012 not found.`, false);
    if (step.accessDenied) return fail(400, "AccessDeniedException", "not authorized", false);
    if (step.status) return fail(step.status, step.status === 503 ? "ServiceUnavailableException" : "InternalFailure", "injected", false);
    if (step.redirect) {
      entry.status = 307;
      res.writeHead(307, { location: step.redirect, "content-type": "text/plain" });
      return res.end("moved");
    }
    if (step.garbage) {
      entry.status = 200;
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      return res.end("<html>oops</html>");
    }
    const failed = new Set(step.partial || []);
    if (step.failRate) for (let i = 0; i < decoded.length; i++) if (random() < step.failRate) failed.add(i);
    const responses = decoded.map((d, i) => {
      if (failed.has(i)) return { ErrorCode: step.errorCode || "ServiceUnavailableException", ErrorMessage: "injected" };
      store(auth.region, [d]);
      return { RecordId: randomBytes(28).toString("hex") };
    });
    entry.status = 200;
    send(res, 200, { FailedPutCount: responses.filter((r) => r.ErrorCode).length, Encrypted: false, RequestResponses: responses });
  }

  function store(region, list) {
    if (!stored.has(region)) stored.set(region, []);
    stored.get(region).push(...list);
  }

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    /** Requests seen, in arrival order. */
    requests,
    /** Requests the real service would have rejected as malformed (should stay empty). */
    protocolErrors,
    /** Decoded records stored for `region`, or for all regions when omitted. */
    records(region) {
      if (region === undefined) return [...stored.values()].flat();
      return [...(stored.get(region) || [])];
    },
    /** Queues steps for the next requests to `region`. */
    script(region, ...steps) {
      if (!queues.has(region)) queues.set(region, []);
      queues.get(region).push(...steps);
    },
    /** Sets the step used for `region` whenever its queue is empty (null clears). */
    persist(region, step) {
      if (step) persistent.set(region, step);
      else persistent.delete(region);
    },
    /** Resolves when every request received so far has been fully handled. */
    async settled() {
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
    /** Clears stored records, requests, scripts and protocol errors. */
    reset() {
      stored.clear();
      queues.clear();
      persistent.clear();
      requests.length = 0;
      protocolErrors.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// mulberry32: a tiny seeded PRNG, so injected failure patterns repeat exactly.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function send(res, status, obj) {
  if (res.destroyed) return;
  const body = JSON.stringify(obj);
  const headers = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomBytes(16).toString("hex") };
  res.writeHead(status, headers);
  res.end(body);
}

const sha256 = (d) => createHash("sha256").update(d).digest("hex");
const hmac = (k, d) => createHmac("sha256", k).update(d).digest();
const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Parses and (with credentials) verifies a SigV4 Authorization header.
 * Written from the SigV4 specification, independently of lib/sigv4.js.
 */
function verifyAuth(req, raw, creds) {
  const m = AUTH_RE.exec(req.headers.authorization || "");
  if (!m) return { error: "MissingAuthenticationTokenException", message: "no SigV4 authorization" };
  const [, akid, day, region, service, signedList, signature] = m;
  const out = { region, service };
  const bad = (error, message) => ({ region, error, message });
  const signed = signedList.split(";");
  for (const h of ["host", "x-amz-date"]) {
    if (!signed.includes(h)) return bad("IncompleteSignatureException", `${h} not signed`);
  }
  const amzDate = req.headers["x-amz-date"] || "";
  if (!amzDate.startsWith(day)) return bad("IncompleteSignatureException", "date mismatch");
  if (!creds) return out;
  if (akid !== creds.accessKeyId) return bad("UnrecognizedClientException", "unknown key");
  if (creds.sessionToken !== undefined) {
    if (req.headers["x-amz-security-token"] !== creds.sessionToken || !signed.includes("x-amz-security-token")) {
      return bad("UnrecognizedClientException", "bad or unsigned session token");
    }
  }
  const url = new URL(req.url, "http://x");
  const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const payloadHash = req.headers["x-amz-content-sha256"] || sha256(raw);
  if (payloadHash !== sha256(raw)) return bad("InvalidSignatureException", "payload hash mismatch");
  const canonical = ["POST", url.pathname, "", canonicalHeaders, signedList, payloadHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const kDate = hmac("AWS4" + creds.secretAccessKey, day);
  const kSigning = hmac(hmac(hmac(kDate, region), service), "aws4_request");
  const want = createHmac("sha256", kSigning).update(toSign).digest("hex");
  if (want !== signature) return bad("InvalidSignatureException", "signature mismatch");
  return out;
}
