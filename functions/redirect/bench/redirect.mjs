// Benchmark of the redirect viewer-request handler as deployed (the bundle that
// cmd/edgebundle builds). Prints numbers only, one per line; no thresholds.
//
//   node functions/redirect/bench/redirect.mjs
//
// redirect zip_bytes N          deployment package size (viewer limit: 1 MB)
// redirect cold_require_ms X    median time to require() the bundle in a fresh
//                               node process (measured inside the child, so
//                               process start-up is excluded)
// redirect per_request_us X     median handler latency over matching and
//                               non-matching requests (console.log stubbed out:
//                               the CloudWatch write is not the handler's cost)
import { execFileSync } from "node:child_process";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";

const COLD_RUNS = 11;
const WARMUP = 10_000;
const ITERATIONS = 60_000;

// The seed pattern's configuration.
const config = handlerConfig("redirect");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const bundle = buildBundle("redirect", config);

const child = "const t=process.hrtime.bigint();require(process.argv[1]);" +
  "process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))";
const cold = [];
for (let i = 0; i < COLD_RUNS; i++) {
  cold.push(Number(execFileSync(process.execPath, ["-e", child, bundle.codePath], { encoding: "utf8" })));
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
console.log(`redirect cold_require_ms ${median(cold).toFixed(3)}`);
console.log(`redirect per_request_us ${median(samples).toFixed(3)}`);
