// The users store: one SSM SecureString parameter in us-east-1, read with
// WithDecryption through the edge library's AWS client, cached per container
// for a TTL, then read again. The format is written by `edgekit users`
// (functions/basicauth/users.go, the one definition of it):
//
//   # edgekit basicauth users v1
//   <user>:scrypt$N$r$p$<salt>$<key>       (salt, key: unpadded standard base64)
//
// Fail closed: when the parameter cannot be read (unreachable, throttled,
// denied, missing, not a SecureString, unknown format) the store throws
// StoreUnavailable and the handler answers 503. A list whose TTL has run out
// is never used again, even if the re-read fails, so a removed user never
// outlives the TTL. After a failure the parameter is not asked again for
// FAILURE_BACKOFF_MS, so an outage does not turn every request into an SSM
// call (GetParameter is limited per account and region).
import { AwsError, awsRequest } from "edgekit:lib/awsclient";
import { randomBytes } from "node:crypto";

/** First line of every store value. */
export const STORE_HEADER = "# edgekit basicauth users v1";
/** X-Amz-Target of SSM GetParameter (AWS JSON 1.1). */
export const TARGET = "AmazonSSM.GetParameter";

// Limits shared with users.go: change both together.
const MAX_NAME_BYTES = 128;
const MAX_SCRYPT_MEMORY = 32 << 20;
const MAX_SCRYPT_WORK = 1 << 18;
const MIN_SCRYPT_WORK = 1 << 13;
/** The parameters of the unknown-user hash when the store has no users. */
export const DEFAULT_PARAMS = Object.freeze({ N: 2048, r: 8, p: 1, keyLength: 32 });

/** After a failed read, requests are answered 503 without a call for this long. */
export const FAILURE_BACKOFF_MS = 1000;
// One call's bound, and the whole read's (a retry included): far inside the
// 5 s viewer-request timeout, leaving time for the slow hash.
const CALL_TIMEOUT_MS = 1200;
const READ_BUDGET_MS = 2500;
const RETRY_DELAY_MS = 50;
// An advanced-tier parameter holds 8 KB; its JSON answer is far smaller than this.
const MAX_RESPONSE_BYTES = 64 * 1024;

const DECIMAL_RE = /^(?:0|[1-9][0-9]{0,9})$/;
const B64_RE = /^[A-Za-z0-9+/]+$/;
// Control, format and line/paragraph separator characters: never in a name.
const BAD_NAME_RE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}:]/u;

/** The store could not be read; `reason` is a short code, safe to log. */
export class StoreUnavailable extends Error {
  /** @param {string} reason */
  constructor(reason) {
    super(`users store unavailable: ${reason}`);
    this.name = "StoreUnavailable";
    this.reason = reason;
  }
}

/**
 * @typedef {{N: number, r: number, p: number, salt: Buffer, key: Buffer}} Hash
 * @typedef {{users: Map<string, Hash>, dummy: Hash, skipped: number}} Table
 */

/**
 * Parses one "scrypt$N$r$p$salt$key" hash, or returns undefined when it is
 * malformed or outside the limits (a store entry that would cost more memory
 * or time than a viewer-request function has must never be attempted).
 * @param {string} s
 * @returns {Hash | undefined}
 */
export function parseHash(s) {
  const parts = s.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  if (!DECIMAL_RE.test(parts[1]) || !DECIMAL_RE.test(parts[2]) || !DECIMAL_RE.test(parts[3])) return undefined;
  const N = Number(parts[1]);
  const r = Number(parts[2]);
  const p = Number(parts[3]);
  if (N < 1024 || N > 65536 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  if (128 * N * r > MAX_SCRYPT_MEMORY || N * r * p > MAX_SCRYPT_WORK || N * r * p < MIN_SCRYPT_WORK) return undefined;
  const salt = unpaddedBase64(parts[4]);
  const key = unpaddedBase64(parts[5]);
  if (salt === undefined || key === undefined) return undefined;
  if (salt.length < 8 || salt.length > 64 || key.length < 16 || key.length > 64) return undefined;
  return { N, r, p, salt, key };
}

function unpaddedBase64(s) {
  if (!B64_RE.test(s) || s.length % 4 === 1) return undefined;
  const b = Buffer.from(s, "base64");
  // Canonical only: no stray bits in the last character.
  return b.toString("base64").replace(/=+$/, "") === s ? b : undefined;
}

/**
 * Parses a store value. Bad lines are skipped (counted, never logged: they
 * hold hashes); a name listed twice is dropped altogether, since which line
 * was meant is unknown. A value without the header line throws: its format is
 * unknown, so nothing in it can be trusted.
 * @param {string} value
 * @returns {Table}
 */
export function parseStore(value) {
  const lines = value.split("\n");
  if (lines[0] !== STORE_HEADER) throw new StoreUnavailable("unknown_format");
  const users = new Map();
  const twice = new Set();
  let skipped = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    const hash = colon > 0 ? parseHash(line.slice(colon + 1)) : undefined;
    if (hash === undefined || !validName(name)) {
      skipped++;
      continue;
    }
    if (users.has(name)) twice.add(name);
    users.set(name, hash);
  }
  for (const name of twice) {
    users.delete(name);
    skipped += 2;
  }
  return { users, dummy: dummyHash(users), skipped };
}

/**
 * Whether a name can be a user: what users.go accepts (NFC, no colon, no
 * control, format or separator characters, 1..128 UTF-8 bytes, no
 * surrounding spaces).
 * @param {string} name
 */
export function validName(name) {
  return (
    name !== "" &&
    name.trim() === name &&
    !BAD_NAME_RE.test(name) &&
    Buffer.byteLength(name) <= MAX_NAME_BYTES &&
    name.normalize("NFC") === name
  );
}

// The hash an unknown user is checked against, so that an unknown user costs
// what a wrong password costs: the parameters most entries use (ties: the
// first seen), a random salt, and a random key no password derives.
function dummyHash(users) {
  const counts = new Map();
  let best = DEFAULT_PARAMS;
  let bestCount = 0;
  for (const h of users.values()) {
    const id = `${h.N}$${h.r}$${h.p}$${h.key.length}`;
    const c = (counts.get(id) ?? 0) + 1;
    counts.set(id, c);
    if (c > bestCount) {
      bestCount = c;
      best = { N: h.N, r: h.r, p: h.p, keyLength: h.key.length };
    }
  }
  return { N: best.N, r: best.r, p: best.p, salt: randomBytes(16), key: randomBytes(best.keyLength) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The per-container users store.
 * @param {object} o
 * @param {string} o.parameterName SSM parameter name
 * @param {string} o.region the parameter's region (us-east-1)
 * @param {number} o.ttlMs how long a read list is used
 * @param {(fields: object) => void} o.log
 * @param {() => void} o.onChange called when a read brings a different list
 *   (the handler forgets its verified credentials then)
 */
export function createStore({ parameterName, region, ttlMs, log, onChange }) {
  /** @type {{table: Table, value: string, fetchedAt: number} | null} */
  let current = null;
  let failedAt = -Infinity;
  let failure = "";
  /** @type {Promise<Table> | null} */
  let inflight = null;

  async function read(deadline) {
    const end = Math.min(deadline, Date.now() + READ_BUDGET_MS);
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await awsRequest({
          service: "SSM",
          signingName: "ssm",
          region,
          target: TARGET,
          body: { Name: parameterName, WithDecryption: true },
          deadline: end,
          timeoutMs: CALL_TIMEOUT_MS,
          maxResponseBytes: MAX_RESPONSE_BYTES,
        });
        const p = out.Parameter;
        if (p === null || typeof p !== "object" || typeof p.Value !== "string") throw new StoreUnavailable("no_value");
        // A String parameter is readable without KMS by anyone with
        // ssm:GetParameter: the tool never writes one, so refuse it.
        if (p.Type !== "SecureString") throw new StoreUnavailable("not_secure_string");
        return { value: p.Value, table: parseStore(p.Value) };
      } catch (err) {
        const retry = err instanceof AwsError && err.retryable && attempt < 2 && Date.now() + RETRY_DELAY_MS + 100 < end;
        if (!retry) throw err;
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  async function refresh(deadline) {
    const started = Date.now();
    try {
      const { value, table } = await read(deadline);
      const changed = current === null || current.value !== value;
      current = { table, value, fetchedAt: Date.now() };
      failure = "";
      failedAt = -Infinity;
      if (changed) onChange();
      log({ msg: "users loaded", users: table.users.size, skipped: table.skipped, changed, ms: Date.now() - started });
      return table;
    } catch (err) {
      // Fail closed: the old list is not used past its TTL.
      if (current !== null) onChange();
      current = null;
      failedAt = Date.now();
      failure = err instanceof StoreUnavailable ? err.reason : err instanceof AwsError ? `${err.kind}${err.code ? `:${err.code}` : ""}` : "error";
      log({ msg: "users store unavailable", reason: failure, error: err instanceof AwsError ? err.message : String(err?.name ?? "Error"), ms: Date.now() - started });
      throw new StoreUnavailable(failure);
    }
  }

  return {
    /**
     * The current table: cached within the TTL, else read (one read at a
     * time). Throws StoreUnavailable.
     * @param {number} deadline epoch ms by which the read must be done
     * @returns {Promise<Table>}
     */
    async get(deadline) {
      const now = Date.now();
      if (current !== null && now - current.fetchedAt < ttlMs) return current.table;
      if (now - failedAt < FAILURE_BACKOFF_MS) throw new StoreUnavailable(failure);
      inflight ??= refresh(deadline).finally(() => {
        inflight = null;
      });
      return inflight;
    },
  };
}
