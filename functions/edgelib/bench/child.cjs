// One benchmark run of a built edge bundle in a fresh Node process, as Lambda
// runs it: nothing is loaded before the bundle but what `node` itself loads, so
// the first require() and the first response pay every cold cost (module
// loading, the first network client, the first crypto call).
//
//   node -e "$(cat child.cjs)" '<json spec>'   (run.mjs spawns it; prints one JSON line)
//
// Run as -e code, not as a file, so the bundle's require() is the process's
// first use of the CommonJS loader, as it is for the Lambda runtime loading a
// handler (a main .cjs file would have warmed the loader by ~2 ms).
//
// spec: {
//   bundle:    absolute path of the bundle's index.js
//   events:    absolute path of a CommonJS module whose export `generator`
//              makes the i-th event as JSON text: (i) => string
//   generator: export name in `events`
//   mode:      "cold"  require, then one invocation: {requireMs, firstMs, status}
//              "warm"  require, `warmup` invocations (for at most `warmupMs`),
//                      then invocations for `durationMs` (at most `maxRequests`):
//                      {requests, busyMs, meanMs, medianMs, p99Ms, billedMeanMs, non2xx: [i...], total}
// }
// Only the handler call is timed: the event is parsed from JSON text first, as
// the Lambda runtime does before calling the handler. Handler log lines are
// dropped (the CloudWatch write is not the handler's cost).
"use strict";

const spec = JSON.parse(process.argv[process.argv.length - 1]);

// Loaded after the bundle: the event module's own require() calls must not
// warm the module loader for the bundle's.
function generator() {
  const make = require(spec.events)[spec.generator];
  if (typeof make !== "function") throw new Error(`${spec.events} has no generator ${spec.generator}`);
  return make;
}

function context() {
  const deadline = Date.now() + 30000;
  return {
    awsRequestId: "7f3c1e2a-0b7d-4c39-9a53-1e8f6f3a2b10",
    functionName: "us-east-1.edgekit-bench",
    functionVersion: "1",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:edgekit-bench:1",
    memoryLimitInMB: String(spec.memoryMB ?? 128),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

const ms = (a, b) => Number(b - a) / 1e6;
const status = (res) => Number(res && typeof res === "object" && "status" in res ? res.status : 200);

async function main() {
  console.log = () => {};
  const t0 = process.hrtime.bigint();
  const { handler } = require(spec.bundle);
  const t1 = process.hrtime.bigint();
  const make = generator();
  const first = JSON.parse(make(0));
  if (spec.mode === "cold") {
    const t2 = process.hrtime.bigint();
    const res = await handler(first, context());
    const t3 = process.hrtime.bigint();
    return { requireMs: ms(t0, t1), firstMs: ms(t2, t3), status: status(res) };
  }
  const non2xx = [];
  let i = 0;
  const invoke = async () => {
    const ev = i === 0 ? first : JSON.parse(make(i));
    const a = process.hrtime.bigint();
    const res = await handler(ev, context());
    const d = ms(a, process.hrtime.bigint());
    const s = status(res);
    if (s < 200 || s > 299) non2xx.push(i);
    i++;
    return d;
  };
  const warmEnd = Date.now() + (spec.warmupMs ?? Infinity);
  for (let w = 0; w < (spec.warmup ?? 0) && Date.now() < warmEnd; w++) await invoke();
  const samples = [];
  let busy = 0;
  const started = Date.now();
  while (Date.now() - started < spec.durationMs && samples.length < (spec.maxRequests ?? Infinity)) {
    const d = await invoke();
    samples.push(d);
    busy += d;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  let billed = 0;
  for (const d of samples) billed += Math.max(1, Math.ceil(d)); // Lambda@Edge bills each call in whole ms
  return {
    requests: samples.length,
    busyMs: busy,
    meanMs: busy / samples.length,
    medianMs: sorted[sorted.length >> 1],
    p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
    billedMeanMs: billed / samples.length,
    non2xx,
    total: i,
  };
}

main().then(
  (r) => process.stdout.write(JSON.stringify(r) + "\n"),
  (err) => {
    process.stderr.write(`bench child: ${err && err.stack}\n`);
    process.exit(1);
  },
);
