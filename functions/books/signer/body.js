// The request body of an include-body origin-request event, as bytes.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-include-body-access.html

const EMPTY = new Uint8Array(0);

/** A body that is not CloudFront's shape; the message is safe to log and show. */
export class BodyError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * The bytes CloudFront will forward to the origin. Call only after checking
 * inputTruncated: a truncated body is not the body.
 * @param {unknown} body request.body of the event (absent without include-body)
 * @returns {Uint8Array}
 * @throws {BodyError}
 */
export function bodyBytes(body) {
  if (body === undefined || body === null) return EMPTY;
  if (typeof body !== "object" || Array.isArray(body)) throw new BodyError("cf.request.body must be an object");
  const { data, encoding = "base64" } = body;
  if (data === undefined || data === "") return EMPTY;
  if (typeof data !== "string") throw new BodyError("cf.request.body.data must be a string");
  if (encoding === "text") return Buffer.from(data, "utf8");
  if (encoding !== "base64") throw new BodyError("cf.request.body.encoding must be base64 or text");
  // Buffer.from skips characters outside the alphabet and stops at inner
  // padding instead of failing; both show as a decoded length that differs
  // from the one the text's length and padding imply.
  const pad = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  const bytes = Buffer.from(data, "base64");
  if (data.length % 4 !== 0 || bytes.length !== (data.length / 4) * 3 - pad) {
    throw new BodyError("cf.request.body.data is not base64");
  }
  return bytes;
}

/**
 * Whether CloudFront cut the body (more than 1 MB on origin request).
 * @param {unknown} body
 * @returns {boolean}
 * @throws {BodyError} when the flag is not a boolean
 */
export function truncated(body) {
  if (body === undefined || body === null || typeof body !== "object") return false;
  const t = body.inputTruncated;
  if (t === undefined) return false;
  if (typeof t !== "boolean") throw new BodyError("cf.request.body.inputTruncated must be a boolean");
  return t;
}
