// Benchmark of the ingest handler's deployed artifact against the local fake
// Firehose (loopback only). Each run is a fresh `node` process loading the
// built bundle, as Lambda does. Cold runs keep the fake in this process, so the
// child loads nothing but the bundle before its first response; warm runs
// (warm.mjs) hold the fake in the child itself, as the baseline was measured.
// Prints one metric per line, no thresholds:
//
//   ingest zip_bytes N / code_bytes N          deployment zip and bundle size
//   ingest cold_require_ms X                   median of 10 fresh processes: require() of the bundle
//   ingest cold_first_response_ms X            same processes: the first single-event request, end to end
//   ingest cold_total_ms X                     require + first response (the handler's share of a cold start)
//   ingest warm_single_requests_per_sec X      median of 3 runs: sequential single-event requests
//   ingest warm_single_mean_ms X               their mean handler time
//   ingest warm_single_requests_per_sec_fake_in_other_process X
//                                              the same with the fake in this process: adds two
//                                              cross-process wake-ups per request
//   ingest batch100_events_per_sec X           median of 3 runs: 100-record NDJSON requests
//   ingest fail10_events_per_sec X             same with 10% of records failing per call (InternalFailure)
//   ingest fail10_non2xx_requests N            requests not answered 202 in those runs (sum)
//   ingest fail10_lost_records N               records of 202 requests missing from the fake (sum)
//   ingest fail10_duplicate_records N          records stored more than once (at-least-once; sum)
//   ingest cost_...                            see ../../edgelib/bench/cost.mjs
//
// Run from the repository root: node functions/ingest/bench/ingest.mjs
// (EDGEKIT=/path/to/edgekit skips `go run`; sources are read from disk.)
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundle, handlerConfig } from "../../edgelib/testkit/bundle.mjs";
import { fmt, median, runChild } from "../../edgelib/bench/run.mjs";
import { printCost } from "../../edgelib/bench/cost.mjs";
import { startFakeFirehose } from "../test/fakes/firehose.mjs";

const COLD_RUNS = 10;
const WARM_RUNS = 3;
const WARM_MS = 1500;
const WARMUP = 100; // requests (JIT, keep-alive connection, signing-key cache)
const WARMUP_MS = 300; // ...or this long, whichever comes first
// constructs/ingest DefaultMemorySizeMB.
const MEMORY_MB = 256;
const CREDS = { accessKeyId: "AKIDEDGEKITBENCH0001", secretAccessKey: "bench-secret", sessionToken: "bench-token" };
const here = dirname(fileURLToPath(import.meta.url));
const events = join(here, "events.cjs");
const warmPath = join(here, "warm.mjs");

// The production config, exactly as Go bakes it in (constructs/ingest).
const config = handlerConfig("ingest");
const fh = await startFakeFirehose({ streamName: config.streamName, credentials: CREDS });
const env = {
  ...process.env,
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_FIREHOSE: fh.url,
  AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDS.sessionToken,
};

try {
  const bundle = buildBundle("ingest", config);
  console.log(`ingest zip_bytes ${bundle.zipBytes}`);
  console.log(`ingest code_bytes ${Buffer.byteLength(bundle.code)}`);
  const spec = (generator, mode, extra = {}) => ({ bundle: bundle.codePath, events, generator, mode, memoryMB: MEMORY_MB, ...extra });

  const cold = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    fh.reset();
    const r = await runChild(spec("single", "cold"), env);
    if (r.status !== 202) throw new Error(`cold run answered ${r.status}`);
    cold.push(r);
  }
  const coldRequire = median(cold.map((r) => r.requireMs));
  const coldFirst = median(cold.map((r) => r.firstMs));
  const coldTotal = median(cold.map((r) => r.requireMs + r.firstMs));
  console.log(`ingest cold_require_ms ${fmt(coldRequire)}`);
  console.log(`ingest cold_first_response_ms ${fmt(coldFirst)}`);
  console.log(`ingest cold_total_ms ${fmt(coldTotal)}`);

  // Sequential requests: one container serves one request at a time.
  const warm = async (generator, records, step) => {
    const runs = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const r = await runWarm({ bundle: bundle.codePath, streamName: config.streamName, generator, records, step, warmup: WARMUP, warmupMs: WARMUP_MS, durationMs: WARM_MS });
      r.perSec = (r.requests * records * 1000) / r.busyMs;
      if (step === null && (r.non2xx > 0 || r.lost > 0)) console.error(`ingest: ${r.non2xx} requests failed, ${r.lost} records lost without faults injected`);
      runs.push(r);
    }
    return runs;
  };

  const single = await warm("single", 1, null);
  console.log(`ingest warm_single_requests_per_sec ${fmt(median(single.map((r) => r.perSec)), 0)}`);
  console.log(`ingest warm_single_mean_ms ${fmt(median(single.map((r) => r.meanMs)), 3)}`);
  const apart = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    fh.reset();
    const r = await runChild(spec("single", "warm", { warmup: WARMUP, warmupMs: WARMUP_MS, durationMs: WARM_MS }), env);
    if (r.non2xx.length > 0) console.error(`ingest: ${r.non2xx.length} requests failed without faults injected`);
    apart.push((r.requests * 1000) / r.busyMs);
  }
  console.log(`ingest warm_single_requests_per_sec_fake_in_other_process ${fmt(median(apart), 0)}`);

  const batch = await warm("batch100", 100, null);
  console.log(`ingest batch100_events_per_sec ${fmt(median(batch.map((r) => r.perSec)), 0)}`);

  const fail = await warm("batch100", 100, { failRate: 0.1, errorCode: "InternalFailure" });
  const sum = (k) => fail.reduce((s, r) => s + r[k], 0);
  console.log(`ingest fail10_events_per_sec ${fmt(median(fail.map((r) => r.perSec)), 0)}`);
  console.log(`ingest fail10_non2xx_requests ${sum("non2xx")}`);
  console.log(`ingest fail10_lost_records ${sum("lost")}`);
  console.log(`ingest fail10_duplicate_records ${sum("duplicates")}`);

  printCost("ingest", { warmBilledMs: median(single.map((r) => r.billedMeanMs)), coldMs: coldTotal, memoryMB: MEMORY_MB });
} finally {
  await fh.close();
}

/** One warm.mjs run in a fresh process. */
function runWarm(spec) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [warmPath, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`warm run failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout));
    });
  });
}
