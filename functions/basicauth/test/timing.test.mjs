// The check does not tell "no such user" from "wrong password" by its time:
// an unknown user is hashed against a dummy with the store's usual scrypt
// parameters, so both failures cost one slow hash. Statistical, built not to
// flake on a loaded 2-core machine: many runs, the two kinds interleaved (so
// load drifts hit both alike), medians, and a generous bound. A control
// measurement shows the method does see a fast path when there is one.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { buildBundle, fixture, handlerConfig, lambdaContext } from "../../edgelib/testkit/bundle.mjs";
import { startFakeSsm } from "./fakes/ssm.mjs";
import { storeValue } from "./fakes/users.mjs";

const CREDS = { accessKeyId: "AKIDEDGEKITTIMING001", secretAccessKey: "timing-secret" };
const PARAM = "/edgekit/basicauth/users";
const RUNS = 61; // per kind
const WARMUP = 8;

let ssm;
let bundle;
const saved = {};
before(async () => {
  ssm = await startFakeSsm({ credentials: CREDS });
  ssm.set(PARAM, storeValue({ alice: "alice-password", bob: "bob-password" }));
  for (const k of ["AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) saved[k] = process.env[k];
  Object.assign(process.env, { AWS_ENDPOINT_URL_SSM: ssm.url, AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey });
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_SESSION_TOKEN;
  bundle = buildBundle("basicauth", handlerConfig("basicauth"));
});

after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await ssm?.close();
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

// Time of one denied request in ms, log lines dropped.
async function timeOf(authorization) {
  const ev = structuredClone(fixture("viewer-request-private.json"));
  ev.Records[0].cf.request.headers.authorization = [{ key: "Authorization", value: authorization }];
  const log = console.log;
  console.log = () => {};
  try {
    const t0 = process.hrtime.bigint();
    const res = await bundle.handler(ev, lambdaContext());
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(res.status, "401");
    return ms;
  } finally {
    console.log = log;
  }
}

const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
// A new password each time: failures are never cached, but be sure no run
// is cheaper than the first.
const fresh = () => randomBytes(9).toString("base64");

test("unknown_user_and_wrong_password_take_the_same_time", async () => {
  for (let i = 0; i < WARMUP; i++) {
    await timeOf(basic("mallory", fresh()));
    await timeOf(basic("alice", fresh()));
  }
  const unknownUser = [];
  const wrongPassword = [];
  const malformed = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate which kind goes first, so neither always follows the other.
    if (i % 2 === 0) {
      unknownUser.push(await timeOf(basic(`mallory-${i}`, fresh())));
      wrongPassword.push(await timeOf(basic("alice", fresh())));
    } else {
      wrongPassword.push(await timeOf(basic("bob", fresh())));
      unknownUser.push(await timeOf(basic(`eve-${i}`, fresh())));
    }
    malformed.push(await timeOf(`Basic ${Buffer.from(`nocolon-${i}`).toString("base64")}`));
  }
  const u = median(unknownUser);
  const w = median(wrongPassword);
  const m = median(malformed);
  const ratio = u / w;
  console.log(`# medians over ${RUNS} runs: unknown user ${u.toFixed(3)} ms, wrong password ${w.toFixed(3)} ms (ratio ${ratio.toFixed(2)}), ` +
    `malformed (control) ${m.toFixed(3)} ms`);
  // The control: a request rejected before any hash is far faster, so this
  // method would see an unknown user answered without the slow hash.
  assert.ok(m < w / 4, `control: malformed ${m} ms is not clearly faster than a slow hash ${w} ms; the measurement cannot tell`);
  // Generous: the two paths run the same scrypt; anything within 2x either
  // way is noise of a loaded machine, a leak would be 10x or more.
  assert.ok(ratio > 0.5 && ratio < 2, `unknown user ${u} ms vs wrong password ${w} ms: the time tells which part was wrong`);
});
