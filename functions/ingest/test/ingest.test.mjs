// Tests of the ingest handler through its deployed artifact: the esbuild bundle's
// exports.handler, talking to a fake Firehose (test/fakes/firehose.mjs) that
// verifies SigV4 independently and injects faults.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";
import { startFakeFirehose } from "./fakes/firehose.mjs";
import { SECURITY_HEADERS } from "../../edgelib/response.js";

const STREAM = "edgekit-ingest";
// The production config exactly as Go bakes it in (constructs/ingest writes
// testdata/handler-config.json), with short backoff and timeouts so the suite is fast.
const CONFIG = handlerConfig("ingest", { baseBackoffMs: 4, maxBackoffMs: 20, requestTimeoutMs: 200 });
const SMALL = { ...CONFIG, maxRecords: 5, maxRecordBytes: 300, maxBatchBytes: 1000 };
const CREDS = { accessKeyId: "ASIAEDGEKITTEST00001", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "IQoJb3JpZ2luX2VjEdgekitSessionToken==" };
const ARN = lambdaContext().invokedFunctionArn;

// Payload fragments that must never appear in a response or a log line.
const SECRETS = ["u-4711", "page_view", "buy-now", "Größe", "q4-ümlaut", "newsletter", "SECRET-MARKER"];

let fh;
let main; // bundle with CONFIG
let small; // bundle with SMALL limits
const envKeys = ["AWS_REGION", "AWS_ENDPOINT_URL_FIREHOSE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
const savedEnv = Object.fromEntries(envKeys.map((k) => [k, process.env[k]]));

function setEnv(over = {}) {
  const env = {
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_FIREHOSE: fh.url,
    AWS_ENDPOINT_URL: undefined,
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDS.sessionToken,
    ...over,
  };
  for (const k of envKeys) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
}

before(async () => {
  fh = await startFakeFirehose({ streamName: STREAM, credentials: { ...CREDS } });
  setEnv();
  main = buildBundle("ingest", CONFIG);
  small = buildBundle("ingest", SMALL);
});
after(async () => {
  for (const k of envKeys) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await fh?.close();
});
afterEach(async () => {
  await fh.settled(); // delayed requests of one test must not leak into the next
  fh.reset();
  setEnv();
});

const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const hdr = (k, v) => [{ key: k, value: v }];

/**
 * An origin-request event from a fixture with overrides:
 * body (utf-8 text, sent base64), rawBody (Buffer), contentType (null removes),
 * country (null removes), method, uri, truncated, encoding "text".
 */
function event(name, o = {}) {
  const ev = fixture(name);
  const req = ev.Records[0].cf.request;
  if (o.body !== undefined || o.rawBody !== undefined) {
    const buf = o.rawBody ?? Buffer.from(o.body, "utf8");
    req.body = o.encoding === "text"
      ? { inputTruncated: false, action: "read-only", encoding: "text", data: buf.toString("utf8") }
      : { inputTruncated: false, action: "read-only", encoding: "base64", data: buf.toString("base64") };
    req.headers["content-length"] = hdr("Content-Length", String(buf.length));
  }
  if (o.noBody) delete req.body;
  if (o.truncated !== undefined) req.body.inputTruncated = o.truncated;
  if (o.contentType === null) delete req.headers["content-type"];
  else if (o.contentType !== undefined) req.headers["content-type"] = hdr("Content-Type", o.contentType);
  if (o.country === null) delete req.headers["cloudfront-viewer-country"];
  else if (o.country !== undefined) req.headers["cloudfront-viewer-country"] = hdr("CloudFront-Viewer-Country", o.country);
  if (o.idempotencyKey !== undefined) req.headers["idempotency-key"] = hdr("Idempotency-Key", o.idempotencyKey);
  if (o.method) req.method = o.method;
  if (o.uri) req.uri = o.uri;
  return ev;
}

/** The trimmed non-blank lines of a fixture's body: what must arrive verbatim. */
function fixtureValues(name) {
  const text = Buffer.from(fixture(name).Records[0].cf.request.body.data, "base64").toString("utf8");
  // A JSON body is stored on one line: its CR/LF whitespace becomes spaces.
  if (name.includes("-json")) return [text.trim().replace(/[\r\n]/g, " ")];
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/** Calls the bundle's handler, capturing its log lines. */
async function invoke(ev, { bundle = main, remainingMs = 30000 } = {}) {
  const logs = [];
  const orig = console.log;
  console.log = (...a) => logs.push(a.join(" "));
  const t0 = Date.now();
  let res;
  try {
    res = await bundle.handler(ev, lambdaContext({ remainingMs }));
  } finally {
    console.log = orig;
  }
  const ms = Date.now() - t0;
  const status = Number(res.status);
  const body = JSON.parse(res.body);
  checkResponse(res, logs);
  return { res, status, body, logs, ms, log: JSON.parse(logs[logs.length - 1]) };
}

function header(res, name) {
  const h = res.headers[name.toLowerCase()];
  return h && h[0] && h[0].value;
}

// Invariants of every response: security headers, JSON, no leaks, one log line.
function checkResponse(res, logs) {
  assert.equal(typeof res.status, "string", "CloudFront wants the status as a string");
  assert.match(header(res, "content-type"), /^application\/json/);
  for (const [name, [h]] of Object.entries(SECURITY_HEADERS)) assert.deepEqual(res.headers[name], [{ key: h.key, value: h.value }]);
  assert.equal(header(res, "cache-control"), "no-store");
  assert.equal(header(res, "x-content-type-options"), "nosniff");
  assert.match(header(res, "strict-transport-security") || "", /max-age=\d+/);
  for (const [k, v] of Object.entries(res.headers)) {
    assert.equal(k, k.toLowerCase());
    assert.equal(v[0].key.toLowerCase(), k);
  }
  const out = JSON.stringify(res);
  for (const s of [...SECRETS, ARN, "arn:aws", "RecordId", "x-amzn-requestid", "injected", "Slow down", "123456789012"]) {
    assert.ok(!out.includes(s), `response leaks ${s}`);
  }
  assert.equal(logs.length, 1, "one log line per request");
  const line = logs[0];
  JSON.parse(line);
  for (const s of [...SECRETS, ARN]) assert.ok(!line.includes(s), `log leaks ${s}`);
}

/** Parses stored records and checks their framing; returns the raw data substrings. */
function storedValues(records, { requestId, country, idempotencyKey }) {
  return records.map((rec) => {
    assert.ok(rec.endsWith("}\n"), "newline-terminated");
    assert.equal(rec.indexOf("\n"), rec.length - 1, "exactly one line per record");
    const obj = JSON.parse(rec);
    const keys = ["receivedAt", "requestId", ...(country ? ["viewerCountry"] : []), ...(idempotencyKey ? ["idempotencyKey"] : []), "data"];
    assert.deepEqual(Object.keys(obj), keys);
    assert.match(obj.receivedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(obj.receivedAt) - Date.now()) < 60000);
    assert.equal(obj.requestId, requestId);
    if (country) assert.equal(obj.viewerCountry, country);
    if (idempotencyKey) assert.equal(obj.idempotencyKey, idempotencyKey);
    const prefix = JSON.stringify({ receivedAt: obj.receivedAt, requestId, ...(country ? { viewerCountry: country } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) }).slice(0, -1) + ',"data":';
    assert.ok(rec.startsWith(prefix), "metadata framing");
    const raw = rec.slice(prefix.length, -2);
    assert.deepEqual(JSON.parse(raw), obj.data);
    return raw;
  });
}

const ND = "origin-request-ndjson.json";
const JS = "origin-request-json.json";
const ND_ID = fixture(ND).Records[0].cf.config.requestId;
const JS_ID = fixture(JS).Records[0].cf.config.requestId;

describe("accepted requests arrive exactly as sent", () => {
  test("ndjson fixture: three values, \\r\\n, blank line, unicode, country", async () => {
    const r = await invoke(event(ND));
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { accepted: 3 });
    assert.deepEqual(storedValues(fh.records("us-east-1"), { requestId: ND_ID, country: "DE" }), fixtureValues(ND));
    assert.deepEqual(fh.records("eu-central-1"), []);
    assert.equal(fh.requests.length, 1);
    assert.deepEqual(fh.protocolErrors, []);
    assert.equal(r.log.status, 202);
    assert.equal(r.log.records, 3);
    assert.equal(r.log.accepted, 3);
    assert.deepEqual(r.log.regions.map((x) => [x.region, x.attempts]), [["us-east-1", 1]]);
  });

  test("json fixture: one pretty-printed object, charset=utf-8, no country header", async () => {
    const r = await invoke(event(JS));
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { accepted: 1 });
    const stored = storedValues(fh.records("us-east-1"), { requestId: JS_ID });
    assert.deepEqual(stored, fixtureValues(JS));
    // Same value and same byte count as the pretty-printed original.
    const original = Buffer.from(fixture(JS).Records[0].cf.request.body.data, "base64").toString("utf8").trim();
    assert.ok(original.includes("\n"), "fixture is pretty-printed");
    assert.deepEqual(JSON.parse(stored[0]), JSON.parse(original));
    assert.equal(Buffer.byteLength(stored[0]), Buffer.byteLength(original));
  });

  const lines = ['{"a":1}', '"SECRET-MARKER"', "[true,null]", "  42  ", '{"nested":{"x":[1,2,{"y":"\\u2028"}]}}'];
  const cases = [
    { name: "application/x-ndjson", ct: "application/x-ndjson", body: lines.join("\n") + "\n" },
    { name: "application/ndjson without final newline", ct: "application/ndjson", body: lines.join("\n") },
    { name: "application/jsonl with \\r\\n and blank lines", ct: "application/jsonl", body: "\r\n" + lines.join("\r\n\r\n") + "\r\n\r\n" },
    { name: "application/x-jsonlines, charset param, upper case", ct: 'Application/X-JsonLines; Charset="UTF-8"', body: lines.join("\n") },
    { name: "text body encoding", ct: "application/x-ndjson", body: lines.join("\n"), encoding: "text" },
    { name: "application/json with extra params", ct: "application/json;charset=UTF-8;profile=x", body: '\n\t {"SECRET-MARKER": "é", "n": 1e3} \n', want: ['{"SECRET-MARKER": "é", "n": 1e3}'] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await invoke(event(ND, { body: c.body, contentType: c.ct, encoding: c.encoding, country: "BR" }));
      const want = c.want ?? lines.map((l) => l.trim());
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, { accepted: want.length });
      assert.deepEqual(storedValues(fh.records("us-east-1"), { requestId: ND_ID, country: "BR" }), want);
    });
  }

  test("a bare CR inside an NDJSON value becomes a space, same byte count", async () => {
    // Valid JSON (CR is insignificant whitespace), but line readers such as
    // Hive/Athena text tables would split the stored record at the CR.
    const body = '{"a":\r1}\n{"b":\r\r[1,\r2]}\n';
    const r = await invoke(event(ND, { body, country: "BR" }));
    assert.equal(r.status, 202);
    const stored = fh.records("us-east-1");
    assert.equal(stored.length, 2);
    for (const rec of stored) assert.ok(!String(rec).includes("\r"), "a stored record contains a CR");
    assert.deepEqual(storedValues(stored, { requestId: ND_ID, country: "BR" }), ['{"a": 1}', '{"b":  [1, 2]}']);
  });

  test("maxRecords values in one request, order kept", async () => {
    const want = Array.from({ length: 500 }, (_, i) => `{"i":${i},"pad":"${"x".repeat(i % 37)}"}`);
    const r = await invoke(event(ND, { body: want.join("\n") }));
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { accepted: 500 });
    assert.deepEqual(storedValues(fh.records("us-east-1"), { requestId: ND_ID, country: "DE" }), want);
    assert.equal(fh.requests.length, 1);
  });

  test("a record of exactly maxRecordBytes is accepted, one byte more is not", async () => {
    const prefixLen = Buffer.byteLength(`{"receivedAt":"2025-01-01T00:00:00.000Z","requestId":${JSON.stringify(ND_ID)},"data":`);
    const fill = (n) => `"${"y".repeat(n - 2)}"`;
    const exact = fill(SMALL.maxRecordBytes - prefixLen - 2);
    let r = await invoke(event(ND, { body: exact, country: null }), { bundle: small });
    assert.equal(r.status, 202);
    assert.equal(Buffer.byteLength(fh.records("us-east-1")[0]), SMALL.maxRecordBytes);
    r = await invoke(event(ND, { body: '{"ok":1}\n' + fill(SMALL.maxRecordBytes - prefixLen - 1), country: null }), { bundle: small });
    assert.equal(r.status, 413);
    assert.equal(r.body.error, "record_too_large");
    assert.match(r.body.message, /line 2\b/);
  });
});

describe("idempotency key", () => {
  test("a client key is stored in every record and survives a resend", async () => {
    const key = "order-4711:batch.2_a";
    const first = await invoke(event(ND, { country: "DE", idempotencyKey: key }));
    assert.equal(first.status, 202);
    const again = await invoke(event(ND, { country: "DE", idempotencyKey: key }));
    assert.equal(again.status, 202);
    const stored = fh.records("us-east-1").map((r) => JSON.parse(r));
    assert.equal(stored.length, 2 * fixtureValues(ND).length);
    assert.ok(stored.every((r) => r.idempotencyKey === key));
    // Same key and same data: the consumer's de-duplication key matches exactly.
    const dedupe = new Set(stored.map((r) => r.idempotencyKey + "\u0000" + JSON.stringify(r.data)));
    assert.equal(dedupe.size, fixtureValues(ND).length);
    assert.deepEqual(storedValues(fh.records("us-east-1").slice(0, fixtureValues(ND).length), { requestId: ND_ID, country: "DE", idempotencyKey: key }), fixtureValues(ND));
  });
});

describe("bad input is rejected and nothing reaches Firehose", () => {
  const big = (n, size) => Array.from({ length: n }, (_, i) => `{"i":${i},"p":"${"z".repeat(size)}"}`).join("\n");
  const cases = [
    { name: "fails_method_get", ev: () => event(ND, { method: "GET" }), status: 405, code: "method_not_allowed", allow: true },
    { name: "fails_method_put", ev: () => event(ND, { method: "PUT" }), status: 405, code: "method_not_allowed", allow: true },
    { name: "fails_wrong_path", ev: () => event(ND, { uri: "/ingest/" }), status: 404, code: "not_found" },
    { name: "fails_other_path", ev: () => event(ND, { uri: "/admin" }), status: 404, code: "not_found" },
    { name: "fails_missing_content_type", ev: () => event(ND, { contentType: null }), status: 415, code: "unsupported_media_type" },
    { name: "fails_text_plain", ev: () => event(ND, { contentType: "text/plain" }), status: 415, code: "unsupported_media_type" },
    { name: "fails_form_urlencoded", ev: () => event(ND, { contentType: "application/x-www-form-urlencoded" }), status: 415, code: "unsupported_media_type" },
    { name: "fails_latin1_charset", ev: () => event(JS, { contentType: "application/json; charset=iso-8859-1" }), status: 415, code: "unsupported_media_type" },
    { name: "fails_truncated_body", ev: () => event("origin-request-truncated.json"), status: 413, code: "body_truncated" },
    { name: "fails_truncated_even_if_parseable", ev: () => event(ND, { truncated: true }), status: 413, code: "body_truncated" },
    { name: "fails_empty_body", ev: () => event(ND, { body: "" }), status: 400, code: "empty_body" },
    { name: "fails_missing_body", ev: () => event(ND, { noBody: true }), status: 400, code: "empty_body" },
    { name: "fails_whitespace_only_lines", ev: () => event(ND, { body: " \r\n\t\n\n  " }), status: 400, code: "empty_body" },
    { name: "fails_whitespace_only_json", ev: () => event(JS, { body: "  \n " }), status: 400, code: "empty_body" },
    { name: "fails_invalid_json_line_3", ev: () => event(ND, { body: '{"a":1}\n\n{"SECRET-MARKER": tru}\n{"b":2}' }), status: 400, code: "invalid_json", line: 3 },
    { name: "fails_trailing_garbage_line_2", ev: () => event(ND, { body: '{"a":1}\n{"b":2} SECRET-MARKER' }), status: 400, code: "invalid_json", line: 2 },
    { name: "fails_nbsp_is_not_json_whitespace", ev: () => event(ND, { body: '\u00a0{"a":1}' }), status: 400, code: "invalid_json", line: 1 },
    { name: "fails_json_two_values", ev: () => event(JS, { body: '{"a":1}\n{"b":2}' }), status: 400, code: "invalid_json", line: 1 },
    { name: "fails_json_array", ev: () => event(JS, { body: '[{"SECRET-MARKER":1}]' }), status: 400, code: "invalid_json" },
    { name: "fails_json_scalar", ev: () => event(JS, { body: '"SECRET-MARKER"' }), status: 400, code: "invalid_json" },
    { name: "fails_invalid_utf8_line_2", ev: () => event(ND, { rawBody: Buffer.concat([Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]) }), status: 400, code: "invalid_json", line: 2 },
    { name: "fails_too_many_records", ev: () => event(ND, { body: big(6, 1) }), status: 413, code: "too_many_records", bundle: "small" },
    { name: "fails_too_many_records_default_limit", ev: () => event(ND, { body: big(501, 0) }), status: 413, code: "too_many_records" },
    { name: "fails_record_too_large_line_4", ev: () => event(ND, { body: '{"a":1}\n{"b":2}\n\n' + `"${"w".repeat(250)}"` }), status: 413, code: "record_too_large", line: 4, bundle: "small" },
    { name: "fails_batch_too_large", ev: () => event(ND, { body: big(5, 120) }), status: 413, code: "batch_too_large", bundle: "small" },
    { name: "fails_idempotency_key_bad_chars", ev: () => event(ND, { idempotencyKey: "SECRET MARKER/ünicode" }), status: 400, code: "invalid_idempotency_key" },
    { name: "fails_idempotency_key_too_long", ev: () => event(ND, { idempotencyKey: "k".repeat(129) }), status: 400, code: "invalid_idempotency_key" },
    { name: "fails_malformed_event_empty", ev: () => ({}), status: 400, code: "bad_request" },
    { name: "fails_malformed_event_null", ev: () => null, status: 400, code: "bad_request" },
    { name: "fails_malformed_event_no_request", ev: () => ({ Records: [{ cf: { config: { requestId: "x" } } }] }), status: 400, code: "bad_request" },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await invoke(c.ev(), { bundle: c.bundle === "small" ? small : main });
      assert.equal(r.status, c.status);
      assert.equal(r.body.error, c.code);
      assert.equal(typeof r.body.message, "string");
      assert.equal(r.body.accepted, undefined);
      if (c.allow) assert.equal(header(r.res, "allow"), "POST");
      if (c.line) assert.match(r.body.message, new RegExp(`[Ll]ine ${c.line}\\b`));
      assert.equal(fh.requests.length, 0, "Firehose must not be called");
      assert.equal(r.log.status, c.status);
      assert.equal(r.log.error, c.code);
    });
  }
});

describe("delivery, retries and failover", () => {
  const all = ["us-east-1", "eu-central-1", "ap-northeast-1"];
  // Each case: env region, fake script (queued steps) and persistent steps, then
  // the expected status, the regions records land in, and requests per region.
  const cases = [
    {
      name: "partial_failure_retries_only_failed_records",
      script: { "us-east-1": [{ partial: [0, 2] }] },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3, 2] },
    },
    {
      name: "partial_internal_failure_twice_then_ok",
      script: { "us-east-1": [{ partial: [1], errorCode: "InternalFailure" }, { partial: [0] }] },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3, 1, 1] },
    },
    {
      name: "throttled_once_then_ok_in_same_region",
      script: { "us-east-1": [{ throttle: true }] },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3, 3] },
    },
    {
      name: "5xx_persisting_fails_over_to_next_region",
      persist: { "us-east-1": { status: 500 } },
      status: 202, landed: { "eu-central-1": 3 }, calls: { "us-east-1": [3, 3, 3, 3], "eu-central-1": [3] },
    },
    {
      name: "503_persisting_fails_over_to_next_region",
      persist: { "us-east-1": { status: 503 } },
      status: 202, landed: { "eu-central-1": 3 }, calls: { "us-east-1": [3, 3, 3, 3], "eu-central-1": [3] },
    },
    {
      name: "partial_then_region_down_sends_only_the_rest_onwards",
      script: { "us-east-1": [{ partial: [1] }] },
      persist: { "us-east-1": { status: 500 } },
      status: 202, landed: { "us-east-1": 2, "eu-central-1": 1 }, calls: { "us-east-1": [3, 1, 1, 1], "eu-central-1": [1] },
    },
    {
      name: "not_found_is_not_retried_in_that_region",
      persist: { "us-east-1": { notFound: true } },
      status: 202, landed: { "eu-central-1": 3 }, calls: { "us-east-1": [3], "eu-central-1": [3] },
    },
    {
      name: "access_denied_is_not_retried_in_that_region",
      persist: { "us-east-1": { accessDenied: true }, "eu-central-1": { accessDenied: true } },
      status: 202, landed: { "ap-northeast-1": 3 }, calls: { "us-east-1": [3], "eu-central-1": [3], "ap-northeast-1": [3] },
    },
    {
      name: "redirect_is_a_failed_attempt_never_followed",
      script: { "us-east-1": [{ redirect: "REDIRECT_TARGET" }] },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3, 3] },
      redirectTarget: true,
    },
    {
      name: "unparseable_200_is_retried",
      script: { "us-east-1": [{ garbage: true }] },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3, 3] },
    },
    {
      name: "timeout_is_retried_in_same_region",
      script: { "us-east-1": [{ delayMs: 600 }] },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3, 3] },
    },
    {
      name: "timeout_persisting_fails_over",
      persist: { "us-east-1": { delayMs: 600 } },
      status: 202, landed: { "eu-central-1": 3 }, calls: { "us-east-1": [3, 3, 3, 3], "eu-central-1": [3] },
    },
    {
      name: "region_from_table_eu_west_1_starts_in_eu_central_1",
      region: "eu-west-1",
      status: 202, landed: { "eu-central-1": 3 }, calls: { "eu-central-1": [3] },
    },
    {
      name: "region_from_table_fails_over_in_table_order",
      region: "eu-west-1",
      persist: { "eu-central-1": { notFound: true } },
      status: 202, landed: { "us-east-1": 3 }, calls: { "eu-central-1": [3], "us-east-1": [3] },
    },
    {
      name: "region_not_in_table_uses_default_order",
      region: "sa-east-1",
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3] },
    },
    {
      name: "no_aws_region_uses_default_order",
      region: null,
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3] },
    },
    {
      name: "generic_AWS_ENDPOINT_URL_is_honoured",
      env: { AWS_ENDPOINT_URL_FIREHOSE: undefined, AWS_ENDPOINT_URL: "URL" },
      status: 202, landed: { "us-east-1": 3 }, calls: { "us-east-1": [3] },
    },
    {
      name: "fails_throttling_persisting_everywhere",
      persist: Object.fromEntries(all.map((r) => [r, { throttle: true }])),
      status: 429, code: "throttled", accepted: 0, calls: { "us-east-1": [3, 3, 3, 3], "eu-central-1": [3, 3, 3, 3], "ap-northeast-1": [3, 3, 3, 3] },
    },
    {
      name: "fails_throttled_records_last",
      script: { "us-east-1": [{ partial: [2], errorCode: "InternalFailure" }] },
      persist: Object.fromEntries(all.map((r) => [r, { partial: [0], errorCode: "ServiceUnavailableException" }])),
      status: 429, code: "throttled", accepted: 2, landed: { "us-east-1": 2 },
    },
    {
      name: "fails_all_regions_5xx",
      persist: Object.fromEntries(all.map((r) => [r, { status: 500 }])),
      status: 503, code: "unavailable", accepted: 0, calls: { "us-east-1": [3, 3, 3, 3], "eu-central-1": [3, 3, 3, 3], "ap-northeast-1": [3, 3, 3, 3] },
    },
    {
      name: "fails_throttle_then_5xx_last_cause_wins",
      persist: { "us-east-1": { throttle: true }, "eu-central-1": { throttle: true }, "ap-northeast-1": { status: 500 } },
      status: 503, code: "unavailable", accepted: 0,
    },
    {
      name: "fails_partial_then_everything_down",
      script: { "us-east-1": [{ partial: [1] }] },
      persist: Object.fromEntries(all.map((r) => [r, { status: 500 }])),
      status: 503, code: "unavailable", accepted: 2, landed: { "us-east-1": 2 },
    },
    {
      name: "fails_all_regions_not_found",
      persist: Object.fromEntries(all.map((r) => [r, { notFound: true }])),
      status: 503, code: "unavailable", accepted: 0, calls: { "us-east-1": [3], "eu-central-1": [3], "ap-northeast-1": [3] },
    },
    {
      name: "fails_wrong_credentials_rejected_by_firehose",
      env: { AWS_SECRET_ACCESS_KEY: "not-the-secret" },
      status: 503, code: "unavailable", accepted: 0, calls: { "us-east-1": [0], "eu-central-1": [0], "ap-northeast-1": [0] },
    },
    {
      name: "fails_no_credentials_calls_nothing",
      env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined },
      status: 503, code: "unavailable", accepted: 0, calls: {},
    },
    {
      name: "fails_unreachable_endpoint",
      env: { AWS_ENDPOINT_URL_FIREHOSE: "http://127.0.0.1:9" },
      status: 503, code: "unavailable", accepted: 0, calls: {},
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const env = { ...(c.env || {}) };
      if (env.AWS_ENDPOINT_URL === "URL") env.AWS_ENDPOINT_URL = fh.url;
      if (c.region !== undefined) env.AWS_REGION = c.region ?? undefined;
      setEnv(env);
      // A second host that a followed redirect would reach: it must see nothing.
      let elsewhere = 0;
      const other = c.redirectTarget ? http.createServer((req, res) => { elsewhere++; res.end("{}"); }) : null;
      if (other) await new Promise((ok) => other.listen(0, "127.0.0.1", ok));
      const target = other ? `http://127.0.0.1:${other.address().port}/` : undefined;
      for (const [region, steps] of Object.entries(c.script || {})) {
        fh.script(region, ...steps.map((st) => (st.redirect === "REDIRECT_TARGET" ? { redirect: target } : st)));
      }
      for (const [region, step] of Object.entries(c.persist || {})) fh.persist(region, step);

      const r = await invoke(event(ND));
      if (other) {
        await new Promise((ok) => other.close(ok));
        assert.equal(elsewhere, 0, "the redirect was followed: payload and token went to another host");
      }
      assert.equal(r.status, c.status);
      const want = fixtureValues(ND);
      if (c.status === 202) {
        assert.deepEqual(r.body, { accepted: 3 });
        // Exactly the sent set, each once, whatever regions it landed in.
        const got = storedValues(fh.records(), { requestId: ND_ID, country: "DE" });
        assert.deepEqual([...got].sort(), [...want].sort());
        assert.equal(header(r.res, "retry-after"), undefined);
      } else {
        assert.equal(r.body.error, c.code);
        assert.equal(r.body.accepted, c.accepted);
        assert.equal(r.body.total, 3);
        assert.match(r.body.message, /retried in full/);
        assert.equal(header(r.res, "retry-after"), String(CONFIG.retryAfterSeconds));
        // Whatever was stored was counted, and nothing was stored twice.
        const got = storedValues(fh.records(), { requestId: ND_ID, country: "DE" });
        assert.equal(got.length, c.accepted);
        assert.equal(new Set(got).size, got.length);
        for (const g of got) assert.ok(want.includes(g));
      }
      for (const [region, n] of Object.entries(c.landed || {})) assert.equal(fh.records(region).length, n, `records in ${region}`);
      if (c.calls) {
        const seen = {};
        for (const q of fh.requests) (seen[q.region] ??= []).push(q.count);
        assert.deepEqual(seen, c.calls);
      }
      assert.deepEqual(fh.protocolErrors.filter((e) => !/Signature|Unrecognized/.test(e)), []);
      assert.equal(r.log.status, c.status);
      assert.equal(r.log.accepted, c.status === 202 ? 3 : c.accepted);
      assert.equal(r.log.attempts, r.log.regions.reduce((s, x) => s + x.attempts, 0));
    });
  }

  test("lost acknowledgement: a stored-but-timed-out batch may be stored twice (at-least-once)", async () => {
    fh.script("us-east-1", { delayMs: 600, storeOnAbort: true });
    const r = await invoke(event(ND));
    assert.equal(r.status, 202);
    await fh.settled(); // the first, timed-out call completes on the server later
    const got = storedValues(fh.records("us-east-1"), { requestId: ND_ID, country: "DE" });
    assert.equal(got.length, 6);
    // The duplicates are byte-identical, so consumers can drop them.
    assert.equal(new Set(fh.records("us-east-1")).size, 3);
  });

  test("signs with the target region, not the function's region", async () => {
    setEnv({ AWS_REGION: "eu-west-1" });
    fh.persist("eu-central-1", { status: 500 });
    const r = await invoke(event(ND));
    assert.equal(r.status, 202);
    // The fake verifies each signature with the region of its credential scope.
    assert.deepEqual([...new Set(fh.requests.map((q) => q.region))], ["eu-central-1", "us-east-1"]);
    assert.deepEqual(fh.protocolErrors, []);
  });

  test("credentials are read per call (rotation)", async () => {
    let r = await invoke(event(ND));
    assert.equal(r.status, 202);
    const rotated = { accessKeyId: "ASIAEDGEKITROTATED02", secretAccessKey: "rotated-secret", sessionToken: "rotated-token" };
    const fake2 = await startFakeFirehose({ streamName: STREAM, credentials: rotated });
    try {
      setEnv({ AWS_ENDPOINT_URL_FIREHOSE: fake2.url, AWS_ACCESS_KEY_ID: rotated.accessKeyId, AWS_SECRET_ACCESS_KEY: rotated.secretAccessKey, AWS_SESSION_TOKEN: rotated.sessionToken });
      r = await invoke(event(ND));
      assert.equal(r.status, 202);
      assert.equal(fake2.records("us-east-1").length, 3);
      assert.deepEqual(fake2.protocolErrors, []);
    } finally {
      await fake2.close();
    }
  });
});

describe("prompt retries of per-record failures", () => {
  const BACKOFF = 1000;
  // Backoff is full jitter: pin Math.random (the bundle runs in this process) so
  // every backoff waits its whole cap, and make the cap large enough to tell
  // apart from a slow machine.
  let slow;
  let random;
  before(() => {
    slow = buildBundle("ingest", { ...CONFIG, baseBackoffMs: BACKOFF, maxBackoffMs: BACKOFF });
    random = Math.random;
    Math.random = () => 0.999;
  });
  after(() => {
    Math.random = random;
  });
  const calls = () => {
    const seen = {};
    for (const q of fh.requests) (seen[q.region] ??= []).push(q.count);
    return seen;
  };

  test("per-record InternalFailure is resent at once, without backoff", async () => {
    fh.script("us-east-1", { partial: [0, 2], errorCode: "InternalFailure" }, { partial: [1], errorCode: "InternalFailure" });
    const r = await invoke(event(ND), { bundle: slow });
    assert.equal(r.status, 202);
    assert.deepEqual(calls(), { "us-east-1": [3, 2, 1] });
    assert.ok(r.ms < BACKOFF / 2, `took ${r.ms} ms: a backoff was waited out`);
    assert.deepEqual([...storedValues(fh.records(), { requestId: ND_ID, country: "DE" })].sort(), [...fixtureValues(ND)].sort());
    assert.equal(r.log.attempts, 3);
  });

  test("per-record throttling still backs off", async () => {
    fh.script("us-east-1", { partial: [1] }); // ServiceUnavailableException: "slow down"
    const r = await invoke(event(ND), { bundle: slow });
    assert.equal(r.status, 202);
    assert.deepEqual(calls(), { "us-east-1": [3, 1] });
    assert.ok(r.ms >= BACKOFF - 10, `took ${r.ms} ms: throttling was not backed off`);
  });

  test("a failed call after per-record failures backs off", async () => {
    fh.script("us-east-1", { partial: [0], errorCode: "InternalFailure" }, { status: 500 });
    const r = await invoke(event(ND), { bundle: slow });
    assert.equal(r.status, 202);
    assert.deepEqual(calls(), { "us-east-1": [3, 1, 1] });
    assert.ok(r.ms >= BACKOFF - 10, `took ${r.ms} ms: a 5xx was retried without backoff`);
  });

  test("immediate retries are bounded, then paced attempts, then the next region", async () => {
    fh.persist("us-east-1", { partial: [0], errorCode: "InternalFailure" });
    const r = await invoke(event(ND));
    assert.equal(r.status, 202);
    // 1 first call + 4 immediate retries + 3 more paced attempts (maxAttempts 4 in all).
    assert.deepEqual(calls(), { "us-east-1": [3, 1, 1, 1, 1, 1, 1, 1], "eu-central-1": [1] });
    assert.deepEqual([...storedValues(fh.records(), { requestId: ND_ID, country: "DE" })].sort(), [...fixtureValues(ND)].sort());
  });

  test("10% per-record failures everywhere: every record of 500 stored once, quickly", async () => {
    for (const region of ["us-east-1", "eu-central-1", "ap-northeast-1"]) fh.persist(region, { failRate: 0.1, errorCode: "InternalFailure" });
    const want = Array.from({ length: 500 }, (_, i) => `{"i":${i}}`);
    const r = await invoke(event(ND, { body: want.join("\n") }), { bundle: slow });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { accepted: 500 });
    const got = storedValues(fh.records(), { requestId: ND_ID, country: "DE" });
    assert.deepEqual([...got].sort(), [...want].sort());
    assert.ok(fh.requests.length >= 2 && fh.requests.length <= 6, `${fh.requests.length} calls`);
    assert.ok(r.ms < BACKOFF / 2, `took ${r.ms} ms: a backoff was waited out`);
  });
});

describe("deadline", () => {
  test("fails_no_time_left: nothing is sent and the answer is immediate", async () => {
    const r = await invoke(event(ND), { remainingMs: 1000 }); // < safetyMarginMs
    assert.equal(r.status, 503);
    assert.equal(r.body.error, "unavailable");
    assert.equal(r.body.accepted, 0);
    assert.equal(fh.requests.length, 0);
    assert.ok(r.ms < 200, `took ${r.ms} ms`);
  });

  test("fails_small_remaining_time_bounds_slow_calls", async () => {
    for (const region of ["us-east-1", "eu-central-1", "ap-northeast-1"]) fh.persist(region, { delayMs: 2000 });
    const r = await invoke(event(ND), { remainingMs: CONFIG.safetyMarginMs + 120 });
    assert.equal(r.status, 503);
    assert.equal(r.body.accepted, 0);
    assert.ok(r.ms < 400, `took ${r.ms} ms, deadline was 120 ms`);
    assert.ok(fh.requests.length >= 1);
  });

  test("fails_budget_spent_by_throttling_answers_429_in_time", async () => {
    for (const region of ["us-east-1", "eu-central-1", "ap-northeast-1"]) fh.persist(region, { throttle: true, delayMs: 30 });
    const r = await invoke(event(ND), { remainingMs: CONFIG.safetyMarginMs + 100 });
    assert.equal(r.status, 429);
    assert.equal(header(r.res, "retry-after"), "1");
    assert.ok(r.ms < 400, `took ${r.ms} ms`);
  });
});

describe("internal errors", () => {
  test("fails_unexpected_exception_is_500_without_details", async () => {
    setEnv({ AWS_ENDPOINT_URL_FIREHOSE: "not a url" });
    const r = await invoke(event(ND));
    assert.equal(r.status, 500);
    assert.equal(r.body.error, "internal_error");
    assert.ok(!/url|TypeError|sigv4/i.test(r.body.message));
    assert.equal(r.log.error, "internal_error");
  });
});
