// Users store values for tests and benchmarks, written in the format of
// functions/basicauth/users.go (the one definition; the suites also check
// hashes the Go tool wrote). Node's scrypt is RFC 7914's, like Go's.
import { randomBytes, scryptSync } from "node:crypto";

/** First line of every store value. */
export const STORE_HEADER = "# edgekit basicauth users v1";

const b64 = (b) => b.toString("base64").replace(/=+$/, "");

/**
 * One "<user>:scrypt$N$r$p$salt$key" line, with the Go tool's default
 * parameters unless given.
 * @param {string} user NFC
 * @param {string} password NFC
 * @param {{N?: number, r?: number, p?: number}} [params]
 */
export function entry(user, password, { N = 2048, r = 8, p = 1 } = {}) {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N, r, p, maxmem: 64 << 20 });
  return `${user}:scrypt$${N}$${r}$${p}$${b64(salt)}$${b64(key)}`;
}

/**
 * A store value holding users.
 * @param {Record<string, string>} users name -> password
 */
export function storeValue(users) {
  return [STORE_HEADER, ...Object.entries(users).map(([u, pw]) => entry(u, pw)), ""].join("\n");
}
