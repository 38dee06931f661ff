// One warm throughput run of the ingest bundle in a fresh Node process, with the
// fake Firehose in the same process: requests are sequential (one container
// serves one request at a time), so the handler and the fake never run at the
// same time and the run measures their CPU time, without the cross-process
// wake-ups of a loopback round trip between two processes (which a remote
// Firehose replaces with network latency anyway).
//
//   node warm.mjs '<json spec>'    (spawned by ingest.mjs; prints one JSON line)
//
// spec: {bundle, generator: "single"|"batch100", records (per request), warmup,
//        warmupMs, durationMs, step (fake step for every region, or null)}
// result: {requests, busyMs, meanMs, billedMeanMs, non2xx, lost, duplicates}
//   lost: records of requests answered 2xx that the fake does not hold.
import { createRequire } from "node:module";
import { startFakeFirehose } from "../test/fakes/firehose.mjs";

const spec = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const CREDS = { accessKeyId: "AKIDEDGEKITBENCH0001", secretAccessKey: "bench-secret", sessionToken: "bench-token" };
const REGIONS = ["us-east-1", "eu-central-1", "ap-northeast-1"];

const fh = await startFakeFirehose({ streamName: spec.streamName, credentials: CREDS });
Object.assign(process.env, {
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_FIREHOSE: fh.url,
  AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDS.sessionToken,
});
for (const region of REGIONS) fh.persist(region, spec.step);
const { handler } = require(spec.bundle);
const make = require("./events.cjs")[spec.generator];
const context = () => {
  const deadline = Date.now() + 30000;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
};

const log = console.log;
console.log = () => {}; // one handler log line per request: not the handler's cost
const non2xx = [];
let i = 0;
async function invoke() {
  const ev = JSON.parse(make(i));
  const a = performance.now();
  const res = await handler(ev, context());
  const d = performance.now() - a;
  const s = Number(res.status);
  if (s < 200 || s > 299) non2xx.push(i);
  i++;
  return d;
}
const warmEnd = Date.now() + spec.warmupMs;
for (let w = 0; w < spec.warmup && Date.now() < warmEnd; w++) await invoke();
let requests = 0;
let busy = 0;
let billed = 0;
const started = Date.now();
while (Date.now() - started < spec.durationMs) {
  const d = await invoke();
  requests++;
  busy += d;
  billed += Math.max(1, Math.ceil(d));
}
await fh.settled();
console.log = log;

// Every record of a request answered 2xx must be stored (at least once).
const stored = new Map();
for (const rec of fh.records()) {
  const rid = JSON.parse(rec).data.rid;
  stored.set(rid, (stored.get(rid) ?? 0) + 1);
}
const failed = new Set(non2xx);
let lost = 0;
for (let r = 0; r < i; r++) {
  if (failed.has(r)) continue;
  for (let k = 0; k < spec.records; k++) if (!stored.has(spec.generator === "single" ? `s-${r}` : `b-${r}-${k}`)) lost++;
}
let duplicates = 0;
for (const n of stored.values()) duplicates += n - 1;
await fh.close();
process.stdout.write(JSON.stringify({ requests, busyMs: busy, meanMs: busy / requests, billedMeanMs: billed / requests, non2xx: non2xx.length, lost, duplicates }) + "\n");
