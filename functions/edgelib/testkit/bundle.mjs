// Test and benchmark kit shared by every pattern's edge handler suites. It
// builds a handler exactly as the CDK constructs do (the esbuild Go API via
// `edgekit bundle`, from the sources on disk) and loads the bundle, so suites
// exercise the deployed artifact through its real entry point (`exports.handler`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, readFileSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (holds go.mod). */
export const repoRoot = resolve(here, "../../..");
/** functions/: one directory per pattern, plus edgelib. */
export const functionsDir = join(repoRoot, "functions");
const require = createRequire(import.meta.url);

/**
 * Bundles functions/<pattern>/<entry> with `config` and returns
 * { handler, module, dir, codePath, code, zipBytes }.
 * EDGEKIT may point at a prebuilt cmd/edgekit binary (the Makefile sets it);
 * otherwise `go run ./cmd/edgekit` is used. Either way the sources are read
 * from disk, so an edited handler is tested without rebuilding anything.
 * @param {string} pattern e.g. "ingest"
 * @param {object} config the synth-time config (see handlerConfig)
 * @param {string} [entry] entry module inside the pattern directory
 */
export function buildBundle(pattern, config, entry = "index.js") {
  if (config === undefined) throw new TypeError("buildBundle: pass the handler config (see handlerConfig)");
  const dir = mkdtempSync(join(tmpdir(), "edgekit-bundle-"));
  const cfgPath = join(dir, "config.json");
  writeFileSync(cfgPath, JSON.stringify(config));
  const out = join(dir, "out");
  const bin = process.env.EDGEKIT;
  const [cmd, args] = bin ? [bin, []] : ["go", ["run", "./cmd/edgekit"]];
  execFileSync(cmd, [...args, "bundle", "-dir", join("functions", pattern), "-entry", entry, "-config", cfgPath, "-out", out], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const codePath = join(out, "index.js");
  const mod = require(codePath);
  return {
    handler: mod.handler,
    module: mod,
    dir: out,
    codePath,
    code: readFileSync(codePath, "utf8"),
    zipBytes: statSync(join(out, "function.zip")).size,
  };
}

/**
 * The handler config the pattern's construct bakes into the bundle with its
 * defaults, as written by the construct's Go tests to
 * functions/<pattern>/testdata/handler-config.json. Suites start from it and
 * override only what a test needs, so Go stays the one source of the contract.
 * @param {string} pattern
 * @param {object} [overrides]
 */
export function handlerConfig(pattern, overrides = {}) {
  const path = join(functionsDir, pattern, "testdata", "handler-config.json");
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`go test ./constructs/${pattern}\` (it writes the file from the construct's defaults)`);
  return { ...JSON.parse(readFileSync(path, "utf8")), ...overrides };
}

/** A Lambda context with a controllable remaining-time budget. */
export function lambdaContext({ remainingMs = 30000, requestId = "7f3c1e2a-0b7d-4c39-9a53-1e8f6f3a2b10" } = {}) {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: requestId,
    functionName: "us-east-1.edgekit-edge-test",
    functionVersion: "3",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:edgekit-edge-test:3",
    memoryLimitInMB: "128",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/**
 * Reads a JSON event fixture by file name from any functions/<x>/test/fixtures
 * directory (names are unique across patterns: viewer-request-*, origin-request-*).
 * @param {string} name
 */
export function fixture(name) {
  const hits = [];
  for (const d of readdirSync(functionsDir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const p = join(functionsDir, d.name, "test", "fixtures", name);
    if (existsSync(p)) hits.push(p);
  }
  if (hits.length !== 1) throw new Error(`fixture ${name}: found ${hits.length} copies (${hits.join(", ")}), want exactly one`);
  return JSON.parse(readFileSync(hits[0], "utf8"));
}
