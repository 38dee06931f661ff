// Event generators for the Basic-auth benchmark's fresh-process runs (see
// ../../edgelib/bench/child.cjs), from the test fixture. The credentials are
// the benchmark's own (basicauth.mjs writes the matching store).
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const base = JSON.parse(readFileSync(join(__dirname, "../test/fixtures/viewer-request-private.json"), "utf8"));
const withAuth = (value) => {
  const e = structuredClone(base);
  e.Records[0].cf.request.headers.authorization = [{ key: "Authorization", value }];
  return JSON.stringify(e);
};

/** Password of user "bench" in the benchmark's store. */
exports.PASSWORD = "bench-password-2026";
const valid = withAuth(`Basic ${Buffer.from(`bench:${exports.PASSWORD}`).toString("base64")}`);
// Well-formed token without a colon: reads the store, then fails before any hash.
const noColon = withAuth(`Basic ${Buffer.from("bench").toString("base64")}`);

/** The same valid credential every time: one slow hash, then cache hits. */
exports.valid = () => valid;
/** A store read at cold start, no hash: the cold start's parameter read alone. */
exports.noColon = () => noColon;
