// Event generators for the ingest benchmark (see ../../edgelib/bench/child.cjs):
// origin-request events from the test fixture with a fresh body per request.
// Every record carries a unique "rid" so the benchmark can prove no record of
// an accepted request was lost.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const base = readFileSync(join(__dirname, "../test/fixtures/origin-request-ndjson.json"), "utf8");

function withBody(text, contentType) {
  const ev = JSON.parse(base);
  const req = ev.Records[0].cf.request;
  const data = Buffer.from(text, "utf8");
  req.body = { inputTruncated: false, action: "read-only", encoding: "base64", data: data.toString("base64") };
  req.headers["content-type"] = [{ key: "Content-Type", value: contentType }];
  req.headers["content-length"] = [{ key: "Content-Length", value: String(data.length) }];
  return JSON.stringify(ev);
}

function record(rid, i) {
  return JSON.stringify({ event: "page_view", rid, ts: 1730000000000 + i, page: `/products/${i % 17}`, ua: "Mozilla/5.0 (X11; Linux x86_64)", tags: ["a", "b", "c"] });
}

/** One JSON object (application/json): the single-event request. */
exports.single = (i) => withBody(record(`s-${i}`, i), "application/json; charset=utf-8");

/** 100 NDJSON records. */
exports.batch100 = (i) => {
  const lines = [];
  for (let k = 0; k < 100; k++) lines.push(record(`b-${i}-${k}`, k));
  return withBody(lines.join("\n") + "\n", "application/x-ndjson");
};
