// Benchmark of the redirect viewer-request handler as deployed (the bundle that
// `edgekit bundle` builds). Prints numbers only, one per line; no thresholds.
//
//   node functions/redirect/bench/redirect.mjs
//
// redirect zip_bytes N          deployment package size (viewer limit: 1 MB)
// redirect cold_require_ms X    median time to require() the bundle in a fresh
//                               node process (../../edgelib/bench/child.cjs;
//                               measured inside the child, so process start-up
//                               is excluded)
// redirect cold_first_response_ms X  median first invocation in those processes
//                               (a redirecting request, as Lambda runs it)
// redirect per_request_us X     median handler latency over matching and
//                               non-matching requests (console.log stubbed out:
//                               the CloudWatch write is not the handler's cost)
// redirect cost_...             see ../../edgelib/bench/cost.mjs (viewer
//                               request: 128 MB; could also run as a
//                               CloudFront Function: no body, no network)
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";
import { median, runChild } from "../../edgelib/bench/run.mjs";
import { printCost } from "../../edgelib/bench/cost.mjs";

const COLD_RUNS = 11;
const WARMUP = 10_000;
const ITERATIONS = 60_000;
// Viewer-request functions get at most 128 MB (constructs/redirect).
const MEMORY_MB = 128;

// The seed pattern's configuration.
const config = handlerConfig("redirect");

const bundle = buildBundle("redirect", config);

// Require and first response in fresh processes (what a cold start bills).
const events = join(dirname(fileURLToPath(import.meta.url)), "events.cjs");
const firsts = [];
for (let i = 0; i < COLD_RUNS; i++) {
  const r = await runChild({ bundle: bundle.codePath, events, generator: "alternate", mode: "cold", memoryMB: MEMORY_MB });
  if (r.status !== 302) throw new Error(`cold run answered ${r.status}`);
  firsts.push(r);
}

const matching = fixture("viewer-request-form-submit.json");
const passing = fixture("viewer-request-root-no-referer.json");
const ctx = lambdaContext();
const { handler } = bundle;

const log = console.log;
console.log = () => {};
// Measure the right paths: one request redirects, the other passes through.
if ((await handler(matching, ctx)).status !== "302" || (await handler(passing, ctx)) !== passing.Records[0].cf.request) {
  throw new Error("bench events do not exercise match and pass-through");
}
let sink = 0;
for (let i = 0; i < WARMUP; i++) sink += (await handler(i & 1 ? matching : passing, ctx)) ? 1 : 0;
const samples = new Float64Array(ITERATIONS);
for (let i = 0; i < ITERATIONS; i++) {
  const ev = i & 1 ? matching : passing;
  const t = process.hrtime.bigint();
  const res = await handler(ev, ctx);
  samples[i] = Number(process.hrtime.bigint() - t) / 1e3;
  sink += res ? 1 : 0;
}
console.log = log;
if (sink !== WARMUP + ITERATIONS) throw new Error("handler returned nothing");

console.log(`redirect zip_bytes ${bundle.zipBytes}`);
console.log(`redirect cold_require_ms ${median(firsts.map((r) => r.requireMs)).toFixed(3)}`);
console.log(`redirect cold_first_response_ms ${median(firsts.map((r) => r.firstMs)).toFixed(3)}`);
console.log(`redirect per_request_us ${median(samples).toFixed(3)}`);
let billed = 0;
for (const us of samples) billed += Math.max(1, Math.ceil(us / 1000)); // whole ms per invocation
printCost("redirect", {
  warmBilledMs: billed / samples.length,
  coldMs: median(firsts.map((r) => r.requireMs + r.firstMs)),
  memoryMB: MEMORY_MB,
  cloudFrontFunction: true,
});
