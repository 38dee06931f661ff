// Which origins the signer signs for, and how: compiled once per container
// from the synth-time config, so the rules are data (constructs/books
// HandlerConfig.Origins), not code. A rule names the SigV4 service and a host
// template such as "{id}.lambda-url.{region}.on.aws" (Lambda function URLs)
// or "{id}.execute-api.{region}.amazonaws.com" (API Gateway); the signing
// region is the {region} label of the origin's host, and must be one the rule
// lists.

const SERVICE = /^[a-z0-9-]{1,64}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}$/;
const LITERAL = /^[a-z0-9.-]*$/;
// A DNS label of a generated endpoint id (function URL ids are 32 of these,
// API ids 10): never a dot, so {id} cannot swallow part of the suffix.
const ID_RE = "[a-z0-9]{1,63}";
const REGION_RE = "[a-z0-9-]{1,32}";

/**
 * @typedef {{name: string, service: string, hostPattern: string, regions: string[]}} OriginRule
 * @typedef {{name: string, service: string, re: RegExp, regions: Set<string>}} CompiledOrigin
 */

/**
 * Validates and compiles the configured origin rules. Throws at cold start
 * (Lambda reports an init error) on any bad rule: a signer that guessed
 * would sign for hosts nobody configured.
 * @param {unknown} rules HandlerConfig.origins
 * @returns {CompiledOrigin[]}
 */
export function compileOrigins(rules) {
  if (!Array.isArray(rules) || rules.length === 0) throw new Error("edgekit books signer: origins must be a non-empty list");
  return rules.map((r, i) => {
    const where = `edgekit books signer: origins[${i}]`;
    if (r === null || typeof r !== "object") throw new Error(`${where} must be an object`);
    const { name, service, hostPattern, regions } = r;
    if (typeof name !== "string" || name === "") throw new Error(`${where}.name must be a non-empty string`);
    if (typeof service !== "string" || !SERVICE.test(service)) throw new Error(`${where}.service must be a SigV4 signing name like "lambda"`);
    if (!Array.isArray(regions) || regions.length === 0 || !regions.every((x) => typeof x === "string" && REGION.test(x))) {
      throw new Error(`${where}.regions must be a non-empty list of region names`);
    }
    return { name, service, re: hostRegExp(hostPattern, where), regions: new Set(regions) };
  });
}

// hostRegExp turns a template into an anchored expression: literal parts are
// escaped, {region} (exactly once) becomes the named group "region", {id}
// (at most once) one DNS label of [a-z0-9].
function hostRegExp(pattern, where) {
  if (typeof pattern !== "string") throw new Error(`${where}.hostPattern must be a string`);
  const parts = pattern.split(/(\{region\}|\{id\})/);
  let regions = 0;
  let ids = 0;
  let src = "^";
  for (const p of parts) {
    if (p === "{region}") {
      regions++;
      src += `(?<region>${REGION_RE})`;
    } else if (p === "{id}") {
      ids++;
      src += ID_RE;
    } else {
      if (!LITERAL.test(p)) throw new Error(`${where}.hostPattern has characters outside a-z 0-9 . - besides {id} and {region}`);
      src += p.replace(/\./g, "\\.");
    }
  }
  if (regions !== 1 || ids > 1) throw new Error(`${where}.hostPattern needs {region} exactly once and {id} at most once`);
  return new RegExp(src + "$");
}

/**
 * The first rule whose template matches host and lists its region.
 * @param {CompiledOrigin[]} origins
 * @param {string} host origin domain name as CloudFront hands it over
 * @returns {{origin: CompiledOrigin, region: string} | null}
 */
export function matchOrigin(origins, host) {
  if (typeof host !== "string" || host.length === 0 || host.length > 253) return null;
  for (const origin of origins) {
    const m = origin.re.exec(host);
    if (m !== null && origin.regions.has(m.groups.region)) return { origin, region: m.groups.region };
  }
  return null;
}
