// The Basic-auth viewer-request handler, exercised through the deployed
// bundle (esbuild Go API via `edgekit bundle`) with realistic CloudFront
// events, against a local fake SSM endpoint. The users store is written by
// the Go tool (`edgekit users add`, through AWS_ENDPOINT_URL_SSM), so every
// passing case also proves that Go-written hashes verify in the bundle.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle, fixture, handlerConfig, lambdaContext, repoRoot } from "../../edgelib/testkit/bundle.mjs";
import { startFakeSsm } from "./fakes/ssm.mjs";

const CREDS = { accessKeyId: "AKIDEDGEKITBASIC0001", secretAccessKey: "basicauth-test-secret", sessionToken: "basicauth-test-token" };
const PARAM = "/edgekit/basicauth/users";
const REALM = "edgekit private content";
const USERS = {
  alice: "correct horse battery staple",
  bob: "bob's-Secret-2026",
  jürgen: "pässwörd 🔑",
};
// RFC 7914 section 12, third vector, as a store entry: the bundle's scrypt
// must derive exactly this key.
const VECTOR_LINE =
  "vector:scrypt$16384$8$1$" +
  Buffer.from("SodiumChloride").toString("base64").replace(/=+$/, "") +
  "$" +
  Buffer.from(
    "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
    "hex",
  )
    .toString("base64")
    .replace(/=+$/, "");

const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const basic = (user, password) => `Basic ${b64(`${user}:${password}`)}`;

let ssm;
const envKeys = ["AWS_REGION", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
const savedEnv = Object.fromEntries(envKeys.map((k) => [k, process.env[k]]));
const setEnv = (env) => {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
};

/**
 * Runs `edgekit users ...` (the Go tool) against the fake, password on stdin.
 * Asynchronous: the fake answers from this process's event loop.
 */
function users(args, stdin = "") {
  const bin = process.env.EDGEKIT;
  const [cmd, pre] = bin ? [bin, []] : ["go", ["run", "./cmd/edgekit"]];
  const none = join(mkdtempSync(join(tmpdir(), "edgekit-users-")), "none");
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      [...pre, "users", ...args, "-parameter", PARAM],
      {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 120000,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          GOCACHE: process.env.GOCACHE,
          GOPATH: process.env.GOPATH,
          GOFLAGS: process.env.GOFLAGS,
          AWS_ENDPOINT_URL_SSM: ssm.url,
          AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
          AWS_SESSION_TOKEN: CREDS.sessionToken,
          AWS_CONFIG_FILE: none,
          AWS_SHARED_CREDENTIALS_FILE: none,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_MAX_ATTEMPTS: "1",
        },
      },
      (err, stdout, stderr) => (err ? reject(new Error(`edgekit users ${args[0]}: ${err.message}\n${stderr}`)) : resolve(stdout)),
    );
    child.stdin.end(stdin);
  });
}

let main; // the production config, shared by the table tests
let setupRequests = 0; // requests of the Go tool while setting up
before(async () => {
  ssm = await startFakeSsm({ credentials: CREDS });
  // A replica in Frankfurt: the store is read from us-east-1 all the same.
  setEnv({
    AWS_REGION: "eu-central-1",
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_ENDPOINT_URL: undefined,
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDS.sessionToken,
  });
  await users(["add", "alice"], `${USERS.alice}\n`);
  await users(["add", "bob"], `${USERS.bob}\r\n`);
  // Decomposed input (NFD) is stored NFC by the tool.
  await users(["add", "-n", "4096", "ju\u0308rgen"], `${USERS.jürgen.normalize("NFD")}\n`);
  ssm.set(PARAM, ssm.get(PARAM).value + VECTOR_LINE + "\n");
  assert.equal(ssm.calls("AmazonSSM.PutParameter"), 3);
  setupRequests = ssm.requests.length;
  main = buildBundle("basicauth", handlerConfig("basicauth"));
});

after(async () => {
  setEnv(savedEnv);
  await ssm?.close();
});

function event(authorization, mutate) {
  const e = structuredClone(fixture("viewer-request-private.json"));
  const headers = e.Records[0].cf.request.headers;
  if (authorization === undefined) delete headers.authorization;
  else headers.authorization = [{ key: "Authorization", value: authorization }];
  mutate?.(e.Records[0].cf.request);
  return e;
}

// Calls the handler with console.log captured.
async function invoke(bundle, ev, ctx = lambdaContext()) {
  const lines = [];
  const orig = console.log;
  console.log = (s) => lines.push(String(s));
  try {
    const res = await bundle.handler(ev, ctx);
    return { res, lines, logs: lines.map((l) => JSON.parse(l)) };
  } finally {
    console.log = orig;
  }
}

const SECURITY = {
  "content-type": [{ key: "Content-Type", value: "application/json; charset=utf-8" }],
  "cache-control": [{ key: "Cache-Control", value: "no-store" }],
  "x-content-type-options": [{ key: "X-Content-Type-Options", value: "nosniff" }],
  "strict-transport-security": [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains; preload" }],
};
const UNAUTHORIZED = {
  status: "401",
  statusDescription: "Unauthorized",
  headers: { ...SECURITY, "www-authenticate": [{ key: "WWW-Authenticate", value: `Basic realm="${REALM}", charset="UTF-8"` }] },
  bodyEncoding: "text",
  body: JSON.stringify({ error: "unauthorized", message: "Authentication required." }),
};
const UNAVAILABLE = {
  status: "503",
  statusDescription: "Service Unavailable",
  headers: { ...SECURITY, "retry-after": [{ key: "Retry-After", value: "2" }] },
  bodyEncoding: "text",
  body: JSON.stringify({ error: "unavailable", message: "Temporarily unavailable, please retry." }),
};

// No log line may hold a password, a token, a user name or a hash.
function assertClean(lines, ...secrets) {
  const all = lines.join("\n");
  for (const s of [...Object.values(USERS), "scrypt$", "SodiumChloride", CREDS.secretAccessKey, ...secrets]) {
    assert.ok(!all.includes(s), `log holds ${JSON.stringify(s)}: ${all}`);
  }
}

describe("passes", () => {
  const cases = [
    { name: "right_password", header: basic("alice", USERS.alice) },
    { name: "scheme_lower_case_and_extra_spaces", header: `basic   ${b64(`bob:${USERS.bob}`)}  ` },
    { name: "unicode_user_and_password", header: basic("jürgen", USERS.jürgen) },
    { name: "unicode_sent_decomposed_is_compared_nfc", header: basic("ju\u0308rgen", USERS.jürgen.normalize("NFD")) },
    { name: "rfc7914_vector_entry", header: basic("vector", "pleaseletmein") },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const ev = event(c.header);
      const want = structuredClone(ev.Records[0].cf.request);
      delete want.headers.authorization;
      const { res, logs, lines } = await invoke(main, ev);
      assert.deepEqual(res, want, "the request goes on unchanged, without Authorization");
      assert.ok(logs.some((l) => l.msg === "verified"), `first check is verified: ${lines}`);
      assertClean(lines, c.header.slice(6).trim());

      // The same credential again: remembered, no slow hash, no store read.
      const calls = ssm.calls();
      const again = await invoke(main, event(c.header));
      assert.equal(again.res.headers.authorization, undefined);
      assert.equal(again.res.uri, "/private/reports/2026-q3.pdf");
      assert.deepEqual(again.logs, [], "a cached credential logs nothing");
      assert.equal(ssm.calls(), calls, "no store read within the TTL");
    });
  }

  test("authorization_key_in_other_case_is_removed_too", async () => {
    const ev = event(undefined, (r) => {
      r.headers.Authorization = [{ key: "Authorization", value: basic("alice", USERS.alice) }];
    });
    const { res } = await invoke(main, ev);
    assert.equal(res.uri, "/private/reports/2026-q3.pdf");
    assert.deepEqual(Object.keys(res.headers).sort(), ["accept", "host", "user-agent"]);
  });

  test("store_read_once_from_us_east_1_signed", () => {
    const reads = ssm.requests.slice(setupRequests);
    assert.equal(reads.length, 1, "one read at cold start for all of the above");
    assert.equal(reads[0].region, "us-east-1");
    assert.equal(reads[0].name, PARAM);
    assert.equal(reads[0].target, "AmazonSSM.GetParameter");
    assert.deepEqual(ssm.protocolErrors, []);
  });
});

describe("denials", () => {
  const long = "é".repeat(600); // 1,200 bytes: over the password limit, header under 2 KB
  const cases = [
    { name: "fails_no_header", header: undefined, reason: "no_header" },
    { name: "fails_wrong_scheme_bearer", header: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", reason: "wrong_scheme" },
    { name: "fails_wrong_scheme_digest", header: 'Digest username="alice", realm="x"', reason: "wrong_scheme" },
    { name: "fails_scheme_without_space", header: `Basic${b64("alice:x")}`, reason: "wrong_scheme" },
    { name: "fails_malformed_base64_characters", header: "Basic !!!!", reason: "malformed" },
    { name: "fails_malformed_base64_length", header: "Basic YWxpY2U6c2VjcmV", reason: "malformed" },
    { name: "fails_malformed_base64_padding_inside", header: "Basic YW=xpY2U6", reason: "malformed" },
    { name: "fails_non_canonical_base64", header: "Basic YR==", reason: "malformed" },
    { name: "fails_empty_token", header: "Basic ", reason: "malformed" },
    { name: "fails_missing_colon", header: `Basic ${b64("alice")}`, reason: "no_colon" },
    { name: "fails_not_utf8", header: `Basic ${Buffer.from([0x61, 0xff, 0x3a, 0x70]).toString("base64")}`, reason: "not_utf8" },
    { name: "fails_unknown_user", header: basic("mallory", USERS.alice), reason: "unknown_user" },
    { name: "fails_wrong_password", header: basic("alice", "Correct horse battery staple"), reason: "wrong_password" },
    { name: "fails_other_users_password", header: basic("alice", USERS.bob), reason: "wrong_password" },
    { name: "fails_user_case_differs", header: basic("Alice", USERS.alice), reason: "unknown_user" },
    { name: "fails_empty_password", header: basic("alice", ""), reason: "bad_password" },
    { name: "fails_password_over_limit", header: basic("alice", long), reason: "bad_password" },
    { name: "fails_empty_user", header: basic("", USERS.alice), reason: "bad_user" },
    { name: "fails_header_injection_in_value", header: `${basic("alice", USERS.alice)}\r\nX-Admin: true`, reason: "malformed" },
    { name: "fails_header_injection_in_user", header: basic("alice\r\nX-Admin: true", USERS.alice), reason: "bad_user" },
    { name: "fails_nul_in_user", header: basic("ali\u0000ce", USERS.alice), reason: "bad_user" },
    { name: "fails_8kb_header", header: `Basic ${"A".repeat(8192)}`, reason: "too_long" },
    { name: "fails_8kb_valid_credential", header: basic("alice", "x".repeat(6200)), reason: "too_long" },
    {
      name: "fails_several_headers",
      header: basic("alice", USERS.alice),
      mutate: (r) => r.headers.authorization.push({ key: "Authorization", value: basic("mallory", "x") }),
      reason: "several_headers",
    },
    {
      name: "fails_several_keys",
      header: basic("alice", USERS.alice),
      mutate: (r) => {
        r.headers.Authorization = [{ key: "Authorization", value: basic("alice", USERS.alice) }];
      },
      reason: "several_headers",
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const ev = event(c.header, c.mutate);
      const before = structuredClone(ev);
      const calls = ssm.calls();
      const { res, logs, lines } = await invoke(main, ev);
      assert.deepEqual(res, UNAUTHORIZED);
      assert.deepEqual(logs, [{ msg: "denied", reason: c.reason }]);
      assert.deepEqual(ev, before, "a denied request is not modified");
      assert.equal(ssm.calls(), calls, "no store read within the TTL");
      assertClean(lines, "mallory", "X-Admin");
      // A failure is never remembered: the same header fails again.
      assert.deepEqual((await invoke(main, event(c.header, c.mutate))).res, UNAUTHORIZED);
    });
  }

  test("fails_malformed_event", async () => {
    const { res, logs } = await invoke(main, { Records: [{ cf: { request: { uri: 7 } } }] });
    assert.equal(res.status, "400");
    assert.equal(JSON.parse(res.body).error, "bad_request");
    assert.equal(logs[0].msg, "malformed event");
  });

  test("fails_no_header_on_cold_container_reads_nothing", async () => {
    const fresh = buildBundle("basicauth", handlerConfig("basicauth"));
    const calls = ssm.calls();
    assert.deepEqual((await invoke(fresh, event(undefined))).res, UNAUTHORIZED);
    assert.deepEqual((await invoke(fresh, event("Bearer x"))).res, UNAUTHORIZED);
    assert.equal(ssm.calls(), calls, "anonymous requests never reach SSM");
  });
});

describe("store faults fail closed", () => {
  const closedPort = "http://127.0.0.1:9";
  const cases = [
    { name: "fails_unreachable", env: { AWS_ENDPOINT_URL_SSM: closedPort }, reason: /^network/, calls: 0 },
    { name: "fails_server_error", persist: { status: 500 }, reason: "unavailable:InternalServerError", calls: 2 },
    { name: "fails_throttled", persist: { throttle: true }, reason: "throttled:ThrottlingException", calls: 2 },
    { name: "fails_access_denied", persist: { accessDenied: true }, reason: "access_denied:AccessDeniedException", calls: 1 },
    { name: "fails_kms_decrypt_denied", persist: { kmsDenied: true }, reason: "access_denied:AccessDeniedException", calls: 1 },
    { name: "fails_garbage_answer", persist: { garbage: true }, reason: "garbage:InvalidJson", calls: 2 },
    { name: "fails_timeout", persist: { hang: true }, reason: "timeout:RequestTimeout", calls: 1, remainingMs: 900 },
    { name: "fails_parameter_missing", value: null, reason: "not_found:ParameterNotFound", calls: 1 },
    { name: "fails_plain_string_parameter", value: "# edgekit basicauth users v1\n", type: "String", reason: "not_secure_string", calls: 1 },
    { name: "fails_unknown_format", value: "alice:scrypt$2048$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", reason: "unknown_format", calls: 1 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const saved = ssm.get(PARAM);
      ssm.reset();
      if (c.persist) ssm.persist(c.persist);
      if (c.value === null) ssm.remove(PARAM);
      else if (c.value !== undefined) ssm.set(PARAM, c.value, c.type);
      if (c.env) setEnv(c.env);
      try {
        const fresh = buildBundle("basicauth", handlerConfig("basicauth"));
        const started = Date.now();
        const { res, logs, lines } = await invoke(fresh, event(basic("alice", USERS.alice)), lambdaContext({ remainingMs: c.remainingMs ?? 30000 }));
        const took = Date.now() - started;
        assert.deepEqual(res, UNAVAILABLE, "fail closed: 503, never the request");
        const unavailable = logs.find((l) => l.msg === "users store unavailable");
        assert.ok(unavailable, lines.join("\n"));
        if (c.reason instanceof RegExp) assert.match(unavailable.reason, c.reason);
        else assert.equal(unavailable.reason, c.reason);
        assert.equal(ssm.calls(), c.calls);
        if (c.remainingMs) assert.ok(took < c.remainingMs, `answered after ${took} ms, past the deadline`);
        assertClean(lines);
        // Within the back-off the store is not asked again.
        assert.deepEqual((await invoke(fresh, event(basic("alice", USERS.alice)))).res, UNAVAILABLE);
        assert.equal(ssm.calls(), c.calls, "no call during the back-off");
      } finally {
        setEnv({ AWS_ENDPOINT_URL_SSM: ssm.url });
        ssm.reset();
        ssm.set(PARAM, saved.value, saved.type);
      }
    });
  }

  test("recovers_after_back_off", async () => {
    ssm.reset();
    ssm.script({ status: 503 }, { status: 503 });
    const fresh = buildBundle("basicauth", handlerConfig("basicauth"));
    assert.deepEqual((await invoke(fresh, event(basic("alice", USERS.alice)))).res, UNAVAILABLE);
    await new Promise((r) => setTimeout(r, 1050));
    const { res } = await invoke(fresh, event(basic("alice", USERS.alice)));
    assert.equal(res.uri, "/private/reports/2026-q3.pdf");
    assert.equal(ssm.calls(), 3);
  });

  test("retry_once_succeeds", async () => {
    ssm.reset();
    ssm.script({ throttle: true });
    const fresh = buildBundle("basicauth", handlerConfig("basicauth"));
    const { res } = await invoke(fresh, event(basic("bob", USERS.bob)));
    assert.equal(res.uri, "/private/reports/2026-q3.pdf");
    assert.equal(ssm.calls(), 2);
  });
});

describe("TTL", () => {
  const TTL = { usersTtlSeconds: 0.3 };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const passes = async (bundle, user, password) => (await invoke(bundle, event(basic(user, password)))).res.status === undefined;

  test("re_read_picks_up_a_removed_user", async () => {
    const saved = ssm.get(PARAM);
    try {
      const b = buildBundle("basicauth", handlerConfig("basicauth", TTL));
      assert.ok(await passes(b, "alice", USERS.alice));
      assert.ok(await passes(b, "bob", USERS.bob));
      assert.match(await users(["remove", "alice"]), /removed user "alice"/);
      await sleep(350);
      assert.equal(await passes(b, "alice", USERS.alice), false, "a removed user is refused after the TTL, cached or not");
      assert.ok(await passes(b, "bob", USERS.bob), "the others still pass");
    } finally {
      ssm.set(PARAM, saved.value);
    }
  });

  test("re_read_refuses_an_old_password", async () => {
    const saved = ssm.get(PARAM);
    try {
      const b = buildBundle("basicauth", handlerConfig("basicauth", TTL));
      assert.ok(await passes(b, "bob", USERS.bob));
      await users(["add", "bob"], "bob-new-password\n");
      await sleep(350);
      assert.equal(await passes(b, "bob", USERS.bob), false, "the old password is forgotten with the old list");
      assert.ok(await passes(b, "bob", "bob-new-password"));
    } finally {
      ssm.set(PARAM, saved.value);
    }
  });

  test("fails_stale_list_not_used_when_re_read_fails", async () => {
    ssm.reset();
    const b = buildBundle("basicauth", handlerConfig("basicauth", TTL));
    assert.ok(await passes(b, "alice", USERS.alice));
    ssm.persist({ status: 500 });
    try {
      await sleep(350);
      assert.deepEqual((await invoke(b, event(basic("alice", USERS.alice)))).res, UNAVAILABLE);
    } finally {
      ssm.reset();
    }
  });
});

describe("store content", () => {
  test("bad_entries_are_skipped_not_fatal", async () => {
    const saved = ssm.get(PARAM);
    const good = saved.value.split("\n").find((l) => l.startsWith("bob:"));
    const hash = good.slice(4);
    const salt = "AAAAAAAAAAAAAAAAAAAAAA";
    const key = "A".repeat(43);
    ssm.set(
      PARAM,
      [
        "# edgekit basicauth users v1",
        good,
        `heavy:scrypt$1048576$8$1$${salt}$${key}`, // 1 GiB: never attempted
        `weak:scrypt$16$1$1$${salt}$${key}`,
        `twice:${hash}`,
        `twice:${hash}`,
        "no colon here",
        `ju\u0308rgen:${hash}`, // not NFC
        `tab\tuser:${hash}`,
        "",
      ].join("\n"),
    );
    try {
      const b = buildBundle("basicauth", handlerConfig("basicauth"));
      const first = await invoke(b, event(basic("bob", USERS.bob)));
      assert.equal(first.res.uri, "/private/reports/2026-q3.pdf");
      assert.deepEqual(
        first.logs.find((l) => l.msg === "users loaded"),
        { ...first.logs.find((l) => l.msg === "users loaded"), users: 1, skipped: 7, changed: true },
      );
      for (const user of ["heavy", "weak", "twice"]) {
        const { res, logs } = await invoke(b, event(basic(user, USERS.bob)));
        assert.deepEqual(res, UNAUTHORIZED, user);
        assert.deepEqual(logs, [{ msg: "denied", reason: "unknown_user" }]);
      }
    } finally {
      ssm.set(PARAM, saved.value);
    }
  });

  test("go_tool_lists_what_it_wrote", async () => {
    const out = await users(["list"]);
    assert.match(out, /^alice\tscrypt N=2048 r=8 p=1$/m);
    assert.match(out, /^jürgen\tscrypt N=4096 r=8 p=1$/m);
    assert.ok(!out.includes("$"), "list never shows hashes");
  });
});
