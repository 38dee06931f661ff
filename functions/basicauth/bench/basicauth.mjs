// Benchmark of the Basic-auth handler's deployed artifact against the local
// fake SSM (loopback only). Cold runs are fresh `node` processes loading the
// built bundle, as Lambda does; the fake runs in this process. Prints one
// metric per line, no thresholds:
//
//   basicauth zip_bytes N / code_bytes N        deployment zip and bundle size
//   basicauth warm_cached_check_us X            median of 3 runs: a request whose credential
//                                               this container verified before (HMAC + map)
//   basicauth first_check_ms X                  median over 40 users: the first request of a
//                                               credential (one scrypt N=2048 r=8 p=1)
//   basicauth wrong_password_ms X               median of 40 failures (never cached: same cost)
//   basicauth first_check_ms_at_128mb_est X     first_check_ms × 1769/128: Lambda gives a
//                                               128 MB function that share of one vCPU
//   basicauth cold_require_ms X                 median of 10 fresh processes: require() of the bundle
//   basicauth cold_store_read_ms X              same: first request reading the users from
//                                               the fake SSM (no hash: a token without colon)
//   basicauth cold_first_valid_ms X             same: first request with a valid credential
//                                               (store read + one slow hash)
//   basicauth cost_...                          see ../../edgelib/bench/cost.mjs
//
// Run from the repository root: node functions/basicauth/bench/basicauth.mjs
// (EDGEKIT=/path/to/edgekit skips `go run`; sources are read from disk.)
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";
import { fmt, median, runChild } from "../../edgelib/bench/run.mjs";
import { printCost } from "../../edgelib/bench/cost.mjs";
import { startFakeSsm } from "../test/fakes/ssm.mjs";
import { storeValue } from "../test/fakes/users.mjs";

const COLD_RUNS = 10;
const WARM_RUNS = 3;
const WARM_MS = 1000;
const USERS = 40;
// constructs/basicauth: viewer-request maximum.
const MEMORY_MB = 128;
// Lambda allocates one full vCPU at 1,769 MB, and CPU in proportion below.
const FULL_VCPU_MB = 1769;
const CREDS = { accessKeyId: "AKIDEDGEKITBENCH0002", secretAccessKey: "bench-secret", sessionToken: "bench-token" };
const here = dirname(fileURLToPath(import.meta.url));
const events = join(here, "events.cjs");
const { PASSWORD } = createRequire(import.meta.url)(events);

const config = handlerConfig("basicauth");
const users = { bench: PASSWORD };
for (let i = 0; i < USERS; i++) users[`user-${i}`] = `password-${i}`;
const ssm = await startFakeSsm({ credentials: CREDS });
ssm.set(config.parameterName, storeValue(users));
const env = {
  ...process.env,
  AWS_REGION: "eu-central-1",
  AWS_ENDPOINT_URL_SSM: ssm.url,
  AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDS.sessionToken,
};

try {
  const bundle = buildBundle("basicauth", config);
  console.log(`basicauth zip_bytes ${bundle.zipBytes}`);
  console.log(`basicauth code_bytes ${Buffer.byteLength(bundle.code)}`);
  const spec = (generator, mode, extra = {}) => ({ bundle: bundle.codePath, events, generator, mode, memoryMB: MEMORY_MB, ...extra });

  const warm = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const r = await runChild(spec("valid", "warm", { warmup: 200, warmupMs: 300, durationMs: WARM_MS }), env);
    if (r.non2xx.length > 0) throw new Error(`warm run: ${r.non2xx.length} requests refused`);
    warm.push(r);
  }
  console.log(`basicauth warm_cached_check_us ${fmt(median(warm.map((r) => r.medianMs)) * 1000, 1)}`);
  console.log(`basicauth warm_cached_requests_per_sec ${fmt(median(warm.map((r) => (r.requests * 1000) / r.busyMs)), 0)}`);

  // In this process: the bundle with the store already read.
  Object.assign(process.env, env);
  const { handler } = bundle;
  const time = async (user, password) => {
    const ev = structuredClone(fixture("viewer-request-private.json"));
    ev.Records[0].cf.request.headers.authorization = [{ key: "Authorization", value: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` }];
    const log = console.log;
    console.log = () => {};
    const t0 = process.hrtime.bigint();
    const res = await handler(ev, lambdaContext());
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log = log;
    return { ms, ok: res.status === undefined };
  };
  await time("bench", PASSWORD); // store read, JIT
  const first = [];
  const wrong = [];
  for (let i = 0; i < USERS; i++) {
    const f = await time(`user-${i}`, `password-${i}`);
    if (!f.ok) throw new Error(`user-${i} refused`);
    first.push(f.ms);
    const w = await time(`user-${i}`, `nope-${i}`);
    if (w.ok) throw new Error("a wrong password passed");
    wrong.push(w.ms);
  }
  const firstMs = median(first);
  console.log(`basicauth first_check_ms ${fmt(firstMs, 3)}`);
  console.log(`basicauth wrong_password_ms ${fmt(median(wrong), 3)}`);
  console.log(`basicauth first_check_ms_at_128mb_est ${fmt((firstMs * FULL_VCPU_MB) / MEMORY_MB, 1)}`);

  const coldRead = [];
  const coldValid = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const r = await runChild(spec("noColon", "cold"), env);
    if (r.status !== 401) throw new Error(`cold store read answered ${r.status}`);
    coldRead.push(r);
    const v = await runChild(spec("valid", "cold"), env);
    if (v.status !== 200) throw new Error(`cold valid request answered ${v.status}`);
    coldValid.push(v);
  }
  const coldRequire = median([...coldRead, ...coldValid].map((r) => r.requireMs));
  console.log(`basicauth cold_require_ms ${fmt(coldRequire)}`);
  console.log(`basicauth cold_store_read_ms ${fmt(median(coldRead.map((r) => r.firstMs)))}`);
  console.log(`basicauth cold_first_valid_ms ${fmt(median(coldValid.map((r) => r.firstMs)))}`);
  printCost("basicauth", {
    warmBilledMs: median(warm.map((r) => r.billedMeanMs)),
    coldMs: median(coldValid.map((r) => r.requireMs + r.firstMs)),
    memoryMB: MEMORY_MB,
  });
} finally {
  await ssm.close();
}
