// Benchmark of the SigV4 origin-request signer as deployed (the bundle that
// `edgekit bundle` builds with the config Go bakes in, maxBodyBytes raised to
// the 1 MB include-body limit so every size is signed). Prints numbers only,
// one per line; no thresholds.
//
//   node functions/books/bench/signer.mjs
//
// signer zip_bytes N                deployment package size
// signer cold_require_ms X          median of 11 fresh processes: require() of the bundle
// signer cold_first_response_ms X   same processes: the first signed POST (1 KB class body)
// signer sign_<size>_us X           median handler time per request with a <size>
//                                   body (0B, 1KB, 1MB), signing included
// signer sha256_<size>_us X         median node:crypto SHA-256 (hex) of the same
//                                   decoded bytes: the floor of body hashing
// signer decode_sha256_<size>_us X  median base64 decode + SHA-256 of the same
//                                   event data: the body work the handler must do
// signer cost_...                   see ../../edgelib/bench/cost.mjs (origin
//                                   request, 128 MB, 1 KB bodies)
import { createHash, randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundle, fixture, handlerConfig } from "../../edgelib/testkit/bundle.mjs";
import { median, runChild } from "../../edgelib/bench/run.mjs";
import { printCost } from "../../edgelib/bench/cost.mjs";

const COLD_RUNS = 11;
// constructs/books EdgeSignerProps.MemorySize default.
const MEMORY_MB = 128;
const SIZES = [
  ["0B", 0, 20_000],
  ["1KB", 1024, 20_000],
  ["1MB", 1 << 20, 200],
];
const CREDS = { AWS_ACCESS_KEY_ID: "ASIAEDGEKITBENCH0001", AWS_SECRET_ACCESS_KEY: "bench-secret", AWS_SESSION_TOKEN: "bench-token" };
Object.assign(process.env, CREDS);

const config = handlerConfig("books", { maxBodyBytes: 1 << 20 });
const bundle = buildBundle("books/signer", config);
console.log(`signer zip_bytes ${bundle.zipBytes}`);

const events = join(dirname(fileURLToPath(import.meta.url)), "events.cjs");
const cold = [];
for (let i = 0; i < COLD_RUNS; i++) {
  const r = await runChild({ bundle: bundle.codePath, events, generator: "create", mode: "cold", memoryMB: MEMORY_MB }, { ...process.env, ...CREDS });
  if (r.status !== 200) throw new Error(`cold run answered ${r.status}, want the signed request`);
  cold.push(r);
}
console.log(`signer cold_require_ms ${median(cold.map((r) => r.requireMs)).toFixed(3)}`);
console.log(`signer cold_first_response_ms ${median(cold.map((r) => r.firstMs)).toFixed(3)}`);

const time = (f) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e3;
};

const log = console.log;
let warm1KB = [];
for (const [name, size, iterations] of SIZES) {
  const bytes = randomBytes(size);
  const ev = fixture("origin-request-books-create.json");
  const req = ev.Records[0].cf.request;
  req.body.data = bytes.toString("base64");
  req.headers["content-length"] = [{ key: "Content-Length", value: String(size) }];
  const want = createHash("sha256").update(bytes).digest("hex");

  // The same event object every time: the handler strips the headers it
  // added on the previous call and signs again, as for a fresh request.
  const samples = new Float64Array(iterations);
  console.log = () => {};
  for (let i = 0; i < Math.min(iterations, 2000); i++) await bundle.handler(ev, {});
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    const out = await bundle.handler(ev, {});
    samples[i] = Number(process.hrtime.bigint() - t) / 1e3;
    if (out.headers["x-amz-content-sha256"][0].value !== want) throw new Error(`${name}: wrong body hash`);
  }
  console.log = log;

  const hash = new Float64Array(iterations);
  const decodeHash = new Float64Array(iterations);
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    hash[i] = time(() => (sink += createHash("sha256").update(bytes).digest("hex").length));
    decodeHash[i] = time(() => (sink += createHash("sha256").update(Buffer.from(req.body.data, "base64")).digest("hex").length));
  }
  if (sink !== 128 * iterations) throw new Error("hash sink");
  console.log(`signer sign_${name}_us ${median(samples).toFixed(2)}`);
  console.log(`signer sha256_${name}_us ${median(hash).toFixed(2)}`);
  console.log(`signer decode_sha256_${name}_us ${median(decodeHash).toFixed(2)}`);
  if (name === "1KB") warm1KB = samples;
}

let billed = 0;
for (const us of warm1KB) billed += Math.max(1, Math.ceil(us / 1000)); // whole ms per invocation
printCost("signer", {
  warmBilledMs: billed / warm1KB.length,
  coldMs: median(cold.map((r) => r.requireMs + r.firstMs)),
  memoryMB: MEMORY_MB,
  cloudFrontFunction: false,
});
