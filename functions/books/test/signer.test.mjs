// Tests of the SigV4 origin-request signer through its deployed artifact: the
// esbuild bundle's exports.handler, built with the config Go bakes in
// (functions/books/testdata/handler-config.json). Each signed request is sent
// the way CloudFront forwards it to a fake function URL
// (fakes/functionurl.mjs) that verifies the signature independently.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { buildBundle, fixture, handlerConfig } from "../../edgelib/testkit/bundle.mjs";
import { SECURITY_HEADERS } from "../../edgelib/response.js";
import { forward, startFakeFunctionUrl } from "./fakes/functionurl.mjs";

const CONFIG = handlerConfig("books");
const TWO_REGIONS = handlerConfig("books", {
  origins: [{ ...CONFIG.origins[0], regions: ["eu-central-1", "us-west-2"] }],
});
const CREDS = {
  accessKeyId: "ASIAEDGEKITSIGNER001",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIGNERKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEdgekitSignerSessionToken//AAAA==",
};
const HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws";
// The signed set: everything else may change between the edge and the origin.
const SIGNED = "host;x-amz-content-sha256;x-amz-date;x-amz-security-token";
// Values that must never appear in a response or a log line.
const SECRETS = [CREDS.secretAccessKey, CREDS.sessionToken, "The Hobbit", "Tolkien", "attacker", "EVILTOKEN"];

const envKeys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"];
const savedEnv = Object.fromEntries(envKeys.map((k) => [k, process.env[k]]));
function setEnv(over = {}) {
  // An edge replica runs in the region of the serving regional edge cache,
  // not the API's: the signing region must come from the origin host.
  const env = {
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDS.sessionToken,
    AWS_REGION: "ap-southeast-2",
    ...over,
  };
  for (const k of envKeys) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
}

let fn;
let main;
let twoRegions;
before(async () => {
  setEnv();
  fn = await startFakeFunctionUrl({ credentials: { ...CREDS } });
  main = buildBundle("books/signer", CONFIG);
  twoRegions = buildBundle("books/signer", TWO_REGIONS);
});
after(async () => {
  for (const k of envKeys) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await fn?.close();
});
afterEach(() => {
  fn.reset();
  fn.setCredentials({ ...CREDS });
  setEnv();
});

const hdr = (key, value) => [{ key, value }];
const sha256 = (b) => createHash("sha256").update(b).digest("hex");

/** A fixture event with its request, for editing. */
function load(name) {
  const ev = fixture(name);
  return { ev, req: ev.Records[0].cf.request };
}

function setBody(req, bytes, { encoding = "base64" } = {}) {
  req.body = {
    inputTruncated: false,
    action: "read-only",
    encoding,
    data: encoding === "text" ? bytes.toString("utf8") : bytes.toString("base64"),
  };
  req.headers["content-length"] = hdr("Content-Length", String(bytes.length));
}

/** Calls the bundle's handler, capturing its log lines. */
async function invoke(ev, bundle = main) {
  const logs = [];
  const orig = console.log;
  console.log = (...a) => logs.push(a.join(" "));
  let out;
  try {
    out = await bundle.handler(ev, {});
  } finally {
    console.log = orig;
  }
  assert.equal(logs.length, 1, "one log line per request");
  const log = JSON.parse(logs[0]);
  for (const s of SECRETS) assert.ok(!logs[0].includes(s), `log leaks ${s}`);
  assert.ok(!logs[0].includes("lambda-url"), "log leaks the origin host");
  return { out, log };
}

/** Asserts a signed request and returns its header values by name. */
function signed(out) {
  assert.equal(out.status, undefined, `expected the request, got a response: ${JSON.stringify(out)}`);
  const h = {};
  for (const [name, list] of Object.entries(out.headers)) {
    assert.equal(name, name.toLowerCase());
    for (const e of list) assert.equal(e.key.toLowerCase(), name, "header key and map name agree");
    h[name] = list.map((e) => e.value);
  }
  assert.equal(h.authorization.length, 1);
  assert.match(h.authorization[0], new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/\\d{8}/[a-z0-9-]+/lambda/aws4_request, SignedHeaders=${SIGNED}, Signature=[0-9a-f]{64}$`));
  return h;
}

/** Asserts a generated JSON error response with the security headers. */
function refused(out, status, code) {
  assert.equal(out.status, String(status), JSON.stringify(out));
  assert.equal(out.headers["content-type"][0].value, "application/json; charset=utf-8");
  for (const [name, [h]] of Object.entries(SECURITY_HEADERS)) assert.deepEqual(out.headers[name], [{ key: h.key, value: h.value }]);
  assert.equal(out.headers.authorization, undefined);
  const body = JSON.parse(out.body);
  assert.deepEqual(Object.keys(body), ["error", "message"]);
  assert.equal(body.error, code);
  const text = JSON.stringify(out);
  for (const s of [...SECRETS, "lambda-url", "AWS4-HMAC"]) assert.ok(!text.includes(s), `response leaks ${s}`);
  return body;
}

/** Signs ev, forwards it like CloudFront, and requires the fake to accept it. */
async function signAndVerify(ev, bundle = main) {
  const { out, log } = await invoke(ev, bundle);
  const h = signed(out);
  const res = await forward(out, fn);
  const seen = fn.requests.at(-1);
  assert.equal(res.status, 200, `the function URL refused the signature: ${seen.error}`);
  assert.equal(log.signed, true);
  return { out, h, seen, log };
}

describe("signed requests verify at the function URL", () => {
  test("create: POST with a JSON body, body hash signed", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    const body = Buffer.from(req.body.data, "base64");
    const { out, h, seen, log } = await signAndVerify(ev);
    assert.deepEqual(h["x-amz-content-sha256"], [sha256(body)]);
    assert.deepEqual(h.host, [HOST]);
    assert.deepEqual(h["x-amz-security-token"], [CREDS.sessionToken]);
    assert.deepEqual(seen.body, body);
    assert.equal(seen.region, "eu-central-1");
    assert.equal(seen.service, "lambda");
    assert.equal(seen.path, "/api/books");
    // The body is left to CloudFront, unchanged.
    assert.deepEqual(out.body, ev.Records[0].cf.request.body);
    assert.deepEqual(h["content-type"], ["application/json"]);
    assert.deepEqual({ status: log.status, origin: log.origin, region: log.region, bodyBytes: log.bodyBytes },
      { status: undefined, origin: "lambda-function-url", region: "eu-central-1", bodyBytes: body.length });
    assert.equal(log.requestId, ev.Records[0].cf.config.requestId);
  });

  test("list: GET with an empty include-body body and a query", async () => {
    const { ev } = load("origin-request-books-list.json");
    const { h, seen } = await signAndVerify(ev);
    assert.deepEqual(h["x-amz-content-sha256"], [sha256(Buffer.alloc(0))]);
    assert.equal(seen.query, "author=J.%20R.%20R.%20Tolkien&limit=5");
    assert.match(seen.canonical, /\nauthor=J.%20R.%20R.%20Tolkien&limit=5\n/);
  });

  test("no body field at all (behaviour without include-body)", async () => {
    const { ev, req } = load("origin-request-books-list.json");
    delete req.body;
    const { h } = await signAndVerify(ev);
    assert.deepEqual(h["x-amz-content-sha256"], ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]);
  });

  test("update: PUT with If-Match, forwarded unsigned and intact", async () => {
    const { ev } = load("origin-request-books-update.json");
    const { h, seen } = await signAndVerify(ev);
    assert.deepEqual(h["if-match"], ['"3"']);
    assert.equal(seen.headers["if-match"], '"3"');
    assert.equal(seen.path, "/api/books/0b7c4e8e-2f0a-4c1e-9c83-6d1f3c0f7a21");
  });

  test("DELETE without a body", async () => {
    const { ev, req } = load("origin-request-books-update.json");
    req.method = "DELETE";
    delete req.body;
    delete req.headers["content-type"];
    delete req.headers["content-length"];
    const { seen } = await signAndVerify(ev);
    assert.equal(seen.method, "DELETE");
  });

  test("binary body: the hash is over the decoded bytes", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    const bytes = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0d, 0x0a]), randomBytes(2000)]);
    setBody(req, bytes);
    const { h, seen } = await signAndVerify(ev);
    assert.deepEqual(h["x-amz-content-sha256"], [sha256(bytes)]);
    assert.deepEqual(seen.body, bytes);
  });

  test("text-encoded body: the hash is over its UTF-8 bytes", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    const text = Buffer.from('{"title": "Größe – 𝄞", "author": "Ünïcödé", "year": 2001}', "utf8");
    setBody(req, text, { encoding: "text" });
    const { h } = await signAndVerify(ev);
    assert.deepEqual(h["x-amz-content-sha256"], [sha256(text)]);
  });

  test("body exactly at maxBodyBytes is signed", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    const bytes = Buffer.alloc(CONFIG.maxBodyBytes, 0x20);
    setBody(req, bytes);
    const { h } = await signAndVerify(ev);
    assert.deepEqual(h["x-amz-content-sha256"], [sha256(bytes)]);
  });

  test("query strings with non-UTF-8 escapes are signed and forwarded verbatim", async () => {
    const queries = [
      "author=%E9crivain&limit=5",
      "author=%C3%A9%ff%FE&next=abc",
      "author=a+b%2Bc&limit=1",
      "author=%e9%E9&author=%C3%A9",
      "z=1&a=2&m=&flag",
      "author=%F0%9F%93%9A%20books&limit=100",
    ];
    for (const q of queries) {
      const { ev, req } = load("origin-request-books-list.json");
      req.querystring = q;
      const { out, seen } = await signAndVerify(ev);
      assert.equal(out.querystring, q, "the query is not rewritten");
      assert.equal(seen.query, q, "the origin receives the query as the viewer sent it");
    }
  });

  test("percent-encoded and dot-segment paths", async () => {
    for (const uri of ["/api/books/a%20b", "/api/books/%E9", "/api/books/caf%C3%A9/", "/api/./books", "/api/books/x/../y"]) {
      const { ev, req } = load("origin-request-books-list.json");
      req.uri = uri;
      const { seen } = await signAndVerify(ev);
      assert.equal(seen.path, uri);
    }
  });

  test("an origin path is part of the signed path", async () => {
    const { ev, req } = load("origin-request-books-list.json");
    req.origin.custom.path = "/prod";
    const { seen } = await signAndVerify(ev);
    assert.equal(seen.path, "/prod/api/books");
  });

  test("without a session token (long-term keys) nothing is invented", async () => {
    setEnv({ AWS_SESSION_TOKEN: undefined });
    fn.setCredentials({ accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey });
    const { ev } = load("origin-request-books-create.json");
    const { out } = await invoke(ev);
    assert.equal(out.headers["x-amz-security-token"], undefined);
    assert.match(out.headers.authorization[0].value, /SignedHeaders=host;x-amz-content-sha256;x-amz-date, /);
    const res = await forward(out, fn);
    assert.equal(res.status, 200, fn.requests.at(-1).error);
  });

  test("credentials are read per request (Lambda refreshes them in a warm container)", async () => {
    const { ev } = load("origin-request-books-create.json");
    await signAndVerify(ev);
    const next = { accessKeyId: "ASIAEDGEKITSIGNER002", secretAccessKey: "second-secret-key-value", sessionToken: "SecondSessionToken" };
    setEnv({ AWS_ACCESS_KEY_ID: next.accessKeyId, AWS_SECRET_ACCESS_KEY: next.secretAccessKey, AWS_SESSION_TOKEN: next.sessionToken });
    fn.setCredentials(next);
    const { out } = await invoke(load("origin-request-books-create.json").ev);
    assert.match(out.headers.authorization[0].value, /Credential=ASIAEDGEKITSIGNER002\//);
    assert.equal((await forward(out, fn)).status, 200, fn.requests.at(-1).error);
  });
});

describe("viewer headers never reach the signature", () => {
  test("Authorization and X-Amz-* from the viewer are dropped before signing", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    Object.assign(req.headers, {
      authorization: [{ key: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AKIAattacker/20260101/eu-central-1/lambda/aws4_request, SignedHeaders=host, Signature=00" },
        { key: "Authorization", value: "Bearer attacker" }],
      "x-amz-security-token": hdr("X-Amz-Security-Token", "EVILTOKEN"),
      "x-amz-date": hdr("X-Amz-Date", "20200101T000000Z"),
      "x-amz-content-sha256": hdr("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
      "x-amz-user-agent": hdr("X-Amz-User-Agent", "attacker"),
      "x-amz-target": hdr("X-Amz-Target", "attacker.Invoke"),
      // Not how CloudFront names map entries, but a signer must not care.
      "X-Amz-Invocation-Type": hdr("X-Amz-Invocation-Type", "Event"),
      "x-innocent": hdr("X-Amz-Client-Context", "attacker"),
      "x-keep": hdr("X-Keep", "kept"),
    });
    const { h, seen } = await signAndVerify(ev);
    assert.deepEqual(Object.keys(h).filter((n) => n.startsWith("x-amz-")).sort(), ["x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]);
    assert.deepEqual(h["x-amz-security-token"], [CREDS.sessionToken]);
    assert.notEqual(h["x-amz-date"][0], "20200101T000000Z");
    assert.notEqual(h["x-amz-content-sha256"][0], "UNSIGNED-PAYLOAD");
    assert.equal(h["x-innocent"], undefined);
    assert.deepEqual(h["x-keep"], ["kept"]);
    assert.equal(seen.headers["x-amz-invocation-type"], undefined);
    assert.equal(seen.headers["x-amz-target"], undefined);
  });

  test("the signed host is the origin's, never the viewer's Host", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    // A forwarded viewer Host naming another function URL of the same account.
    req.headers.host = hdr("Host", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.lambda-url.eu-central-1.on.aws");
    const { h, seen } = await signAndVerify(ev);
    assert.deepEqual(h.host, [HOST]);
    assert.equal(seen.headers.host, HOST);
  });

  test("a second spelling of Host does not survive next to the signed one", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    req.headers.Host = hdr("Host", "evil.example");
    const { out, seen } = await signAndVerify(ev);
    assert.deepEqual(Object.keys(out.headers).filter((n) => n.toLowerCase() === "host"), ["host"]);
    assert.equal(seen.headers.host, HOST);
  });

  test("a viewer Host in another configured region does not change the signing region", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    req.headers.host = hdr("Host", "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws");
    const { seen } = await signAndVerify(ev, twoRegions);
    assert.equal(seen.region, "eu-central-1");
  });
});

describe("the region comes from the origin host", () => {
  test("each configured region signs with its own scope", async () => {
    for (const region of ["eu-central-1", "us-west-2"]) {
      const { ev, req } = load("origin-request-books-create.json");
      const host = `abcdefghijklmnopqrstuvwxyz012345.lambda-url.${region}.on.aws`;
      req.origin.custom.domainName = host;
      req.headers.host = hdr("Host", host);
      const { h, seen, log } = await signAndVerify(ev, twoRegions);
      assert.match(h.authorization[0], new RegExp(`/${region}/lambda/aws4_request`));
      assert.equal(seen.region, region);
      assert.equal(log.region, region);
    }
  });
});

describe("service and hosts are configuration, not code", () => {
  test("an execute-api rule signs API Gateway origins for execute-api, and only those", async () => {
    const withApiGateway = buildBundle("books/signer", handlerConfig("books", {
      origins: [...CONFIG.origins, { name: "api-gateway", service: "execute-api", hostPattern: "{id}.execute-api.{region}.amazonaws.com", regions: ["eu-central-1"] }],
    }));
    const { ev, req } = load("origin-request-books-list.json");
    req.origin.custom.domainName = "a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com";
    const { out, log } = await invoke(ev, withApiGateway);
    assert.match(out.headers.authorization[0].value, /\/eu-central-1\/execute-api\/aws4_request, SignedHeaders=host;/);
    assert.deepEqual(out.headers.host, [{ key: "Host", value: "a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com" }]);
    assert.equal(log.origin, "api-gateway");
    // The function URL rule still signs for lambda with the same bundle.
    const fnUrl = await invoke(load("origin-request-books-list.json").ev, withApiGateway);
    assert.match(fnUrl.out.headers.authorization[0].value, /\/eu-central-1\/lambda\/aws4_request/);
    // The books bundle has no such rule: refused.
    refused((await invoke(ev)).out, 502, "origin_not_signable");
  });
});

describe("origins it is not configured for are refused unsigned", () => {
  const cases = [
    ["fails_s3_origin", (r) => { r.origin = { s3: { authMethod: "origin-access-identity", domainName: "site.s3.eu-central-1.amazonaws.com", path: "", region: "eu-central-1" } }; }],
    ["fails_no_origin", (r) => { delete r.origin; }],
    ["fails_other_custom_origin", (r) => { r.origin.custom.domainName = "example.org"; }],
    ["fails_unconfigured_region", (r) => { r.origin.custom.domainName = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"; }],
    ["fails_lookalike_suffix", (r) => { r.origin.custom.domainName = `${HOST}.evil.example`; }],
    ["fails_lookalike_prefix", (r) => { r.origin.custom.domainName = `evil.${HOST}`; }],
    ["fails_no_id", (r) => { r.origin.custom.domainName = "lambda-url.eu-central-1.on.aws"; }],
    ["fails_upper_case_host", (r) => { r.origin.custom.domainName = HOST.toUpperCase(); }],
    ["fails_api_gateway_host", (r) => { r.origin.custom.domainName = "a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com"; }],
    ["fails_host_with_port", (r) => { r.origin.custom.domainName = `${HOST}:443`; }],
    ["fails_domain_not_a_string", (r) => { r.origin.custom.domainName = ["x"]; }],
    ["fails_http", (r) => { r.origin.custom.protocol = "http"; }],
    ["fails_other_port", (r) => { r.origin.custom.port = 8443; }],
    ["fails_origin_path_with_query", (r) => { r.origin.custom.path = "/x?y=1"; }],
    ["fails_origin_path_not_a_string", (r) => { r.origin.custom.path = 7; }],
  ];
  for (const [name, mutate] of cases) {
    test(name, async () => {
      const { ev, req } = load("origin-request-books-create.json");
      mutate(req);
      const { out, log } = await invoke(ev);
      refused(out, 502, "origin_not_signable");
      assert.equal(log.status, 502);
      assert.equal(log.signed, undefined);
    });
  }
});

describe("truncated and oversized bodies are never signed", () => {
  test("fails_truncated_fixture: inputTruncated is 413", async () => {
    const { out, log } = await invoke(load("origin-request-books-truncated.json").ev);
    refused(out, 413, "body_too_large");
    assert.equal(log.error, "body_too_large");
  });

  test("fails_truncated_at_1MB: CloudFront's cut of a 1.5 MB body", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    setBody(req, randomBytes(1 << 20));
    req.body.inputTruncated = true;
    req.headers["content-length"] = hdr("Content-Length", String(1.5 * (1 << 20)));
    const { out } = await invoke(ev, twoRegions);
    refused(out, 413, "body_too_large");
  });

  test("fails_truncated_even_when_small: the flag wins over the data", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    req.body.inputTruncated = true;
    refused((await invoke(ev)).out, 413, "body_too_large");
  });

  test("fails_one_byte_over_maxBodyBytes", async () => {
    const { ev, req } = load("origin-request-books-create.json");
    setBody(req, Buffer.alloc(CONFIG.maxBodyBytes + 1, 0x20));
    const { out, log } = await invoke(ev);
    refused(out, 413, "body_too_large");
    assert.equal(log.bodyBytes, CONFIG.maxBodyBytes + 1);
  });
});

describe("malformed events are 4xx JSON, unsigned", () => {
  const ok = () => load("origin-request-books-create.json");
  const cases = [
    ["fails_no_records", () => ({}), 400, "bad_request"],
    ["fails_null_event", () => null, 400, "bad_request"],
    ["fails_records_not_array", () => ({ Records: "x" }), 400, "bad_request"],
    ["fails_headers_not_lists", () => { const { ev, req } = ok(); req.headers.host = "x"; return ev; }, 400, "bad_request"],
    ["fails_header_value_not_string", () => { const { ev, req } = ok(); req.headers["x-a"] = [{ key: "X-A", value: 1 }]; return ev; }, 400, "bad_request"],
    ["fails_body_not_base64", () => { const { ev, req } = ok(); req.body.data = "eyJ0aXRsZSI6!!!"; return ev; }, 400, "bad_request"],
    ["fails_body_base64_with_whitespace", () => { const { ev, req } = ok(); req.body.data = "eyJ0 aXRs"; return ev; }, 400, "bad_request"],
    ["fails_body_base64_inner_padding", () => { const { ev, req } = ok(); req.body.data = "eQ==eQ=="; return ev; }, 400, "bad_request"],
    ["fails_body_encoding_unknown", () => { const { ev, req } = ok(); req.body.encoding = "gzip"; return ev; }, 400, "bad_request"],
    ["fails_body_data_not_string", () => { const { ev, req } = ok(); req.body.data = 12; return ev; }, 400, "bad_request"],
    ["fails_body_not_object", () => { const { ev, req } = ok(); req.body = "eyJ9"; return ev; }, 400, "bad_request"],
    ["fails_truncated_flag_not_boolean", () => { const { ev, req } = ok(); req.body.inputTruncated = "false"; return ev; }, 400, "bad_request"],
    ["fails_lower_case_method", () => { const { ev, req } = ok(); req.method = "post"; return ev; }, 400, "invalid_method"],
    ["fails_method_with_space", () => { const { ev, req } = ok(); req.method = "POST /"; return ev; }, 400, "invalid_method"],
    ["fails_uri_relative", () => { const { ev, req } = ok(); req.uri = "api/books"; return ev; }, 400, "invalid_uri"],
    ["fails_uri_with_space", () => { const { ev, req } = ok(); req.uri = "/api/books x"; return ev; }, 400, "invalid_uri"],
    ["fails_uri_with_query", () => { const { ev, req } = ok(); req.uri = "/api/books?limit=1"; return ev; }, 400, "invalid_uri"],
    ["fails_uri_with_crlf", () => { const { ev, req } = ok(); req.uri = "/api/books\r\nX-Amz-Date: 1"; return ev; }, 400, "invalid_uri"],
    ["fails_query_with_fragment", () => { const { ev, req } = ok(); req.querystring = "a=1#x"; return ev; }, 400, "invalid_query"],
    ["fails_query_with_newline", () => { const { ev, req } = ok(); req.querystring = "a=1\nb=2"; return ev; }, 400, "invalid_query"],
  ];
  for (const [name, make, status, code] of cases) {
    test(name, async () => {
      const { out, log } = await invoke(make());
      refused(out, status, code);
      assert.equal(log.status, status);
    });
  }
});

describe("missing credentials", () => {
  test("fails_without_credentials: 500, nothing signed, no detail", async () => {
    setEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined });
    const { out, log } = await invoke(load("origin-request-books-create.json").ev);
    const body = refused(out, 500, "internal_error");
    assert.equal(body.message, "The request could not be processed.");
    assert.equal(log.exception, "NoCredentials");
  });
});

describe("cold start refuses a bundle without a valid config", () => {
  const bad = [
    ["fails_no_origins", { origins: [] }, /origins must be a non-empty list/],
    ["fails_region_placeholder_missing", { origins: [{ name: "x", service: "lambda", hostPattern: "{id}.lambda-url.eu-central-1.on.aws", regions: ["eu-central-1"] }] }, /\{region\} exactly once/],
    ["fails_regex_injection", { origins: [{ name: "x", service: "lambda", hostPattern: "{id}.lambda-url.{region}.on.aws|.*", regions: ["eu-central-1"] }] }, /characters outside/],
    ["fails_bad_region", { origins: [{ name: "x", service: "lambda", hostPattern: "{id}.lambda-url.{region}.on.aws", regions: ["*"] }] }, /regions/],
    ["fails_max_body_negative", { maxBodyBytes: -1 }, /maxBodyBytes/],
  ];
  for (const [name, over, want] of bad) {
    test(name, () => {
      assert.throws(() => buildBundle("books/signer", { ...CONFIG, ...over }), want);
    });
  }
  test("fails_missing_keys", () => {
    assert.throws(() => buildBundle("books/signer", { origins: CONFIG.origins }), /lacks maxBodyBytes.*constructs\/books/);
  });
});
