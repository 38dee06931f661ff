// A fake AWS Systems Manager Parameter Store endpoint speaking GetParameter
// and PutParameter (AWS JSON 1.1) on 127.0.0.1, for the Basic-auth tests and
// benchmark. It checks requests the way the service does: POST /, the JSON
// 1.1 content type, a SigV4 signature verified with its own implementation
// (never ../../../edgelib/sigv4.js), WithDecryption on reads of SecureStrings,
// size limits on writes. Both the edge handler and `edgekit users` (the Go
// SDK, through AWS_ENDPOINT_URL_SSM) talk to it.
//
//   const ssm = await startFakeSsm({ credentials });
//   process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
//   ssm.set(name, value, "SecureString"); ssm.get(name); ssm.remove(name);
//   ssm.script({ throttle: true }, {});      // one step per request, in order
//   ssm.persist({ status: 500 });            // when the queue is empty (null: none)
//   ssm.requests; ssm.protocolErrors; ssm.reset(); await ssm.close();
//
// Steps:
//   {}                    answer normally
//   {throttle: true}      HTTP 400 ThrottlingException
//   {status: 500|503}     HTTP 5xx InternalServerError
//   {accessDenied: true}  HTTP 400 AccessDeniedException
//   {kmsDenied: true}     HTTP 400 AccessDeniedException from KMS (decrypt refused)
//   {garbage: true}       HTTP 200 with a body that is not JSON
//   {hang: true}          never answer (the client must time out)
//   {delayMs}             wait, then answer normally
import http from "node:http";
import { createHash, createHmac } from "node:crypto";

const MAX_STANDARD = 4096;
const MAX_ADVANCED = 8192;

/**
 * @param {{credentials?: {accessKeyId: string, secretAccessKey: string, sessionToken?: string}, account?: string}} [opts]
 *   credentials: when set, every request must carry a valid SigV4 signature made with them.
 */
export async function startFakeSsm(opts = {}) {
  const account = opts.account ?? "123456789012";
  const params = new Map(); // name -> {value, type, tier, version, modified}
  let queue = [];
  let persistent = null;
  const requests = []; // {target, region, status, step, name}
  const protocolErrors = [];
  const hanging = new Set();

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      serve(req, res, Buffer.concat(chunks)).catch((err) => {
        protocolErrors.push(`fake crashed: ${err && err.stack}`);
        if (!res.headersSent) send(res, 500, { __type: "InternalServerError", message: "fake crashed" });
      });
    });
  });
  server.keepAliveTimeout = 5000;

  async function serve(req, res, raw) {
    const target = String(req.headers["x-amz-target"] ?? "");
    const entry = { target, region: null, status: 0, step: null, name: null };
    requests.push(entry);
    const fail = (status, type, message, protocol = true) => {
      entry.status = status;
      if (protocol) protocolErrors.push(`${type}: ${message}`);
      send(res, status, { __type: type, message });
    };
    if (req.method !== "POST" || req.url !== "/") return fail(404, "UnknownOperationException", `${req.method} ${req.url}`);
    if (req.headers["content-type"] !== "application/x-amz-json-1.1") return fail(400, "SerializationException", `content-type ${req.headers["content-type"]}`);
    const auth = verifyAuth(req, raw, opts.credentials);
    entry.region = auth.region ?? null;
    if (auth.error) return fail(403, auth.error, auth.message);
    let body;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return fail(400, "SerializationException", "body is not JSON");
    }
    entry.name = typeof body?.Name === "string" ? body.Name : null;

    const step = queue.length > 0 ? queue.shift() : persistent ?? {};
    entry.step = step;
    if (step.hang) {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (step.throttle) return fail(400, "ThrottlingException", "Rate exceeded", false);
    if (step.status) return fail(step.status, "InternalServerError", "fault injected", false);
    if (step.accessDenied) return fail(400, "AccessDeniedException", "not authorized to perform ssm:GetParameter", false);
    if (step.kmsDenied) return fail(400, "AccessDeniedException", "KMS decrypt refused (kms:ViaService)", false);
    if (step.garbage) {
      entry.status = 200;
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end("<html>not json</html>");
      return;
    }

    if (target === "AmazonSSM.GetParameter") {
      const name = body.Name;
      if (typeof name !== "string" || !name.startsWith("/")) return fail(400, "ValidationException", "Name");
      const p = params.get(name);
      if (p === undefined) return fail(400, "ParameterNotFound", "no such parameter", false);
      if (p.type === "SecureString" && body.WithDecryption !== true) protocolErrors.push("GetParameter of a SecureString without WithDecryption");
      entry.status = 200;
      send(res, 200, {
        Parameter: {
          ARN: `arn:aws:ssm:${entry.region}:${account}:parameter${name}`,
          DataType: "text",
          LastModifiedDate: p.modified,
          Name: name,
          Type: p.type,
          Value: p.type === "SecureString" && body.WithDecryption !== true ? "AQICAHh...ciphertext" : p.value,
          Version: p.version,
        },
      });
      return;
    }
    if (target === "AmazonSSM.PutParameter") {
      const { Name: name, Value: value, Type: type, Overwrite: overwrite, Tier: tier = "Standard" } = body;
      if (typeof name !== "string" || typeof value !== "string" || value === "") return fail(400, "ValidationException", "Name, Value");
      if (!["String", "StringList", "SecureString"].includes(type)) return fail(400, "ValidationException", `Type ${type}`);
      if (Buffer.byteLength(value) > (tier === "Advanced" ? MAX_ADVANCED : MAX_STANDARD)) {
        return fail(400, "ParameterMaxVersionLimitExceeded", "value too large for the tier", false);
      }
      const p = params.get(name);
      if (p !== undefined && overwrite !== true) return fail(400, "ParameterAlreadyExists", "exists", false);
      const version = (p?.version ?? 0) + 1;
      params.set(name, { value, type, tier, version, modified: Date.now() / 1000 });
      entry.status = 200;
      send(res, 200, { Tier: tier, Version: version });
      return;
    }
    return fail(400, "UnknownOperationException", target);
  }

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    protocolErrors,
    /** Stores a parameter as PutParameter would (version incremented). */
    set(name, value, type = "SecureString") {
      const version = (params.get(name)?.version ?? 0) + 1;
      params.set(name, { value, type, tier: "Standard", version, modified: Date.now() / 1000 });
    },
    get(name) {
      return params.get(name);
    },
    remove(name) {
      params.delete(name);
    },
    script(...steps) {
      queue.push(...steps);
    },
    persist(step) {
      persistent = step;
    },
    /** Requests of one target (default GetParameter). */
    calls(target = "AmazonSSM.GetParameter") {
      return requests.filter((r) => r.target === target).length;
    },
    reset() {
      queue = [];
      persistent = null;
      requests.length = 0;
      protocolErrors.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const sha256hex = (b) => createHash("sha256").update(b).digest("hex");
const hmac = (key, s) => createHmac("sha256", key).update(s).digest();

// SigV4 (header form) for POST / with an empty query, written from the
// specification: canonical request, string to sign, signing key chain.
function verifyAuth(req, raw, creds) {
  const h = String(req.headers.authorization ?? "");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(h);
  if (m === null) return { error: "MissingAuthenticationTokenException", message: "no SigV4 Authorization header" };
  const [, keyId, date, region, service, signedHeaders, signature] = m;
  if (service !== "ssm") return { region, error: "InvalidSignatureException", message: `service ${service}` };
  if (!creds) return { region };
  if (keyId !== creds.accessKeyId) return { region, error: "UnrecognizedClientException", message: "unknown key id" };
  if (creds.sessionToken && req.headers["x-amz-security-token"] !== creds.sessionToken) {
    return { region, error: "UnrecognizedClientException", message: "session token" };
  }
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!amzDate.startsWith(date)) return { region, error: "IncompleteSignatureException", message: "x-amz-date" };
  const names = signedHeaders.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return { region, error: "IncompleteSignatureException", message: "host and x-amz-date must be signed" };
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const payloadHash = req.headers["x-amz-content-sha256"] ?? sha256hex(raw);
  const canonical = ["POST", "/", "", canonicalHeaders, signedHeaders, payloadHash].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonical)].join("\n");
  let key = hmac(`AWS4${creds.secretAccessKey}`, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  if (hmac(key, toSign).toString("hex") !== signature) return { region, error: "InvalidSignatureException", message: "signature mismatch" };
  return { region };
}
