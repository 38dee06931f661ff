// normalize.js as CloudFront Functions runs it: a plain script (no modules,
// no Node globals) whose handler receives the viewer-request event of the
// CloudFront Functions shape (querystring as {name: {value, multiValue}}).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const here = new URL("..", import.meta.url);
const code = readFileSync(new URL("normalize.js", here), "utf8");
const fixture = JSON.parse(readFileSync(new URL("testdata/viewer-request.json", here), "utf8"));

// load evaluates the code in a fresh context holding only what CloudFront
// Functions provide to it here (console), and returns its handler.
function load() {
  const context = vm.createContext({ console: { log() {} } });
  vm.runInContext(code, context, { filename: "normalize.js" });
  const handler = vm.runInContext("handler", context);
  assert.equal(typeof handler, "function");
  return handler;
}

const handler = load();

// plain copies a value out of the script's realm: objects created there have
// that realm's Object.prototype, which strict deep equality would compare.
const plain = (x) => JSON.parse(JSON.stringify(x));

// event returns the fixture with its query string replaced.
function event(querystring) {
  const e = structuredClone(fixture);
  if (querystring === undefined) {
    delete e.request.querystring;
  } else {
    e.request.querystring = querystring;
  }
  return e;
}

const v = (value) => ({ value });
const mv = (...values) => ({ value: values[0], multiValue: values.map(v) });
const SHOW = { showExif: { value: "true" } };

const cases = [
  { name: "true", qs: { showExif: v("true") }, want: SHOW },
  { name: "true_upper_case", qs: { showExif: v("TRUE") }, want: SHOW },
  { name: "true_mixed_case", qs: { showExif: v("tRuE") }, want: SHOW },
  { name: "one", qs: { showExif: v("1") }, want: SHOW },
  { name: "yes", qs: { showExif: v("yes") }, want: SHOW },
  { name: "yes_upper_case", qs: { showExif: v("YES") }, want: SHOW },
  { name: "name_any_case", qs: { ShowEXIF: v("1") }, want: SHOW },
  { name: "extra_parameters_dropped", qs: { utm_source: v("x"), showExif: v("true"), size: v("large") }, want: SHOW },
  { name: "repeated_first_value_counts", qs: { showExif: mv("true", "false") }, want: SHOW },
  { name: "exact_name_wins_over_other_case", qs: { SHOWEXIF: v("false"), showExif: v("yes") }, want: SHOW },
  { name: "other_cases_in_sorted_order", qs: { showexif: v("no"), SHOWEXIF: v("1") }, want: SHOW },
  { name: "false", qs: { showExif: v("false") }, want: {} },
  { name: "zero", qs: { showExif: v("0") }, want: {} },
  { name: "no", qs: { showExif: v("no") }, want: {} },
  { name: "empty_value", qs: { showExif: v("") }, want: {} },
  { name: "no_query_string", qs: {}, want: {} },
  { name: "only_other_parameters", qs: { utm_source: v("x"), page: v("2") }, want: {} },
  { name: "repeated_first_value_false", qs: { showExif: mv("false", "true") }, want: {} },
  { name: "similar_name", qs: { showExifs: v("true"), show_exif: v("true"), showExi: v("1") }, want: {} },
  // Hostile or malformed input falls back to the plain image: never an
  // exception (CloudFront would answer 503) and never a cache split.
  { name: "fails_padded_value", qs: { showExif: v(" true") }, want: {} },
  { name: "fails_trailing_garbage", qs: { showExif: v("true;x") }, want: {} },
  { name: "fails_encoded_value", qs: { showExif: v("%74rue") }, want: {} },
  { name: "fails_injection_in_value", qs: { showExif: v("true&admin=1") }, want: {} },
  { name: "fails_unicode_lookalike", qs: { showExif: v("ｔｒｕｅ") }, want: {} },
  { name: "fails_value_not_string", qs: { showExif: { value: true } }, want: {} },
  { name: "fails_value_number", qs: { showExif: { value: 1 } }, want: {} },
  { name: "fails_value_missing", qs: { showExif: {} }, want: {} },
  { name: "fails_param_null", qs: { showExif: null }, want: {} },
  { name: "fails_param_string", qs: { showExif: "true" }, want: {} },
  { name: "fails_multivalue_empty_uses_value", qs: { showExif: { value: "1", multiValue: [] } }, want: SHOW },
  { name: "fails_multivalue_garbage_uses_value", qs: { showExif: { value: "no", multiValue: [null] } }, want: {} },
  { name: "fails_multivalue_not_array", qs: { showExif: { value: "yes", multiValue: "x" } }, want: SHOW },
  { name: "fails_querystring_null", qs: null, want: {} },
  { name: "fails_querystring_missing", qs: undefined, want: {} },
  { name: "fails_querystring_string", qs: "showExif=true", want: {} },
  { name: "fails_proto_name", qs: JSON.parse('{"__proto__": {"value": "true"}, "constructor": {"value": "1"}}'), want: {} },
  { name: "fails_has_own_property_shadowed", qs: { hasOwnProperty: v("x"), showExif: v("1") }, want: SHOW },
];

for (const c of cases) {
  test(c.name, () => {
    const e = event(c.qs);
    const before = structuredClone(e.request);
    const out = handler(e);
    assert.deepEqual(plain(out.querystring), c.want);
    // Only the query string changes: method, URI, headers and cookies pass.
    assert.equal(out.method, before.method);
    assert.equal(out.uri, before.uri);
    assert.deepEqual(out.headers, before.headers);
    assert.deepEqual(out.cookies, before.cookies);
  });
}

test("fixture_event_canonicalised", () => {
  const out = handler(structuredClone(fixture));
  assert.deepEqual(plain(out.querystring), SHOW);
});

test("output_is_a_cache_key_of_two_values", () => {
  // Every spelling maps to one of two query strings.
  const seen = new Set();
  for (const c of cases) {
    seen.add(JSON.stringify(handler(event(c.qs)).querystring));
  }
  assert.deepEqual([...seen].sort(), ["{\"showExif\":{\"value\":\"true\"}}", "{}"]);
});

test("many_parameters", () => {
  const qs = {};
  for (let i = 0; i < 5000; i++) qs[`p${i}`] = v("x".repeat(10));
  qs.ShowExif = v("Yes");
  assert.deepEqual(plain(handler(event(qs)).querystring), SHOW);
});

test("huge_value", () => {
  assert.deepEqual(plain(handler(event({ showExif: v("t".repeat(1 << 20)) })).querystring), {});
});

test("no_node_globals_needed", () => {
  // The context has no require, process, Buffer or module: loading would
  // have thrown if the code touched them at load time; calling it proves
  // the handler does not either.
  const context = vm.createContext({});
  vm.runInContext(code, context);
  const h = vm.runInContext("handler", context);
  assert.deepEqual(plain(h(event({ showExif: v("1") })).querystring), SHOW);
});

test("code_within_cloudfront_functions_limit", () => {
  assert.ok(Buffer.byteLength(code) <= 10 * 1024, `normalize.js is ${Buffer.byteLength(code)} bytes`);
});
