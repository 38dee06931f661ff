// Signs a batch of requests with the edge SigV4 signer, for the Go test that
// compares it with aws-sdk-go-v2 (../sigv4_compare_test.go) and its benchmark.
//
//   node sign-batch.mjs [--repeat N] < batch.json > results.json
//
// Input:  {"requests": [{method, url, headers: {name: [values]}, body (base64),
//          region, service, credentials: {accessKeyId, secretAccessKey,
//          sessionToken?}, date (ISO 8601), signBody}]}
// Output: {"results": [{authorization, amzDate, canonical} | {error}],
//          "signNs": nanoseconds spent in signRequest over all repeats}
// --repeat N signs the whole batch N times (for timing); results are the last pass.
import { signRequest, canonicalRequest } from "../sigv4.js";

function parseArgs(argv) {
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--repeat" && /^[1-9][0-9]{0,6}$/.test(argv[i + 1] ?? "")) repeat = Number(argv[++i]);
    else throw new Error(`sign-batch: unknown or invalid argument ${JSON.stringify(argv[i])}`);
  }
  return { repeat };
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function toParams(r) {
  return {
    method: r.method,
    url: r.url,
    headers: r.headers ?? {},
    body: r.body ? Buffer.from(r.body, "base64") : "",
    region: r.region,
    service: r.service,
    credentials: r.credentials,
    date: new Date(r.date),
    signBody: r.signBody === true,
  };
}

const { repeat } = parseArgs(process.argv.slice(2));
const { requests } = JSON.parse(await readStdin());
if (!Array.isArray(requests)) throw new Error("sign-batch: input has no requests array");
const params = requests.map(toParams);

let signed;
let errors;
let signNs = 0n;
for (let pass = 0; pass < repeat; pass++) {
  signed = new Array(params.length);
  errors = new Array(params.length);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < params.length; i++) {
    try {
      signed[i] = signRequest(params[i]);
    } catch (err) {
      errors[i] = String(err?.message ?? err);
    }
  }
  signNs += process.hrtime.bigint() - t0;
}
const out = signed.map((h, i) =>
  errors[i] !== undefined
    ? { error: errors[i] }
    : { authorization: h.authorization, amzDate: h["x-amz-date"], canonical: canonicalRequest(params[i]) },
);
process.stdout.write(JSON.stringify({ results: out, signNs: Number(signNs) }));
