// SigV4 origin-request signer: CloudFront forwards /api/* to an origin that
// accepts only IAM-signed requests (a Lambda function URL with AWS_IAM auth),
// and this Lambda@Edge function signs each request with its own role's
// credentials on the way, so the distribution is the only anonymous way in.
//
// Why origin request with include-body: the signature covers the body's
// SHA-256 (x-amz-content-sha256), and CloudFront hands a body to an
// origin-request function up to 1 MB (40 KB on viewer request). The function
// runs after the cache and only for requests that go to the origin.
//
// Rules, each because a signer is a confused deputy waiting to happen:
//   - The host signed is the origin CloudFront will connect to
//     (request.origin.custom.domainName, from the distribution's config),
//     never a viewer header. Only origins matching a configured rule (service,
//     host template, regions) are signed; any other origin gets 502 and
//     nothing is signed. The signing region is the {region} of that host.
//   - Every viewer-supplied Authorization and X-Amz-* header is dropped
//     before signing: a viewer must not smuggle a token, a date or a payload
//     hash into the signed request, nor its own signature past ours.
//   - A body CloudFront truncated (inputTruncated) is answered 413 and never
//     signed: the hash would describe bytes the origin does not receive.
//   - Credentials come from the Lambda environment (the role's session), read
//     per request because Lambda refreshes them in a warm container.
//
// Only host, x-amz-date, x-amz-content-sha256 and x-amz-security-token are
// signed: CloudFront adds and rewrites headers after this function (Via,
// X-Forwarded-For, X-Amz-Cf-Id, Accept-Encoding), and a signed header that
// changes on the way is a SignatureDoesNotMatch. The body is bound through
// its hash; the method, path and query through the canonical request.
//
// Logs: one JSON line per request, without headers, query, body or host.
import config from "edgekit:config";
import { requireConfig } from "edgekit:lib/config";
import { cfRecord, errorResponse, MalformedEventError, safeResponse } from "edgekit:lib/response";
import { envCredentials, signRequest } from "edgekit:lib/sigv4";
import { BodyError, bodyBytes, truncated } from "./body.js";
import { compileOrigins, matchOrigin } from "./origins.js";

const cfg = requireConfig(config, "books", ["origins", "maxBodyBytes"]);
const origins = compileOrigins(cfg.origins);
if (!Number.isSafeInteger(cfg.maxBodyBytes) || cfg.maxBodyBytes < 0) {
  throw new Error("edgekit books signer: maxBodyBytes must be a non-negative integer");
}

// A path as CloudFront forwards it: absolute, percent-encoded, no query or
// fragment, no white space or control characters. The query likewise.
const URI = /^\/[^?#\s\x00-\x1f\x7f]*$/;
const QUERY = /^[^#\s\x00-\x1f\x7f]*$/;
const ORIGIN_PATH = /^(\/[^/?#\s\x00-\x1f\x7f]+)*$/;
const METHOD = /^[A-Z]{1,16}$/;

/**
 * Lambda@Edge origin-request handler. Returns the request, signed, or a
 * generated JSON error response; never throws.
 * @param {object} event CloudFront origin-request event
 */
export const handler = async (event) => {
  const started = Date.now();
  // status is set for generated responses; signed requests log signed: true.
  const log = { handler: "books-signer" };
  let result;
  try {
    result = handle(event, log);
  } catch (err) {
    if (err instanceof MalformedEventError || err instanceof BodyError) {
      result = refuse(log, 400, "bad_request", "The event is not a CloudFront request event.");
    } else {
      // The class only: messages can quote input.
      log.exception = err && err.name ? String(err.name) : typeof err;
      result = safeResponse(() => refuse(log, 500, "internal_error", "The request could not be processed."));
    }
  }
  log.ms = Date.now() - started;
  try {
    console.log(JSON.stringify(log));
  } catch {
    // logging must not turn a result into a failure
  }
  return result;
};

function handle(event, log) {
  const { request, config: cf } = cfRecord(event);
  if (typeof cf.requestId === "string") log.requestId = cf.requestId;

  const custom = request.origin?.custom;
  const host = custom?.domainName;
  const target = matchOrigin(origins, host);
  if (target === null) return refuse(log, 502, "origin_not_signable", "The API origin is not configured for signing.");
  log.origin = target.origin.name;
  log.region = target.region;
  // Signing for plain HTTP or another port would hand the signature to
  // whatever listens there; AWS endpoints answer on 443 only.
  const originPath = custom.path ?? "";
  if (custom.protocol !== "https" || (custom.port !== undefined && Number(custom.port) !== 443) ||
      typeof originPath !== "string" || !ORIGIN_PATH.test(originPath)) {
    return refuse(log, 502, "origin_not_signable", "The API origin is not configured for signing.");
  }
  if (!METHOD.test(request.method)) return refuse(log, 400, "invalid_method", "The request method is not valid.");
  if (!URI.test(request.uri)) return refuse(log, 400, "invalid_uri", "The request path is not valid.");
  const query = request.querystring ?? "";
  if (!QUERY.test(query)) return refuse(log, 400, "invalid_query", "The query string is not valid.");

  if (truncated(request.body)) {
    return refuse(log, 413, "body_too_large", "The request body is larger than the API accepts.");
  }
  const body = bodyBytes(request.body);
  log.bodyBytes = body.length;
  if (body.length > cfg.maxBodyBytes) {
    return refuse(log, 413, "body_too_large", "The request body is larger than the API accepts.");
  }

  const credentials = envCredentials();
  if (typeof credentials === "string") {
    log.exception = credentials === "MissingCredentials" ? "NoCredentials" : credentials;
    return refuse(log, 500, "internal_error", "The request could not be processed.");
  }

  stripViewerAuth(request.headers);
  const url = `https://${host}${originPath}${request.uri}${query === "" ? "" : "?" + query}`;
  const signed = signRequest({
    method: request.method,
    url,
    headers: { host },
    body,
    region: target.region,
    service: target.origin.service,
    credentials,
    signBody: true,
  });
  const h = request.headers;
  h.host = [{ key: "Host", value: host }];
  h["x-amz-date"] = [{ key: "X-Amz-Date", value: signed["x-amz-date"] }];
  h["x-amz-content-sha256"] = [{ key: "X-Amz-Content-Sha256", value: signed["x-amz-content-sha256"] }];
  if (signed["x-amz-security-token"] !== undefined) {
    h["x-amz-security-token"] = [{ key: "X-Amz-Security-Token", value: signed["x-amz-security-token"] }];
  }
  h.authorization = [{ key: "Authorization", value: signed.authorization }];
  log.signed = true;
  return request;
}

// stripViewerAuth removes every Authorization and X-Amz-* header, and Host
// (set again from the origin), matching the map name and each entry's key
// case-insensitively (CloudFront lower-cases map names; a hand-made event may
// not, and two spellings of one name must not survive as two headers).
function stripViewerAuth(headers) {
  for (const name of Object.keys(headers)) {
    if (replaced(name) || headers[name].some((h) => typeof h.key === "string" && replaced(h.key))) {
      delete headers[name];
    }
  }
}

function replaced(name) {
  const n = name.toLowerCase();
  return n === "authorization" || n === "host" || n.startsWith("x-amz-");
}

function refuse(log, status, code, message) {
  log.status = status;
  log.error = code;
  return errorResponse(status, code, message);
}
