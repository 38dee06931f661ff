// Helpers shared by the edge benchmarks (functions/<pattern>/bench/*.mjs):
// spawning a fresh Node process per run (child.cjs) and taking medians.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";

const childSource = readFileSync(new URL("child.cjs", import.meta.url), "utf8");

/** The median of a list of numbers (the mean of the middle two for even lengths). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs one benchmark in a fresh `node` process (see child.cjs for the spec and
 * the result). Asynchronous on purpose: a local fake the handler talks to may
 * run in this process and must keep serving while the child runs.
 * @param {object} spec child.cjs spec
 * @param {Record<string, string | undefined>} [env] the child's environment. Default: process.env.
 * @returns {Promise<any>}
 */
export function runChild(spec, env = process.env) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", childSource, JSON.stringify(spec)], { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bench child failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`bench child printed no result: ${stdout.slice(0, 200)}\n${stderr}`));
      }
    });
  });
}

/** Formats a number with a fixed number of decimals (bench lines are "name metric value"). */
export const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
