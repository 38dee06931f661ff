// Basic-auth viewer-request function for private content: every request on
// the protected path must carry `Authorization: Basic` credentials of a user
// in the users store (SSM SecureString in us-east-1, see users.js); it then
// goes on to the cache and origin without the Authorization header. Any
// failure is a 401 challenge with Cache-Control: no-store; a store that cannot
// be read is a 503 (fail closed, never open).
//
// Viewer-request limits (Lambda@Edge): 128 MB, 5 s. The slow hash (scrypt,
// parameters recorded per hash) runs once per credential per container; see
// credentials.js for the cache and users.go for the chosen cost.
//
// Logs: one JSON line per denial (a reason code), per verification and per
// store read. Never a header value, user name, password or hash.

import config from "edgekit:config";
import { requireConfig } from "edgekit:lib/config";
import { cfRecord, errorResponse, MalformedEventError } from "edgekit:lib/response";
import { basicToken, createCache, decodeToken, verifyPassword } from "./credentials.js";
import { createStore, StoreUnavailable } from "./users.js";

const cfg = requireConfig(config, "basicauth", ["parameterName", "parameterRegion", "realm", "usersTtlSeconds"]);

// Go validates all of these at synth; a bundle built some other way fails at
// init rather than send a broken challenge or read the wrong parameter.
if (typeof cfg.realm !== "string" || !/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(cfg.realm)) {
  throw new Error("edgekit basicauth: realm must be 1-128 printable ASCII characters without '\"' or '\\'");
}
if (typeof cfg.parameterName !== "string" || !/^\/[A-Za-z0-9_.\-/]{1,1010}$/.test(cfg.parameterName)) {
  throw new Error("edgekit basicauth: parameterName is not an SSM parameter name");
}
if (!(typeof cfg.usersTtlSeconds === "number" && cfg.usersTtlSeconds > 0)) {
  throw new Error("edgekit basicauth: usersTtlSeconds must be a positive number");
}

/** The challenge of every 401 (RFC 7617, with the UTF-8 charset parameter). */
const CHALLENGE = `Basic realm="${cfg.realm}", charset="UTF-8"`;
// Time kept back from Lambda's deadline for answering.
const DEADLINE_MARGIN_MS = 300;
const DEFAULT_BUDGET_MS = 4500;

const cache = createCache();
const store = createStore({
  parameterName: cfg.parameterName,
  region: cfg.parameterRegion,
  ttlMs: cfg.usersTtlSeconds * 1000,
  log,
  onChange: () => cache.clear(),
});

/**
 * Lambda@Edge viewer-request handler. Never throws and never lets a request
 * through without a verified credential.
 * @param {unknown} event CloudFront viewer-request event
 * @param {{getRemainingTimeInMillis?: () => number}} [context]
 * @returns {Promise<object>} the request without Authorization, or a generated response
 */
export const handler = async (event, context) => {
  try {
    const { request } = cfRecord(event);
    const auth = authorization(request.headers);
    if (auth.reason !== undefined) return deny(auth.reason);
    const parsed = basicToken(auth.value);
    if ("reason" in parsed) return deny(parsed.reason);

    const table = await store.get(deadlineOf(context));
    const digest = cache.digest(parsed.token);
    if (!cache.has(digest)) {
      const cred = decodeToken(parsed.token);
      if ("reason" in cred) return deny(cred.reason);
      const generation = cache.generation;
      if (!(await verifyPassword(table, cred.user, cred.password))) {
        return deny(table.users.has(cred.user) ? "wrong_password" : "unknown_user");
      }
      cache.add(digest, generation);
      log({ msg: "verified" });
    }
    for (const name of Object.keys(request.headers)) {
      if (name.toLowerCase() === "authorization") delete request.headers[name];
    }
    return request;
  } catch (err) {
    if (err instanceof StoreUnavailable) {
      return errorResponse(503, "unavailable", "Temporarily unavailable, please retry.", { "Retry-After": "2" });
    }
    if (err instanceof MalformedEventError) {
      log({ msg: "malformed event", reason: err.message });
      return errorResponse(400, "bad_request", "The request could not be processed.");
    }
    // Name and message only (capped): no event data.
    log({ msg: "internal error", error: String(err?.name ?? typeof err), detail: String(err?.message ?? "").slice(0, 200) });
    return errorResponse(500, "internal_error", "Internal error.");
  }
};

// The one Authorization value, or a reason: several values (or keys in
// several cases) are refused rather than guess which one a later hop reads.
function authorization(headers) {
  let value;
  let count = 0;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() !== "authorization") continue;
    for (const h of headers[name]) {
      count++;
      value = h.value;
    }
  }
  if (count === 0) return { reason: "no_header" };
  if (count > 1) return { reason: "several_headers" };
  return { value };
}

function deny(reason) {
  log({ msg: "denied", reason });
  return errorResponse(401, "unauthorized", "Authentication required.", { "WWW-Authenticate": CHALLENGE });
}

function deadlineOf(context) {
  const left = typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : NaN;
  return Date.now() + (Number.isFinite(left) ? left - DEADLINE_MARGIN_MS : DEFAULT_BUDGET_MS);
}

function log(fields) {
  console.log(JSON.stringify(fields));
}
