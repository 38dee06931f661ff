// Unit tests for lib/response.js (a pure library: imported directly).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SECURITY_HEADERS, jsonResponse, errorResponse, header, cfRecord, MalformedEventError } from "../response.js";
import { fixture } from "../testkit/bundle.mjs";

const security = {
  "cache-control": [{ key: "Cache-Control", value: "no-store" }],
  "x-content-type-options": [{ key: "X-Content-Type-Options", value: "nosniff" }],
  "strict-transport-security": [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains; preload" }],
};

test("SECURITY_HEADERS has the agreed values and cannot be mutated", () => {
  assert.deepEqual(SECURITY_HEADERS, security);
  assert.throws(() => { SECURITY_HEADERS["cache-control"][0].value = "public"; }, TypeError);
  assert.throws(() => { SECURITY_HEADERS.x = []; }, TypeError);
});

test("jsonResponse builds CloudFront's generated-response shape", () => {
  const res = jsonResponse(429, { error: "throttled" }, { "Retry-After": "1" });
  assert.deepEqual(res, {
    status: "429",
    statusDescription: "Too Many Requests",
    headers: {
      "content-type": [{ key: "Content-Type", value: "application/json; charset=utf-8" }],
      ...security,
      "retry-after": [{ key: "Retry-After", value: "1" }],
    },
    bodyEncoding: "text",
    body: '{"error":"throttled"}',
  });
});

test("jsonResponse returns independent copies of the security headers", () => {
  const a = jsonResponse(200, {});
  a.headers["cache-control"][0].value = "public, max-age=60";
  assert.equal(jsonResponse(200, {}).headers["cache-control"][0].value, "no-store");
  assert.equal(SECURITY_HEADERS["cache-control"][0].value, "no-store");
});

test("jsonResponse extra headers override, stringify, skip nullish and strip line breaks", () => {
  const res = jsonResponse("503", null, { "Cache-Control": "max-age=5", "Retry-After": 2, "X-Skip": undefined, "X-Evil": "a\r\nSet-Cookie: x=1" });
  assert.equal(res.status, "503");
  assert.equal(res.statusDescription, "Service Unavailable");
  assert.deepEqual(res.headers["cache-control"], [{ key: "Cache-Control", value: "max-age=5" }]);
  assert.deepEqual(res.headers["retry-after"], [{ key: "Retry-After", value: "2" }]);
  assert.equal("x-skip" in res.headers, false);
  assert.equal(res.headers["x-evil"][0].value, "a Set-Cookie: x=1");
  assert.equal(res.body, "null");
});

test("jsonResponse omits statusDescription for unlisted codes", () => {
  const res = jsonResponse(418, { ok: false });
  assert.equal(res.status, "418");
  assert.equal("statusDescription" in res, false);
});

test("errorResponse wraps code and message", () => {
  const res = errorResponse(400, "bad_request", "nope", { "X-Request-Id": "r1" });
  assert.equal(res.status, "400");
  assert.equal(res.statusDescription, "Bad Request");
  assert.deepEqual(JSON.parse(res.body), { error: "bad_request", message: "nope" });
  assert.equal(res.headers["x-request-id"][0].value, "r1");
  assert.deepEqual(errorResponse(500, "internal_error", "x").headers["cache-control"], security["cache-control"]);
});

test("header reads first values case-insensitively", () => {
  const req = fixture("viewer-request-form-submit.json").Records[0].cf.request;
  for (const name of ["referer", "Referer", "REFERER"]) {
    assert.equal(header(req, name), "https://d111111abcdef8.cloudfront.net/index.html", name);
  }
  assert.equal(header({ headers: { Referer: [{ value: "a" }, { value: "b" }] } }, "referer"), "a", "non-lower-case map name");
  assert.equal(header(req, "x-missing"), undefined);
});

test("header is tolerant of malformed shapes", () => {
  const cases = [
    ["no request", undefined],
    ["null request", null],
    ["string request", "x"],
    ["no headers", {}],
    ["headers null", { headers: null }],
    ["headers string", { headers: "referer: x" }],
    ["value not array", { headers: { referer: { key: "Referer", value: "x" } } }],
    ["empty array", { headers: { referer: [] } }],
    ["null entry", { headers: { referer: [null] } }],
    ["value number", { headers: { referer: [{ key: "Referer", value: 7 }] } }],
    ["inherited name", { headers: {} }, "constructor"],
    ["name not string", { headers: { referer: [{ value: "x" }] } }, 42],
  ];
  for (const [label, req, name = "referer"] of cases) {
    assert.equal(header(req, name), undefined, label);
  }
});

test("cfRecord returns the request and config of a real event by reference", () => {
  const event = fixture("viewer-request-form-submit.json");
  const { request, config } = cfRecord(event);
  assert.equal(request, event.Records[0].cf.request);
  assert.equal(config, event.Records[0].cf.config);
  assert.equal(config.eventType, "viewer-request");
});

const mutate = (fn) => {
  const e = fixture("viewer-request-form-submit.json");
  fn(e, e.Records?.[0]?.cf?.request);
  return e;
};
const malformed = [
  ["fails_undefined", undefined, /Records/],
  ["fails_null", null, /Records/],
  ["fails_string", "event", /Records/],
  ["fails_no_records", {}, /Records/],
  ["fails_empty_records", { Records: [] }, /Records/],
  ["fails_records_object", { Records: { 0: {} } }, /Records/],
  ["fails_record_null", { Records: [null] }, /cf must/],
  ["fails_no_cf", mutate((e) => delete e.Records[0].cf), /cf must/],
  ["fails_no_request", mutate((e) => delete e.Records[0].cf.request), /request must/],
  ["fails_request_array", mutate((e) => { e.Records[0].cf.request = []; }), /request must/],
  ["fails_config_string", mutate((e) => { e.Records[0].cf.config = "x"; }), /config must/],
  ["fails_uri_missing", mutate((e, r) => delete r.uri), /uri/],
  ["fails_uri_number", mutate((e, r) => { r.uri = 1; }), /uri/],
  ["fails_method_missing", mutate((e, r) => delete r.method), /method/],
  ["fails_querystring_object", mutate((e, r) => { r.querystring = { a: "1" }; }), /querystring/],
  ["fails_headers_missing", mutate((e, r) => delete r.headers), /headers must/],
  ["fails_headers_string", mutate((e, r) => { r.headers = "host: x"; }), /headers must/],
  ["fails_header_value_not_array", mutate((e, r) => { r.headers.referer = { key: "Referer", value: "x" }; }), /arrays/],
  ["fails_header_entry_string", mutate((e, r) => { r.headers.referer = ["x"]; }), /entries/],
  ["fails_header_entry_value_missing", mutate((e, r) => { r.headers.referer = [{ key: "Referer" }]; }), /entries/],
  ["fails_header_entry_key_number", mutate((e, r) => { r.headers.referer = [{ key: 1, value: "x" }]; }), /entries/],
];
for (const [name, event, message] of malformed) {
  test(`cfRecord ${name}`, () => {
    assert.throws(() => cfRecord(event), (err) => {
      assert.ok(err instanceof MalformedEventError);
      assert.equal(err.name, "MalformedEventError");
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /index\.html|cloudfront\.net/, "message must not echo request data");
      return true;
    });
  });
}

test("cfRecord accepts optional parts CloudFront may omit", () => {
  const e = fixture("viewer-request-form-submit.json");
  delete e.Records[0].cf.config;
  delete e.Records[0].cf.request.querystring;
  e.Records[0].cf.request.headers.accept = [{ value: "*/*" }]; // key is optional
  const { request, config } = cfRecord(e);
  assert.deepEqual(config, {});
  assert.equal(request.uri, "/");
});
