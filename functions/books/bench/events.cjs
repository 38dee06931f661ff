// Event generator for the signer benchmark's fresh-process runs (see
// ../../edgelib/bench/child.cjs): the create fixture, a POST with a JSON body.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const create = readFileSync(join(__dirname, "../test/fixtures/origin-request-books-create.json"), "utf8");

/** The i-th event: always the create request. */
exports.create = () => create;
