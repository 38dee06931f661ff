// The redirect viewer-request handler, exercised through the deployed bundle
// (esbuild Go API via cmd/edgebundle) and realistic CloudFront events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";

const rules = [
  { name: "form-submit", path: "/", pathPrefix: "", refererContains: "/index.html", status: 302, target: "/other.html", preserveQueryString: true },
  { name: "docs-v1", path: "", pathPrefix: "/docs/v1/", refererContains: "", status: 301, target: "https://docs.example.com/v2/", preserveQueryString: true },
  { name: "docs-any", pathPrefix: "/docs/", status: 308, target: "/docs/", preserveQueryString: false },
  { name: "search", path: "/search", status: 307, target: "/find?source=legacy", preserveQueryString: true },
  { name: "promo-first", path: "/promo", status: 303, target: "/spring#offers", preserveQueryString: true },
  { name: "promo-second", path: "/promo", status: 308, target: "/never", preserveQueryString: false },
];

const bundle = buildBundle("redirect", { rules });
const { handler } = bundle;

const clone = (v) => structuredClone(v);
const req = (e) => e.Records[0].cf.request;
const withRequest = (name, fn) => {
  const e = fixture(name);
  fn(req(e), e);
  return e;
};

// Captures console.log lines as parsed JSON for the duration of fn.
async function logsOf(t, fn) {
  const lines = [];
  t.mock.method(console, "log", (s) => lines.push(s));
  const result = await fn();
  t.mock.restoreAll();
  return { result, lines, logs: lines.map((l) => JSON.parse(l)) };
}

const redirects = [
  {
    name: "referer_match_keeps_query_string",
    event: fixture("viewer-request-form-submit.json"),
    rule: "form-submit", status: 302, desc: "Found", cache: "no-store",
    location: "/other.html?name=Jane%20Doe&email=jane%40example.com&topic=billing",
  },
  {
    name: "referer_match_without_query_string",
    event: fixture("viewer-request-form-submit-no-query.json"),
    rule: "form-submit", status: 302, desc: "Found", cache: "no-store", location: "/other.html",
  },
  {
    name: "header_key_upper_case",
    event: fixture("viewer-request-form-submit-referer-upper.json"),
    rule: "form-submit", status: 302, desc: "Found", cache: "no-store", location: "/other.html?name=Jane",
  },
  {
    name: "header_map_name_not_lower_case",
    event: withRequest("viewer-request-form-submit.json", (r) => {
      r.headers.Referer = r.headers.referer;
      delete r.headers.referer;
    }),
    rule: "form-submit", status: 302, desc: "Found", cache: "no-store",
    location: "/other.html?name=Jane%20Doe&email=jane%40example.com&topic=billing",
  },
  {
    name: "path_prefix_permanent_to_https_url",
    event: fixture("viewer-request-docs-v1.json"),
    rule: "docs-v1", status: 301, desc: "Moved Permanently", cache: "max-age=3600",
    location: "https://docs.example.com/v2/?lang=de",
  },
  {
    name: "later_prefix_rule_without_query_string",
    event: withRequest("viewer-request-docs-v1.json", (r) => { r.uri = "/docs/v0/index.html"; }),
    rule: "docs-any", status: 308, desc: "Permanent Redirect", cache: "max-age=3600", location: "/docs/",
  },
  {
    name: "target_with_query_appends_with_ampersand",
    event: fixture("viewer-request-search.json"),
    rule: "search", status: 307, desc: "Temporary Redirect", cache: "no-store",
    location: "/find?source=legacy&q=edge%20functions&page=2",
  },
  {
    name: "first_match_wins_and_query_goes_before_fragment",
    event: fixture("viewer-request-promo.json"),
    rule: "promo-first", status: 303, desc: "See Other", cache: "no-store", location: "/spring?code=SPRING#offers",
  },
  {
    name: "non_ascii_query_string_is_percent_encoded",
    event: withRequest("viewer-request-search.json", (r) => { r.querystring = "q=café crème"; }),
    rule: "search", status: 307, desc: "Temporary Redirect", cache: "no-store",
    location: "/find?source=legacy&q=caf%C3%A9%20cr%C3%A8me",
  },
  {
    name: "post_method_matches_too",
    event: withRequest("viewer-request-form-submit-no-query.json", (r) => { r.method = "POST"; }),
    rule: "form-submit", status: 302, desc: "Found", cache: "no-store", location: "/other.html",
  },
];

for (const c of redirects) {
  test(c.name, async (t) => {
    const before = clone(c.event);
    const { result: res, logs, lines } = await logsOf(t, () => handler(c.event, lambdaContext()));
    assert.deepEqual(res, {
      status: String(c.status),
      statusDescription: c.desc,
      headers: {
        location: [{ key: "Location", value: c.location }],
        "cache-control": [{ key: "Cache-Control", value: c.cache }],
        "x-content-type-options": [{ key: "X-Content-Type-Options", value: "nosniff" }],
        "strict-transport-security": [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains; preload" }],
      },
    });
    assert.deepEqual(c.event, before, "event must not be modified");
    assert.deepEqual(logs, [{ msg: "redirect", rule: c.rule, status: c.status }]);
    const referer = req(c.event).headers.referer?.[0].value ?? req(c.event).headers.Referer?.[0].value;
    if (referer) assert.ok(!lines[0].includes(referer), "log must not contain header values");
  });
}

const passthrough = [
  ["no_referer", fixture("viewer-request-root-no-referer.json")],
  ["other_referer", fixture("viewer-request-other-referer.json")],
  ["referer_matches_but_path_does_not", fixture("viewer-request-asset.json")],
  ["referer_substring_is_case_sensitive", withRequest("viewer-request-form-submit.json", (r) => {
    r.headers.referer[0].value = "https://d111111abcdef8.cloudfront.net/INDEX.HTML";
  })],
  ["path_prefix_needs_prefix", withRequest("viewer-request-docs-v1.json", (r) => { r.uri = "/docs"; })],
  ["exact_path_is_exact", withRequest("viewer-request-search.json", (r) => { r.uri = "/search/"; })],
];

for (const [name, event] of passthrough) {
  test(`passthrough_${name}`, async (t) => {
    const before = clone(event);
    const { result, lines } = await logsOf(t, () => handler(event, lambdaContext()));
    assert.equal(result, req(event), "must return the same request object");
    assert.deepEqual(event, before, "request must be unchanged");
    assert.deepEqual(lines, [], "no log line for pass-through requests");
  });
}

const throwingUri = () => {
  const e = fixture("viewer-request-form-submit.json");
  Object.defineProperty(req(e), "uri", { get() { throw new RangeError("boom"); }, enumerable: true });
  return e;
};

const failures = [
  ["fails_null_event", () => null, 400],
  ["fails_no_records", () => ({}), 400],
  ["fails_empty_records", () => ({ Records: [] }), 400],
  ["fails_no_cf", () => withRequest("viewer-request-form-submit.json", (r, e) => { delete e.Records[0].cf; }), 400],
  ["fails_headers_as_string", () => withRequest("viewer-request-form-submit.json", (r) => { r.headers = "referer: /index.html"; }), 400],
  ["fails_header_value_not_array", () => withRequest("viewer-request-form-submit.json", (r) => {
    r.headers.referer = { key: "Referer", value: "https://d111111abcdef8.cloudfront.net/index.html" };
  }), 400],
  ["fails_header_entry_without_value", () => withRequest("viewer-request-form-submit.json", (r) => { r.headers.referer = [{ key: "Referer" }]; }), 400],
  ["fails_uri_missing", () => withRequest("viewer-request-form-submit.json", (r) => { delete r.uri; }), 400],
  ["fails_querystring_not_string", () => withRequest("viewer-request-form-submit.json", (r) => { r.querystring = ["a=1"]; }), 400],
  ["fails_unexpected_exception", throwingUri, 500],
];

for (const [name, make, status] of failures) {
  test(name, async (t) => {
    const { result: res, logs } = await logsOf(t, () => handler(make(), lambdaContext()));
    assert.equal(res.status, String(status));
    assert.equal(res.statusDescription, status === 400 ? "Bad Request" : "Internal Server Error");
    assert.equal(res.bodyEncoding, "text");
    assert.deepEqual(res.headers["content-type"], [{ key: "Content-Type", value: "application/json; charset=utf-8" }]);
    assert.deepEqual(res.headers["cache-control"], [{ key: "Cache-Control", value: "no-store" }]);
    const body = JSON.parse(res.body);
    assert.equal(body.error, status === 400 ? "bad_request" : "internal_error");
    assert.equal(typeof body.message, "string");
    assert.doesNotMatch(res.body, /boom|Records|index\.html/, "internals must not reach the client");
    assert.equal(logs.length, 1);
    assert.doesNotMatch(JSON.stringify(logs), /cloudfront\.net|index\.html/, "log must not contain header values");
  });
}

test("fails_never_rejects_for_odd_inputs", async (t) => {
  t.mock.method(console, "log", () => {});
  for (const ev of [undefined, 0, "x", [], { Records: [null] }, { Records: [{ cf: { request: null } }] }]) {
    const res = await handler(ev, lambdaContext());
    assert.equal(res.status, "400");
  }
});

test("no rules configured passes everything through", async () => {
  const { handler: h } = buildBundle("redirect", { rules: [] });
  const event = fixture("viewer-request-form-submit.json");
  assert.equal(await h(event, lambdaContext()), req(event));
});

test("fails_at_cold_start_without_its_config", () => {
  assert.throws(() => buildBundle("redirect", {}), /lacks rules; build the bundle through its construct/);
});

test("the default config is Go's", async () => {
  const { handler: h } = buildBundle("redirect", handlerConfig("redirect"));
  const res = await h(fixture("viewer-request-form-submit.json"), lambdaContext());
  assert.equal(res.status, "302");
  assert.equal(res.headers.location[0].value.split("?")[0], "/other.html");
});

test("referer-dependent redirects are never cached, whatever the status", async () => {
  for (const status of [301, 308]) {
    const { handler: h } = buildBundle("redirect", {
      rules: [{ name: "ref", path: "/", refererContains: "/index.html", status, target: "/other.html" }, { name: "plain", path: "/plain", status, target: "/p" }],
    });
    const hit = await h(fixture("viewer-request-form-submit.json"), lambdaContext());
    assert.equal(hit.status, String(status));
    assert.equal(hit.headers["cache-control"][0].value, "no-store", `status ${status} with refererContains`);
    const plain = fixture("viewer-request-root-no-referer.json");
    plain.Records[0].cf.request.uri = "/plain";
    assert.equal((await h(plain, lambdaContext())).headers["cache-control"][0].value, "max-age=3600");
  }
});

test("fails_invalid_rules_are_dropped_not_matched", async (t) => {
  const lines = [];
  t.mock.method(console, "log", (s) => lines.push(JSON.parse(s)));
  const { handler: h } = buildBundle("redirect", {
    rules: [
      { name: "catch-all", status: 302, target: "/x" },
      { name: "bad-status", path: "/", status: 200, target: "/x" },
      { name: "open-redirect", path: "/", status: 302, target: "//evil.example/" },
      { name: "http-target", path: "/", status: 302, target: "http://insecure.example/" },
      { name: "no-host", path: "/", status: 302, target: "https:///x" },
      { name: "backslash", path: "/", status: 302, target: "/\\evil.example" },
      { name: "tab-slash", path: "/", status: 302, target: "/\t/evil.example" },
      { name: "userinfo", path: "/", status: 302, target: "https://good.example@evil.example/" },
      { name: "backslash-host", path: "/", status: 302, target: "https://good.example\\@evil.example/" },
      { name: "nul", path: "/", status: 302, target: "/a\u0000b" },
      { name: "ok", path: "/", status: 302, target: "/ok", preserveQueryString: false },
    ],
  });
  assert.deepEqual(lines.map((l) => [l.msg, l.index]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ["rule dropped", i]));
  const res = await h(fixture("viewer-request-root-no-referer.json"), lambdaContext());
  assert.equal(res.headers.location[0].value, "/ok");
  assert.deepEqual(lines.at(-1), { msg: "redirect", rule: "ok", status: 302 });
});

test("bundle is small and self-contained", () => {
  assert.ok(bundle.zipBytes < 1024 * 1024, "viewer-request limit is 1 MB zipped");
  assert.match(bundle.code, /exports/);
  assert.doesNotMatch(bundle.code, /require\("(?!node:)/, "only node: built-ins may be required at runtime");
});
