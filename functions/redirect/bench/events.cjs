// Event generator for the redirect benchmark's fresh-process runs (see
// ../../edgelib/bench/child.cjs): alternately a request that redirects and one
// that passes through, from the test fixtures.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const fixtures = ["viewer-request-form-submit.json", "viewer-request-root-no-referer.json"].map((f) =>
  readFileSync(join(__dirname, "../test/fixtures", f), "utf8"),
);

/** The i-th viewer-request event: even i redirects, odd i passes through. */
exports.alternate = (i) => fixtures[i & 1];
