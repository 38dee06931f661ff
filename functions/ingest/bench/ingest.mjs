// Benchmark of the ingest handler's deployed artifact. Loopback only: the handler
// talks to the local fake Firehose. Prints one metric per line, no thresholds:
//
//   ingest zip_bytes N          size of the deployment zip
//   ingest cold_require_ms X    median time to require() the bundle in a fresh process
//   ingest records_per_sec X    records accepted per second, batches of 100 NDJSON records
//   ingest per_request_ms X     mean handler time per 100-record request
//
// Run from the repository root: node functions/ingest/bench/ingest.mjs
// (EDGEKIT=/path/to/edgekit skips `go run`; sources are read from disk.)
import { execFileSync } from "node:child_process";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";
import { startFakeFirehose } from "../test/fakes/firehose.mjs";

const COLD_RUNS = 7;
const BATCH = 100;
const MAX_REQUESTS = 300;
const MAX_MS = 5000;
const CREDS = { accessKeyId: "AKIDEDGEKITBENCH0001", secretAccessKey: "bench-secret", sessionToken: "bench-token" };

// The production config, exactly as Go bakes it in (constructs/ingest).
const config = handlerConfig("ingest");

const fh = await startFakeFirehose({ streamName: config.streamName, credentials: CREDS });
Object.assign(process.env, {
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_FIREHOSE: fh.url,
  AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDS.sessionToken,
});
const bundle = buildBundle("ingest", config);
console.log(`ingest zip_bytes ${bundle.zipBytes}`);

// Cold start: a fresh Node process per run, timing only require() of the bundle.
const cold = [];
for (let i = 0; i < COLD_RUNS; i++) {
  const out = execFileSync(process.execPath, [
    "-e",
    "const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))",
    bundle.codePath,
  ]);
  cold.push(Number(out));
}
cold.sort((a, b) => a - b);
console.log(`ingest cold_require_ms ${cold[Math.floor(cold.length / 2)].toFixed(2)}`);

// Throughput: sequential requests (one container serves one request at a time).
const lines = [];
for (let i = 0; i < BATCH; i++) {
  lines.push(JSON.stringify({ event: "page_view", i, ts: 1730000000000 + i, page: `/products/${i % 17}`, ua: "Mozilla/5.0 (X11; Linux x86_64)", tags: ["a", "b", "c"] }));
}
const event = fixture("origin-request-ndjson.json");
event.Records[0].cf.request.body.data = Buffer.from(lines.join("\n") + "\n").toString("base64");

const log = console.log;
console.log = () => {}; // the handler logs one line per request
let requests = 0;
let records = 0;
let failures = 0;
try {
  // Warm-up: JIT, keep-alive connection, signing-key cache.
  for (let i = 0; i < 10; i++) await bundle.handler(structuredClone(event), lambdaContext());
  const t0 = performance.now();
  while (requests < MAX_REQUESTS && performance.now() - t0 < MAX_MS) {
    const res = await bundle.handler(structuredClone(event), lambdaContext());
    requests++;
    if (res.status === "202") records += BATCH;
    else failures++;
  }
  const ms = performance.now() - t0;
  console.log = log;
  if (failures > 0) console.error(`ingest: ${failures} requests failed`);
  console.log(`ingest records_per_sec ${((records * 1000) / ms).toFixed(0)}`);
  console.log(`ingest per_request_ms ${(ms / requests).toFixed(3)}`);
} finally {
  console.log = log;
  await fh.close();
}
