// Basic credentials (RFC 7617): parsing the Authorization header, checking a
// password against a store hash with scrypt, and remembering credentials
// already verified in this container.
//
// Cost model: the slow hash runs once per credential per container. A
// verified credential is remembered under HMAC-SHA256(k, token), k being 32
// random bytes drawn at cold start and never leaving the process, so the
// cache holds nothing an attacker could use even if memory leaked into a
// dump, and its hash-table timing says nothing about the credential. A
// failure is never remembered as a success: only verify() == true inserts.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// A Basic header with the longest allowed user (128 bytes) and password
// (1,024 bytes) is under 1,600 characters; anything longer is refused before
// any decoding.
export const MAX_HEADER_CHARS = 2048;
const MAX_PASSWORD_BYTES = 1024;
const MAX_NAME_BYTES = 128;
// RFC 7235: the scheme is case-insensitive; token68 after one or more spaces.
const BASIC_RE = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const SCHEME_RE = /^basic(?: |$)/i;
const BAD_USER_RE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// scrypt's own memory guard; the store's limits (users.js) are lower.
const SCRYPT_MAXMEM = 64 << 20;
/** Most verified credentials remembered per container (oldest dropped first). */
export const MAX_CACHED = 1000;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The base64 token of a Basic Authorization header value, or a reason code.
 * @param {string | undefined} value
 * @returns {{token: string} | {reason: string}}
 */
export function basicToken(value) {
  if (value === undefined) return { reason: "no_header" };
  if (value.length > MAX_HEADER_CHARS) return { reason: "too_long" };
  const m = BASIC_RE.exec(value);
  if (m === null) return { reason: SCHEME_RE.test(value) ? "malformed" : "wrong_scheme" };
  const token = m[1];
  if (token.length % 4 !== 0) return { reason: "malformed" };
  return { token };
}

/**
 * Decodes a Basic token into NFC user and password, or a reason code.
 * @param {string} token
 * @returns {{user: string, password: string} | {reason: string}}
 */
export function decodeToken(token) {
  const bytes = Buffer.from(token, "base64");
  // Canonical base64 only (Buffer.from ignores stray bits and characters).
  if (bytes.toString("base64") !== token) return { reason: "malformed" };
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { reason: "not_utf8" };
  }
  const colon = text.indexOf(":");
  if (colon < 0) return { reason: "no_colon" };
  // RFC 7617 with charset="UTF-8": both parts are compared in NFC.
  const user = text.slice(0, colon).normalize("NFC");
  const password = text.slice(colon + 1).normalize("NFC");
  if (user === "" || BAD_USER_RE.test(user) || Buffer.byteLength(user) > MAX_NAME_BYTES) return { reason: "bad_user" };
  if (password === "" || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return { reason: "bad_password" };
  return { user, password };
}

function scryptAsync(password, h) {
  return new Promise((resolve, reject) => {
    scrypt(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: SCRYPT_MAXMEM }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Whether password is user's. An unknown user is checked against the store's
 * dummy hash (same parameters as most users, a key no password derives), so
 * "no such user" and "wrong password" take the same time; the derived and
 * stored keys are compared with timingSafeEqual (equal lengths by
 * construction: scrypt derives key.length bytes).
 * @param {import("./users.js").Table} table
 * @param {string} user NFC
 * @param {string} password NFC
 * @returns {Promise<boolean>}
 */
export async function verifyPassword(table, user, password) {
  const entry = table.users.get(user);
  const h = entry ?? table.dummy;
  const derived = await scryptAsync(password, h);
  const same = timingSafeEqual(derived, h.key);
  return entry !== undefined && same;
}

/**
 * Verified credentials of this container, keyed by a keyed digest of the
 * token.
 */
export function createCache() {
  const key = randomBytes(32);
  /** @type {Map<string, true>} */
  const seen = new Map();
  // Bumped by clear(): a verification that started against the previous
  // users list must not land in the cache after the list changed.
  let generation = 0;
  return {
    /** The keyed digest of a token. */
    digest(token) {
      return createHmac("sha256", key).update(token).digest("base64");
    },
    has(digest) {
      return seen.has(digest);
    },
    /** The current generation; pass it to add() after an await. */
    get generation() {
      return generation;
    },
    /** Remembers a credential verified in generation `gen`, if still current. */
    add(digest, gen) {
      if (gen !== generation) return;
      if (seen.size >= MAX_CACHED) seen.delete(seen.keys().next().value);
      seen.set(digest, true);
    },
    clear() {
      generation++;
      seen.clear();
    },
    get size() {
      return seen.size;
    },
  };
}
