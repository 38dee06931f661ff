// The edge AWS client against local HTTP servers on 127.0.0.1: signing, endpoint
// overrides, keep-alive reuse, time and size bounds, redirect refusal and the
// classification of every failure into one AwsError shape. A pure library test,
// so it imports the source module directly.
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { AwsError, awsRequest, classify, closeConnections, endpointUrl, isThrottleCode, JSON_11 } from "../awsclient.js";
import { signRequest } from "../sigv4.js";

const CREDS = {
  AWS_ACCESS_KEY_ID: "ASIAEDGEKITCLIENT001",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEdgekitSESSIONTOKEN==",
};
const PAYLOAD_MARKER = "PAYLOAD-MARKER-4711";
const SERVER_MESSAGE = "SERVER-MESSAGE-quoting-PAYLOAD";

const servers = [];
afterEach(async () => {
  closeConnections();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * A local HTTP server: handler(req, res, body, n) answers the n-th request
 * (1-based) after its body was read. Counts TCP connections.
 */
async function serve(handler) {
  const s = { connections: 0, requests: [], closed: 0 };
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const n = s.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body, n);
    });
  });
  srv.keepAliveTimeout = 5000;
  srv.on("connection", (sock) => {
    s.connections++;
    sock.on("close", () => s.closed++);
  });
  await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
  s.url = `http://127.0.0.1:${srv.address().port}`;
  s.close = () => {
    srv.closeAllConnections();
    return new Promise((ok) => srv.close(() => ok()));
  };
  servers.push(s);
  return s;
}

const json = (res, status, obj, headers = {}) => {
  res.writeHead(status, { "content-type": JSON_11, ...headers });
  res.end(JSON.stringify(obj));
};

/** A KMS GetPublicKey call to `url` through the standard override. */
function call(url, over = {}) {
  const { env, ...rest } = over;
  return awsRequest({
    service: "KMS",
    signingName: "kms",
    region: "us-west-2",
    target: "TrentService.GetPublicKey",
    body: { KeyId: "alias/edgekit", Note: PAYLOAD_MARKER },
    // Generous: a loaded CI machine must not turn an answer into a timeout.
    timeoutMs: 10000,
    env: { AWS_ENDPOINT_URL_KMS: url, ...CREDS, ...env },
    ...rest,
  });
}

/** Asserts that p rejects with an AwsError of `kind` (and the given fields). */
async function rejectsWith(p, want) {
  let err;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof AwsError, `want AwsError, got ${err && err.stack}`);
  for (const [k, v] of Object.entries(want)) assert.equal(err[k], v, `AwsError.${k}`);
  assertSafe(err);
  return err;
}

// No error ever carries the payload, the credentials or the service's message.
function assertSafe(err) {
  const text = [String(err), err.stack, JSON.stringify(err), JSON.stringify(Object.entries(err))].join("\n");
  for (const s of [PAYLOAD_MARKER, SERVER_MESSAGE, CREDS.AWS_SECRET_ACCESS_KEY, CREDS.AWS_SESSION_TOKEN, "<script>"]) {
    assert.ok(!text.includes(s), `error leaks ${s}`);
  }
  assert.deepEqual(Object.keys(err).sort(), ["code", "kind", "name", "operation", "retryable", "service", "status"]);
}

const amzDate = (d) => new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);

describe("requests", () => {
  test("a signed JSON 1.1 call returns the parsed answer", async () => {
    const s = await serve((req, res) => json(res, 200, { KeyId: "arn:aws:kms:us-west-2:111122223333:key/k", PublicKey: "TUlJQg==" }));
    const out = await call(s.url, { headers: { "X-Edgekit-Trace": "t-1" } });
    assert.deepEqual(out, { KeyId: "arn:aws:kms:us-west-2:111122223333:key/k", PublicKey: "TUlJQg==" });
    const [r] = s.requests;
    assert.equal(r.method, "POST");
    assert.equal(r.url, "/");
    assert.equal(r.headers["content-type"], JSON_11);
    assert.equal(r.headers["x-amz-target"], "TrentService.GetPublicKey");
    assert.equal(r.headers["x-amz-security-token"], CREDS.AWS_SESSION_TOKEN);
    assert.equal(Number(r.headers["content-length"]), r.body.length);
    assert.deepEqual(JSON.parse(r.body), { KeyId: "alias/edgekit", Note: PAYLOAD_MARKER });
    const auth = r.headers.authorization;
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=ASIAEDGEKITCLIENT001\/\d{8}\/us-west-2\/kms\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/);
    const signed = /SignedHeaders=([^,]+)/.exec(auth)[1].split(";");
    for (const h of ["content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target", "x-edgekit-trace"]) assert.ok(signed.includes(h), `${h} signed`);
    // What went on the wire is exactly what was signed: re-sign the received request.
    const headers = {};
    for (const h of signed) if (h !== "x-amz-date" && h !== "x-amz-security-token") headers[h] = r.headers[h];
    const again = signRequest({
      method: "POST", url: `${s.url}/`, headers, body: r.body, region: "us-west-2", service: "kms",
      credentials: { accessKeyId: CREDS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDS.AWS_SECRET_ACCESS_KEY, sessionToken: CREDS.AWS_SESSION_TOKEN },
      date: amzDate(r.headers["x-amz-date"]),
    });
    assert.equal(again.authorization, auth);
  });

  test("string and byte bodies are sent verbatim; an empty 2xx body is {}", async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-type": JSON_11 });
      res.end();
    });
    assert.deepEqual(await call(s.url, { body: '{"Name":"/edgekit/x"}' }), {});
    assert.deepEqual(await call(s.url, { body: Buffer.from('{"Name":"ü"}') }), {});
    assert.deepEqual(await call(s.url, { body: undefined }), {});
    assert.deepEqual(s.requests.map((r) => r.body.toString("utf8")), ['{"Name":"/edgekit/x"}', '{"Name":"ü"}', "{}"]);
  });

  test("credentials are read from the environment on every call", async () => {
    const s = await serve((req, res) => json(res, 200, {}));
    await call(s.url);
    await call(s.url, { env: { AWS_ACCESS_KEY_ID: "AKIAEDGEKITROTATED02", AWS_SECRET_ACCESS_KEY: "rotated", AWS_SESSION_TOKEN: undefined } });
    assert.match(s.requests[0].headers.authorization, /Credential=ASIAEDGEKITCLIENT001\//);
    assert.match(s.requests[1].headers.authorization, /Credential=AKIAEDGEKITROTATED02\//);
    assert.equal(s.requests[1].headers["x-amz-security-token"], undefined);
  });

  test("caller headers cannot replace the protocol's own", async () => {
    const s = await serve((req, res) => json(res, 200, {}));
    await call(s.url, { headers: { "Content-Type": "text/plain", Host: "evil.example", "X-Amz-Target": "Other.Op", Authorization: "x", "x-amz-security-token": "stolen" } });
    const h = s.requests[0].headers;
    assert.equal(h["content-type"], JSON_11);
    assert.equal(h.host, new URL(s.url).host);
    assert.equal(h["x-amz-target"], "TrentService.GetPublicKey");
    assert.equal(h["x-amz-security-token"], CREDS.AWS_SESSION_TOKEN);
    assert.match(h.authorization, /^AWS4-HMAC-SHA256 /);
  });

  const invalid = [
    { name: "fails_without_target", over: { target: "" } },
    { name: "fails_without_signing_name", over: { signingName: undefined } },
    { name: "fails_without_timeout_or_deadline", over: { timeoutMs: undefined } },
    { name: "fails_invalid_region", over: { region: "us-east-1.evil.example/#" } },
  ];
  for (const c of invalid) {
    test(c.name, async () => {
      const s = await serve((req, res) => json(res, 200, {}));
      await assert.rejects(call(s.url, c.over), TypeError);
      assert.equal(s.requests.length, 0);
    });
  }
});

describe("endpoints", () => {
  const cases = [
    { name: "default", service: "Firehose", prefix: "firehose", region: "eu-central-1", env: {}, want: "https://firehose.eu-central-1.amazonaws.com/" },
    { name: "china partition", service: "Firehose", prefix: "firehose", region: "cn-north-1", env: {}, want: "https://firehose.cn-north-1.amazonaws.com.cn/" },
    { name: "service override", service: "SSM", prefix: "ssm", region: "us-east-1", env: { AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:4566" }, want: "http://127.0.0.1:4566/" },
    { name: "service override wins over the global one", service: "KMS", prefix: "kms", region: "us-east-1", env: { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:2/" }, want: "http://127.0.0.1:2/" },
    { name: "global override", service: "KMS", prefix: "kms", region: "us-east-1", env: { AWS_ENDPOINT_URL: "https://localhost:8443" }, want: "https://localhost:8443/" },
    { name: "service id with spaces", service: "Secrets Manager", prefix: "secretsmanager", region: "us-east-1", env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:3" }, want: "http://127.0.0.1:3/" },
    { name: "another service's override is not used", service: "Firehose", prefix: "firehose", region: "us-east-1", env: { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:2" }, want: "https://firehose.us-east-1.amazonaws.com/" },
    { name: "path kept, trailing slashes folded", service: "SSM", prefix: "ssm", region: "us-east-1", env: { AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:4566/aws//" }, want: "http://127.0.0.1:4566/aws/" },
    { name: "IPv6 loopback", service: "SSM", prefix: "ssm", region: "us-east-1", env: { AWS_ENDPOINT_URL_SSM: "http://[::1]:4566" }, want: "http://[::1]:4566/" },
    { name: "overrides ignored on request", service: "SSM", prefix: "ssm", region: "us-east-1", env: { AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:4566", AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "TRUE" }, want: "https://ssm.us-east-1.amazonaws.com/" },
    { name: "empty override is no override", service: "SSM", prefix: "ssm", region: "us-east-1", env: { AWS_ENDPOINT_URL_SSM: "" }, want: "https://ssm.us-east-1.amazonaws.com/" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(endpointUrl({ service: c.service, endpointPrefix: c.prefix, region: c.region, env: c.env }), c.want);
    });
  }

  const bad = [
    { name: "fails_override_not_a_url", env: { AWS_ENDPOINT_URL_SSM: "not a url" } },
    { name: "fails_override_not_http", env: { AWS_ENDPOINT_URL_SSM: "file:///etc/passwd" } },
    { name: "fails_override_with_credentials", env: { AWS_ENDPOINT_URL: "http://user:pw@127.0.0.1:1" } },
    { name: "fails_override_with_query", env: { AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:1/?x=1" } },
    { name: "fails_region_injection", env: {}, region: "us-east-1.evil.example" },
    { name: "fails_empty_region", env: {}, region: "" },
  ];
  for (const c of bad) {
    test(c.name, () => {
      assert.throws(() => endpointUrl({ service: "SSM", endpointPrefix: "ssm", region: c.region ?? "us-east-1", env: c.env }), TypeError);
    });
  }

  test("an override reaches the local server through awsRequest", async () => {
    const s = await serve((req, res) => json(res, 200, { Parameter: { Value: "v" } }));
    const out = await awsRequest({
      service: "SSM", signingName: "ssm", region: "us-east-1", target: "AmazonSSM.GetParameter",
      body: { Name: "/edgekit/basicauth/users", WithDecryption: true }, timeoutMs: 1000,
      env: { ...CREDS, AWS_ENDPOINT_URL: s.url },
    });
    assert.deepEqual(out, { Parameter: { Value: "v" } });
    assert.match(s.requests[0].headers.authorization, /\/us-east-1\/ssm\/aws4_request/);
  });
});

describe("keep-alive", () => {
  test("sequential calls reuse one connection", async () => {
    const s = await serve((req, res) => json(res, 200, {}));
    for (let i = 0; i < 20; i++) await call(s.url);
    assert.equal(s.requests.length, 20);
    assert.equal(s.connections, 1);
  });

  test("concurrent calls open parallel connections, later calls reuse them", async () => {
    const s = await serve((req, res) => setTimeout(() => json(res, 200, {}), 20));
    await Promise.all([call(s.url), call(s.url), call(s.url)]);
    assert.equal(s.connections, 3);
    await Promise.all([call(s.url), call(s.url), call(s.url)]);
    for (let i = 0; i < 5; i++) await call(s.url);
    assert.equal(s.connections, 3);
    assert.equal(s.requests.length, 11);
  });

  test("a pooled connection the server dropped is replaced once, transparently", async () => {
    // The second request arrives on the pooled socket and the server drops it
    // without an answer, as a server does with a connection it timed out while
    // the container was frozen.
    const s = await serve((req, res, body, n) => (n === 2 ? req.socket.destroy() : json(res, 200, { n })));
    assert.deepEqual(await call(s.url), { n: 1 });
    assert.deepEqual(await call(s.url), { n: 3 });
    assert.equal(s.connections, 2);
    assert.equal(s.requests.length, 3);
  });

  test("fails_reset_on_a_fresh_connection_is_not_resent", async () => {
    const s = await serve((req) => req.socket.destroy());
    await rejectsWith(call(s.url), { kind: "network", status: 0, code: "ECONNRESET", retryable: true, service: "KMS", operation: "GetPublicKey" });
    assert.equal(s.requests.length, 1);
  });

  test("fails_reset_twice_on_a_pooled_connection_is_resent_only_once", async () => {
    const s = await serve((req, res, body, n) => (n === 1 ? json(res, 200, {}) : req.socket.destroy()));
    await call(s.url);
    await rejectsWith(call(s.url), { kind: "network", code: "ECONNRESET" });
    assert.equal(s.requests.length, 3);
  });

  test("fails_connection_refused", async () => {
    const s = await serve(() => {});
    const url = s.url;
    await s.close();
    servers.length = 0;
    await rejectsWith(call(url), { kind: "network", status: 0, code: "ECONNREFUSED", retryable: true });
  });
});

describe("time bounds", () => {
  test("fails_slow_answer_times_out_and_the_request_is_destroyed", async () => {
    const s = await serve((req, res) => setTimeout(() => json(res, 200, {}), 1500));
    const t0 = Date.now();
    await rejectsWith(call(s.url, { timeoutMs: 100 }), { kind: "timeout", status: 0, code: "RequestTimeout", retryable: true });
    const ms = Date.now() - t0;
    assert.ok(ms >= 95 && ms < 1400, `took ${ms} ms, the answer came after 1500`);
    await waitFor(() => s.closed === 1, "the timed-out connection was not closed");
  });

  test("fails_deadline_earlier_than_timeout_wins", async () => {
    const s = await serve(() => {});
    const t0 = Date.now();
    await rejectsWith(call(s.url, { timeoutMs: 5000, deadline: Date.now() + 80 }), { kind: "timeout", code: "RequestTimeout" });
    const ms = Date.now() - t0;
    assert.ok(ms >= 75 && ms < 2500, `took ${ms} ms, timeoutMs was 5000`);
  });

  test("fails_deadline_passed_sends_nothing", async () => {
    const s = await serve((req, res) => json(res, 200, {}));
    await rejectsWith(call(s.url, { deadline: Date.now() - 1 }), { kind: "timeout", code: "DeadlineExceeded" });
    await rejectsWith(call(s.url, { timeoutMs: 0 }), { kind: "timeout", code: "DeadlineExceeded" });
    assert.equal(s.requests.length, 0);
  });

  test("fails_trickling_body_is_bounded_by_the_whole_timeout", async () => {
    // Bytes keep coming, so no inactivity timeout would ever fire: the
    // whole-response bound must.
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-type": JSON_11 });
      res.write("{");
      const iv = setInterval(() => (res.destroyed ? clearInterval(iv) : res.write(" ")), 20);
      res.on("close", () => clearInterval(iv));
    });
    const t0 = Date.now();
    await rejectsWith(call(s.url, { timeoutMs: 300 }), { kind: "timeout", code: "RequestTimeout" });
    assert.ok(Date.now() - t0 < 2500);
  });

  test("fails_socket_inactivity_times_out_before_the_whole_bound", async () => {
    const s = await serve(() => {});
    const t0 = Date.now();
    await rejectsWith(call(s.url, { timeoutMs: 5000, socketTimeoutMs: 60 }), { kind: "timeout", code: "SocketTimeout" });
    const ms = Date.now() - t0;
    assert.ok(ms >= 55 && ms < 2500, `took ${ms} ms, timeoutMs was 5000`);
  });
});

describe("redirects", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`fails_redirect_${status}_is_never_followed`, async () => {
      const elsewhere = await serve((req, res) => json(res, 200, {}));
      const s = await serve((req, res) => {
        res.writeHead(status, { location: `${elsewhere.url}/`, "content-type": "text/plain" });
        res.end("moved");
      });
      await rejectsWith(call(s.url), { kind: "redirect", status, retryable: true });
      assert.equal(s.requests.length, 1);
      assert.equal(elsewhere.requests.length, 0, "the payload and the session token went to another host");
    });
  }
});

describe("garbage and oversize answers", () => {
  const cases = [
    { name: "fails_html_200", answer: (res) => res.end("<html>oops</html>"), code: "InvalidJson" },
    { name: "fails_truncated_json_200", answer: (res) => res.end('{"KeyId":'), code: "InvalidJson" },
    { name: "fails_array_200", answer: (res) => res.end("[]"), code: "NotAnObject" },
    { name: "fails_null_200", answer: (res) => res.end("null"), code: "NotAnObject" },
    { name: "fails_declared_oversize", answer: (res) => { res.writeHead(200, { "content-length": "2000" }); res.end("x".repeat(2000)); }, code: "ResponseTooLarge", max: 1000 },
    { name: "fails_streamed_oversize", answer: (res) => { res.writeHead(200, { "content-type": JSON_11 }); for (let i = 0; i < 64; i++) res.write(`"${"y".repeat(1022)}"`); res.end(); }, code: "ResponseTooLarge", max: 16 * 1024 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const s = await serve((req, res) => c.answer(res));
      await rejectsWith(call(s.url, c.max ? { maxResponseBytes: c.max } : {}), { kind: "garbage", status: 200, code: c.code, retryable: true });
    });
  }

  test("fails_oversize_answer_closes_the_connection", async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-type": JSON_11 });
      const iv = setInterval(() => (res.destroyed ? clearInterval(iv) : res.write("z".repeat(4096))), 1);
      res.on("close", () => clearInterval(iv));
    });
    await rejectsWith(call(s.url, { maxResponseBytes: 10000 }), { kind: "garbage", code: "ResponseTooLarge" });
    await waitFor(() => s.closed === 1, "the connection was kept after an oversize answer");
  });

  test("fails_answer_cut_off_mid_body", async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-type": JSON_11, "content-length": "100" });
      res.write('{"KeyId":"');
      setTimeout(() => req.socket.destroy(), 10);
    });
    await rejectsWith(call(s.url), { kind: "network", status: 200, code: "ResponseAborted", retryable: true });
  });

  test("an answer of exactly maxResponseBytes is read", async () => {
    const body = JSON.stringify({ Value: "v".repeat(100) });
    const s = await serve((req, res) => res.end(body));
    assert.deepEqual(await call(s.url, { maxResponseBytes: Buffer.byteLength(body) }), JSON.parse(body));
  });
});

describe("error answers", () => {
  const msg = { message: SERVER_MESSAGE, Message: SERVER_MESSAGE };
  // [name, status, headers, body, kind, code, extra options]
  const cases = [
    ["errortype_header_with_suffix", 400, { "x-amzn-errortype": "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.firehose/" }, msg, "not_found", "ResourceNotFoundException"],
    ["__type_with_namespace", 400, {}, { __type: "com.amazonaws.kms#NotFoundException", ...msg }, "not_found", "NotFoundException"],
    ["ssm_parameter_not_found", 400, {}, { __type: "ParameterNotFound", ...msg }, "not_found", "ParameterNotFound"],
    ["header_wins_over_body", 400, { "x-amzn-errortype": "AccessDeniedException" }, { __type: "ValidationException" }, "access_denied", "AccessDeniedException"],
    ["code_field", 400, {}, { code: "ValidationException", ...msg }, "rejected", "ValidationException"],
    ["access_denied", 400, {}, { __type: "AccessDeniedException", ...msg }, "access_denied", "AccessDeniedException"],
    ["unrecognized_client", 400, {}, { __type: "UnrecognizedClientException" }, "auth", "UnrecognizedClientException"],
    ["invalid_signature", 403, {}, { __type: "InvalidSignatureException", ...msg }, "auth", "InvalidSignatureException"],
    ["expired_token", 400, {}, { __type: "ExpiredTokenException" }, "auth", "ExpiredTokenException"],
    ["validation", 400, {}, { __type: "ValidationException", ...msg }, "rejected", "ValidationException"],
    ["kms_disabled_key", 400, {}, { __type: "DisabledException" }, "rejected", "DisabledException"],
    ["throttling_exception", 400, {}, { __type: "ThrottlingException", ...msg }, "throttled", "ThrottlingException"],
    ["too_many_requests_exception", 400, {}, { __type: "TooManyRequestsException" }, "throttled", "TooManyRequestsException"],
    ["kms_limit_exceeded", 400, {}, { __type: "LimitExceededException" }, "throttled", "LimitExceededException"],
    ["status_429_without_code", 429, {}, null, "throttled", ""],
    ["service_unavailable_generic", 400, {}, { __type: "ServiceUnavailableException", message: "Slow down." }, "unavailable", "ServiceUnavailableException"],
    ["service_unavailable_as_throttling", 400, {}, { __type: "ServiceUnavailableException", message: "Slow down." }, "throttled", "ServiceUnavailableException", { throttleCodes: ["ServiceUnavailableException"] }],
    ["internal_failure_500", 500, {}, { __type: "InternalFailure", ...msg }, "unavailable", "InternalFailure"],
    ["kms_internal_4xx", 400, {}, { __type: "KMSInternalException" }, "unavailable", "KMSInternalException"],
    ["bad_gateway_html", 502, { "content-type": "text/html" }, "<html>bad gateway</html>", "unavailable", ""],
    ["service_unavailable_empty", 503, {}, null, "unavailable", ""],
    ["forbidden_without_code", 403, { "content-type": "text/html" }, "<html>denied</html>", "access_denied", ""],
    ["not_found_without_code", 404, {}, null, "not_found", ""],
    ["hostile_code_is_dropped", 400, {}, { __type: "Evil\nInjected <script>", ...msg }, "rejected", ""],
    ["hostile_header_is_dropped", 400, { "x-amzn-errortype": "A <script>alert(1)</script>" }, msg, "rejected", ""],
  ];
  for (const [name, status, headers, body, kind, code, extra = {}] of cases) {
    test(`fails_${name}`, async () => {
      const s = await serve((req, res) => {
        res.writeHead(status, { "content-type": JSON_11, ...headers });
        res.end(body === null ? "" : typeof body === "string" ? body : JSON.stringify(body));
      });
      const err = await rejectsWith(call(s.url, extra), { kind, status, code });
      assert.equal(err.retryable, ["throttled", "unavailable"].includes(kind));
      assert.equal(s.requests.length, 1, "the client never retries an answered call itself");
    });
  }

  test("classification table: code first, status second", () => {
    assert.equal(classify(400, "ProvisionedThroughputExceededException"), "throttled");
    assert.equal(classify(500, "ThrottlingException"), "throttled");
    assert.equal(classify(503, ""), "unavailable");
    assert.equal(classify(400, "ServiceUnavailableException", new Set(["ServiceUnavailableException"])), "throttled");
    assert.equal(classify(401, ""), "auth");
    assert.equal(classify(418, ""), "rejected");
    assert.equal(classify(101, ""), "garbage");
    assert.ok(isThrottleCode("SlowDown"));
    assert.ok(!isThrottleCode("InternalFailure"));
  });
});

describe("credentials", () => {
  const cases = [
    { name: "fails_missing_credentials_sends_nothing", env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined }, code: "MissingCredentials" },
    { name: "fails_missing_secret_sends_nothing", env: { AWS_SECRET_ACCESS_KEY: "" }, code: "MissingCredentials" },
    { name: "fails_token_with_line_break_sends_nothing", env: { AWS_SESSION_TOKEN: "abc\r\nx-injected: 1" }, code: "InvalidCredentials" },
    { name: "fails_key_id_with_space_sends_nothing", env: { AWS_ACCESS_KEY_ID: "AKIA EDGEKIT" }, code: "InvalidCredentials" },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const s = await serve((req, res) => json(res, 200, {}));
      await rejectsWith(call(s.url, { env: c.env }), { kind: "auth", status: 0, code: c.code, retryable: false });
      assert.equal(s.requests.length, 0);
    });
  }
});

async function waitFor(cond, message) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), message);
}
