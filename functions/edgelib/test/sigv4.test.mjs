// SigV4 signer against the official aws-c-auth v4 suite (testdata/sigv4/v4):
// every case's canonical request, string to sign and signature must match.
// Then the signer's own contract and the query canonicalization on bytes.
// The randomized comparison with aws-sdk-go-v2 is ../sigv4_compare_test.go.
// A pure library test, so it imports the source module directly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { signRequest, canonicalRequest, stringToSign, signingKey, sha256Hex } from "../sigv4.js";

const suite = join(dirname(fileURLToPath(import.meta.url)), "testdata", "sigv4", "v4");

/**
 * Parses request.txt: "METHOD target HTTP/1.1", "Name:value" lines (a line
 * starting with whitespace continues the previous value, obs-fold), a blank
 * line, then the body. The target may contain spaces (get-space-*).
 */
function parseRequest(raw) {
  const text = raw.toString("utf8");
  const blank = text.indexOf("\n\n");
  const head = blank < 0 ? text.replace(/\n$/, "") : text.slice(0, blank);
  const body = blank < 0 ? "" : text.slice(blank + 2);
  const [requestLine, ...lines] = head.split("\n");
  const m = /^(\S+) (.*) HTTP\/1\.1$/.exec(requestLine);
  assert.ok(m, `bad request line ${JSON.stringify(requestLine)}`);
  const headers = {};
  let last;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      const vals = headers[last];
      vals[vals.length - 1] += "\n" + line;
      continue;
    }
    const colon = line.indexOf(":");
    last = line.slice(0, colon);
    (headers[last] ??= []).push(line.slice(colon + 1));
  }
  for (const k of Object.keys(headers)) if (headers[k].length === 1) headers[k] = headers[k][0];
  return { method: m[1], target: m[2], headers, body };
}

function loadCase(name) {
  const dir = join(suite, name);
  const read = (f) => readFileSync(join(dir, f), "utf8");
  const ctx = JSON.parse(read("context.json"));
  const req = parseRequest(readFileSync(join(dir, "request.txt")));
  const hostHeader = Object.entries(req.headers).find(([k]) => k.toLowerCase() === "host")[1];
  const params = {
    method: req.method,
    url: `https://${hostHeader}${req.target}`,
    headers: req.headers,
    body: req.body,
    region: ctx.region,
    service: ctx.service,
    credentials: {
      accessKeyId: ctx.credentials.access_key_id,
      secretAccessKey: ctx.credentials.secret_access_key,
      sessionToken: ctx.credentials.token,
    },
    date: new Date(ctx.timestamp),
    signBody: ctx.sign_body === true,
    normalizePath: ctx.normalize !== false,
    signSessionToken: ctx.omit_session_token !== true,
  };
  return {
    ctx,
    params,
    creq: read("header-canonical-request.txt"),
    sts: read("header-string-to-sign.txt"),
    signature: read("header-signature.txt").trim(),
  };
}

const cases = readdirSync(suite).filter((n) => existsSync(join(suite, n, "header-signature.txt"))).sort();

test("suite is present and complete", () => {
  // Guards against a silently empty loop (e.g. testdata not committed).
  assert.equal(cases.length, 38);
});

for (const name of cases) {
  test(`vector ${name}`, () => {
    const c = loadCase(name);
    const before = structuredClone(c.params.headers);
    assert.equal(canonicalRequest(c.params), c.creq, "canonical request");
    assert.equal(stringToSign(c.params), c.sts, "string to sign");
    const out = signRequest(c.params);
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(out.authorization);
    assert.ok(m, `authorization ${out.authorization}`);
    assert.equal(m[3], c.signature, "signature");
    assert.equal(m[1], `${c.ctx.credentials.access_key_id}/${c.sts.split("\n")[2]}`, "credential");
    assert.equal(m[2], c.creq.split("\n").at(-2), "signed headers");
    assert.equal(out["x-amz-date"], c.sts.split("\n")[1]);
    if (c.ctx.credentials.token) assert.equal(out["x-amz-security-token"], c.ctx.credentials.token);
    assert.equal("x-amz-content-sha256" in out, c.params.signBody);
    assert.deepEqual(c.params.headers, before, "input headers must not be modified");
    assert.ok(Object.keys(out).every((k) => k === k.toLowerCase()), "output header names are lower case");
  });
}

test("signingKey matches the AWS documentation example and is cached", () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html (derive a signing key)
  const k = signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  assert.equal(k.toString("hex"), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  assert.equal(signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"), k, "same Buffer from cache");
  assert.notEqual(signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120216", "us-east-1", "iam").toString("hex"), k.toString("hex"));
  // The cache is bounded and must keep returning correct keys after eviction.
  for (let i = 0; i < 100; i++) signingKey(`secret${i}`, "20120215", "us-east-1", "iam");
  assert.equal(signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam").toString("hex"), k.toString("hex"));
});

test("sha256Hex hashes strings as UTF-8 and bytes as-is", () => {
  assert.equal(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(sha256Hex(new Uint8Array(0)), sha256Hex(""));
  assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(sha256Hex(Buffer.from("abc")), sha256Hex("abc"));
  assert.equal(sha256Hex(new TextEncoder().encode("ሴ")), sha256Hex("ሴ"));
});

const base = {
  method: "POST",
  url: "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/api/books?b=2&a=1",
  headers: { "Content-Type": "application/json" },
  body: '{"title":"x"}',
  region: "eu-central-1",
  service: "lambda",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "tok" },
  date: new Date("2026-01-02T03:04:05.678Z"),
};

test("signRequest adds exactly the documented headers", () => {
  const out = signRequest({ ...base, signBody: true });
  assert.deepEqual(Object.keys(out).sort(), [
    "authorization", "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token",
  ]);
  assert.equal(out.host, "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws");
  assert.equal(out["x-amz-date"], "20260102T030405Z");
  assert.equal(out["x-amz-content-sha256"], sha256Hex(base.body));
  assert.equal(out["content-type"], "application/json");
  assert.match(out.authorization, /SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  assert.notEqual(out, base.headers);
  assert.deepEqual(base.headers, { "Content-Type": "application/json" });
});

test("signRequest keeps a caller-supplied host and payload hash", () => {
  const out = signRequest({ ...base, headers: { Host: "origin.example", "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" } });
  assert.equal(out.host, "origin.example");
  assert.equal(out["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
  assert.ok(canonicalRequest({ ...base, headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }).endsWith("\nUNSIGNED-PAYLOAD"));
});

test("a supplied x-amz-content-sha256 in any form is the payload hash, as signed in its header", () => {
  for (const value of ["UNSIGNED-PAYLOAD", ["UNSIGNED-PAYLOAD"], "  UNSIGNED-PAYLOAD "]) {
    const lines = canonicalRequest({ ...base, headers: { "X-Amz-Content-Sha256": value } }).split("\n");
    assert.ok(lines.includes("x-amz-content-sha256:UNSIGNED-PAYLOAD"), JSON.stringify(value));
    assert.equal(lines.at(-1), "UNSIGNED-PAYLOAD", JSON.stringify(value));
  }
});

test("body as string or bytes signs identically; unsignable headers are not signed", () => {
  const a = signRequest({ ...base, headers: { ...base.headers, "User-Agent": "edge/1", Authorization: "stale" } });
  const b = signRequest({ ...base, body: Buffer.from(base.body) });
  assert.equal(a.authorization, b.authorization);
  assert.equal(a["user-agent"], "edge/1");
  assert.doesNotMatch(a.authorization, /user-agent/);
});

test("path is encoded twice except for s3; query encoded once and sorted", () => {
  const p = { ...base, url: "https://h.example/a%20b/c!d/?z=%7E&a=b+c&a=a&a=%2B" };
  const lines = canonicalRequest(p).split("\n");
  assert.equal(lines[1], "/a%2520b/c%21d/");
  // '+' in a query is a space (form encoding, as aws-sdk-go-v2 and the services read it); %2B is a plus.
  assert.equal(lines[2], "a=%2B&a=a&a=b%20c&z=~");
  const s3 = canonicalRequest({ ...p, service: "s3", url: "https://b.s3.amazonaws.com/a%20b//./c" }).split("\n");
  assert.equal(s3[1], "/a%20b//./c", "s3: no normalization, no second encoding");
});

test("host is sent as HTTP clients send it: default ports dropped, others kept, normalized", () => {
  const host = (url) => signRequest({ ...base, headers: {}, url }).host;
  assert.equal(host("https://h.example:443/"), "h.example");
  assert.equal(host("http://127.0.0.1:4566/"), "127.0.0.1:4566");
  assert.equal(host("https://abc.lambda-url.us-east-1.on.aws/x"), "abc.lambda-url.us-east-1.on.aws");
  assert.equal(host("https://ABC.Lambda-URL.us-east-1.on.aws/"), "abc.lambda-url.us-east-1.on.aws");
  assert.equal(host("http://127.1/"), "127.0.0.1");
  assert.equal(host("http://0x7f.0.0.1/"), "127.0.0.1");
  assert.equal(host("https://bücher.example/"), "xn--bcher-kva.example");
  assert.equal(host("https://h.example./"), "h.example.");
});

test("fails_invalid_params throw TypeError naming the problem", () => {
  assert.throws(() => signRequest({ ...base, region: "" }), { name: "TypeError", message: /region/ });
  assert.throws(() => signRequest({ ...base, credentials: {} }), { name: "TypeError", message: /accessKeyId, credentials.secretAccessKey/ });
  assert.throws(() => signRequest({ ...base, url: "/relative" }), { name: "TypeError", message: /absolute/ });
  assert.throws(() => signRequest({ ...base, body: 42 }), { name: "TypeError", message: /body/ });
  assert.throws(() => signRequest({ ...base, date: new Date("nope") }), { name: "TypeError", message: /date/ });
  assert.throws(() => signRequest(undefined), TypeError);
});

test("fails_wrong_secret changes the signature", () => {
  const good = signRequest(base).authorization;
  const bad = signRequest({ ...base, credentials: { ...base.credentials, secretAccessKey: "x" } }).authorization;
  assert.notEqual(good, bad);
});

// Query canonicalization works on bytes: each %XX is one byte, whatever the
// bytes spell (UTF-8 or not), and every byte is encoded once more per SigV4.
// Expected values agree with aws-sdk-go-v2's v4.Signer except the stray '%'
// rows, where that signer drops the whole parameter (see sigv4_compare_test.go).
const creds2015 = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const repro = {
  method: "GET",
  url: "https://abc.lambda-url.us-east-1.on.aws/?q=%E9",
  region: "us-east-1",
  service: "lambda",
  credentials: creds2015,
  date: new Date("2015-08-30T12:36:00Z"),
};

test("non-UTF-8 escape in the query is encoded once (GET ?q=%E9 to a function URL)", () => {
  assert.equal(
    canonicalRequest(repro),
    [
      "GET", "/", "q=%E9",
      "host:abc.lambda-url.us-east-1.on.aws\nx-amz-date:20150830T123600Z\n",
      "host;x-amz-date",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ].join("\n"),
  );
  assert.equal(
    signRequest(repro).authorization,
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, " +
      "Signature=7dd907e8a994e498aa987992aa398438a96f7feefd2880b71478027a583b8563",
  );
});

const queryCases = [
  ["valid and invalid escapes mixed", "q=%C3%A9%ff", "q=%C3%A9%FF"],
  ["escaped surrogate half (not UTF-8)", "q=%ED%A0%80", "q=%ED%A0%80"],
  ["lone UTF-8 lead byte", "q=%C3", "q=%C3"],
  ["lone lead byte between letters", "q=a%C3b", "q=a%C3b"],
  ["non-UTF-8 escape in a key", "%E9=1&a=2", "%E9=1&a=2"],
  ["non-UTF-8 key without '='", "b=1&%ff%E9", "%FF%E9=&b=1"],
  ["invalid escape next to an encoded '&' and '='", "k%3D%ff=%26%80", "k%3D%FF=%26%80"],
  ["stray '%' before non-hex digits", "q=%zz", "q=%25zz"],
  ["stray '%' before one hex digit at the end", "q=%4", "q=%254"],
  ["trailing '%'", "q=a%", "q=a%25"],
  ["'%' as a whole key", "%=x", "%25=x"],
  ["'%' before a valid escape", "q=%%41", "q=%25A"],
  ["lower-case hex is upper-cased; unreserved escapes decoded", "q=%c3%a9&r=%41%7e%2d%5F", "q=%C3%A9&r=A~-_"],
  ["'+' is a space, %2B a plus, %20 a space", "q=a+b&q=a%2Bb&q=a%20b", "q=a%20b&q=a%20b&q=a%2Bb"],
  ["sorted after encoding", "k=a-b&k=a/b&%C3%A9=1&a=1", "%C3%A9=1&a=1&k=a%2Fb&k=a-b"],
  ["reserved characters are encoded", "q=!'()*;:@$,/?[]", "q=%21%27%28%29%2A%3B%3A%40%24%2C%2F%3F%5B%5D"],
  ["empty pairs, empty values and keys", "&a=&&=v&b", "=v&a=&b="],
  ["raw UTF-8 text is encoded as UTF-8", "q=\u00e9\u1234\u{1F600}", "q=%C3%A9%E1%88%B4%F0%9F%98%80"],
  ["lone surrogate in the URL string becomes U+FFFD", "q=\uD800x", "q=%EF%BF%BDx"],
];
for (const [name, query, want] of queryCases) {
  test(`canonical query: ${name}`, () => {
    const got = canonicalRequest({ ...repro, url: `https://abc.lambda-url.us-east-1.on.aws/?${query}` }).split("\n")[2];
    assert.equal(got, want);
  });
}
