// Viewer-request redirects: the first matching rule answers with a generated
// redirect at the edge; no match passes the request on to the cache/origin.
//
// Rules come from the synth-time config (Lambda@Edge has no environment
// variables) and are validated by Go at synth; they are compiled once per
// container here, and re-checked so that a bad rule can never match everything.

import config from "edgekit:config";
import { requireConfig } from "edgekit:lib/config";
import { cfRecord, errorResponse, header, MalformedEventError, SECURITY_HEADERS } from "edgekit:lib/response";

const REDIRECT_TEXT = {
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
};

// Permanent redirects are cacheable (an hour, so a wrong rule heals) unless
// they depend on the Referer: that header is not part of the cache key, so a
// cached Referer-dependent redirect would be replayed to viewers it does not
// apply to. Those, and every temporary redirect, are never stored.
const CACHE_CONTROL = { 301: "max-age=3600", 308: "max-age=3600" };

/**
 * @typedef {object} Rule
 * @property {string} name rule name, logged on match
 * @property {string} [path] request URI must equal this
 * @property {string} [pathPrefix] request URI must start with this
 * @property {string} [refererContains] Referer header must contain this
 * @property {301|302|303|307|308} status
 * @property {string} target absolute path ("/...") or https:// URL
 * @property {boolean} [preserveQueryString] append the request's query string
 */

const rules = compile(requireConfig(config, "redirect", ["rules"]).rules);

/**
 * Lambda@Edge viewer-request handler. Never throws: a malformed event gets a
 * 400 and an unexpected error a 500, both as JSON generated responses.
 * @param {unknown} event CloudFront viewer-request event
 * @returns {Promise<object>} the request unchanged, or a generated response
 */
export const handler = async (event) => {
  try {
    const { request } = cfRecord(event);
    const rule = match(request);
    if (rule === undefined) return request;
    log({ msg: "redirect", rule: rule.name, status: rule.status });
    return redirect(rule, request.querystring);
  } catch (err) {
    if (err instanceof MalformedEventError) {
      log({ msg: "malformed event", reason: err.message });
      return errorResponse(400, "bad_request", "The request could not be processed.");
    }
    // Name and message only (capped): no event data, which may be personal.
    log({ msg: "internal error", error: String(err?.name ?? typeof err), detail: String(err?.message ?? "").slice(0, 200) });
    return errorResponse(500, "internal_error", "Internal error.");
  }
};

function match(request) {
  const uri = request.uri;
  let referer; // read lazily: most rules never need it
  for (const r of rules) {
    if (r.path !== "" && uri !== r.path) continue;
    if (r.pathPrefix !== "" && !uri.startsWith(r.pathPrefix)) continue;
    if (r.refererContains !== "") {
      referer ??= header(request, "referer") ?? "";
      if (!referer.includes(r.refererContains)) continue;
    }
    return r;
  }
  return undefined;
}

function redirect(rule, querystring) {
  let location = rule.base;
  if (rule.preserveQueryString && typeof querystring === "string" && querystring !== "") {
    location += rule.querySep + visibleAscii(querystring);
  }
  location += rule.fragment;
  // A fresh object per response: CloudFront and later code may mutate it.
  return {
    status: rule.statusCode,
    statusDescription: rule.statusDescription,
    headers: {
      location: [{ key: "Location", value: location }],
      "cache-control": [{ key: "Cache-Control", value: rule.cacheControl }],
      "x-content-type-options": [{ ...SECURITY_HEADERS["x-content-type-options"][0] }],
      "strict-transport-security": [{ ...SECURITY_HEADERS["strict-transport-security"][0] }],
    },
  };
}

// CloudFront passes the query string as received. A Location value must be
// visible ASCII (anything else can make CloudFront reject the generated
// response), so percent-encode the rest as UTF-8; '%' sequences stay as sent.
function visibleAscii(s) {
  if (!/[^\x21-\x7E]/.test(s)) return s;
  return s.replace(/[^\x21-\x7E]+/g, (run) => {
    let out = "";
    for (const b of Buffer.from(run, "utf8")) out += "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
    return out;
  });
}

// compile keeps valid rules in order, precomputing everything a match needs.
// Invalid ones are dropped and reported once per container instead of failing
// init: an init error would turn every request of the site into a 503.
function compile(list) {
  if (!Array.isArray(list)) {
    log({ msg: "config.rules is not an array; no redirects" });
    return [];
  }
  const out = [];
  list.forEach((r, i) => {
    const problem = invalid(r);
    if (problem !== undefined) {
      log({ msg: "rule dropped", index: i, problem });
      return;
    }
    const hash = r.target.indexOf("#");
    const base = hash < 0 ? r.target : r.target.slice(0, hash);
    out.push({
      name: typeof r.name === "string" && r.name !== "" ? r.name : `rule-${i}`,
      path: r.path ?? "",
      pathPrefix: r.pathPrefix ?? "",
      refererContains: r.refererContains ?? "",
      status: r.status,
      statusCode: String(r.status),
      statusDescription: REDIRECT_TEXT[r.status],
      cacheControl: (r.refererContains ? undefined : CACHE_CONTROL[r.status]) ?? "no-store",
      preserveQueryString: r.preserveQueryString === true,
      base,
      // The query goes before any #fragment, joined to an existing query with '&'.
      querySep: base.includes("?") ? "&" : "?",
      fragment: hash < 0 ? "" : r.target.slice(hash),
    });
  });
  return Object.freeze(out);
}

function invalid(r) {
  if (r === null || typeof r !== "object") return "not an object";
  for (const k of ["name", "path", "pathPrefix", "refererContains"]) {
    if (r[k] !== undefined && typeof r[k] !== "string") return `${k} is not a string`;
  }
  if (!r.path && !r.pathPrefix && !r.refererContains) return "no matcher (would match every request)";
  if (REDIRECT_TEXT[r.status] === undefined) return "status is not 301, 302, 303, 307 or 308";
  // Mirrors Go's redirect.ValidTarget: no "//host" (an open redirect), no
  // http://, no user info, and no backslash, whitespace or control character
  // anywhere: browsers read "\" as "/" and drop tabs and line breaks, so
  // "/\evil.example" or "/<TAB>/evil.example" would leave the site.
  const t = r.target;
  if (typeof t !== "string" || /[\\\x00-\x20\x7f]/.test(t) || !/^(?:\/(?!\/)|https:\/\/[^/?#@]+(?:[/?#]|$))/.test(t)) {
    return "target is not an absolute path or https:// URL";
  }
  return undefined;
}

// One JSON line per event; never header values (Referer can carry personal data).
function log(fields) {
  console.log(JSON.stringify(fields));
}
