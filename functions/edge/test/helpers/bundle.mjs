// Builds edge handlers exactly as the CDK constructs do (esbuild Go API via
// cmd/edgebundle) and loads the bundle, so tests exercise the deployed artifact
// through its real entry point (`exports.handler`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../../..");
const require = createRequire(import.meta.url);

/**
 * Bundle `entry` (e.g. "ingest/index.js") with `config` and return
 * { handler, dir, zipBytes, codePath, module }.
 * EDGEBUNDLE may point at a prebuilt cmd/edgebundle binary (the Makefile sets it).
 */
export function buildBundle(entry, config = {}) {
  const dir = mkdtempSync(join(tmpdir(), "edgekit-bundle-"));
  const cfgPath = join(dir, "config.json");
  writeFileSync(cfgPath, JSON.stringify(config));
  const out = join(dir, "out");
  const bin = process.env.EDGEBUNDLE;
  const [cmd, args] = bin
    ? [bin, []]
    : ["go", ["run", "./cmd/edgebundle"]];
  execFileSync(cmd, [...args, "-entry", entry, "-config", cfgPath, "-out", out], {
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

/** Reads a JSON fixture from functions/edge/test/fixtures. */
export function fixture(name) {
  return JSON.parse(readFileSync(join(here, "..", "fixtures", name), "utf8"));
}
