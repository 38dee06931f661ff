// Request-body parsing for the ingest handler: media type, body decoding, JSON
// validation and Firehose record framing. Pure functions, no I/O.
//
// Every error is an IngestInputError carrying the HTTP status and the client
// error code. Messages name at most a line number and a limit, never the input:
// V8's JSON.parse messages quote the offending text, so they are never used.

/** Media types whose body holds one JSON value per line. */
const LINE_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
]);

/** A client error found while reading the request body. */
export class IngestInputError extends Error {
  /**
   * @param {number} status HTTP status for the client.
   * @param {string} code machine-readable error code.
   * @param {string} message safe, content-free message.
   */
  constructor(status, code, message) {
    super(message);
    this.name = "IngestInputError";
    this.status = status;
    this.code = code;
  }
}

/**
 * Classifies a Content-Type header value.
 * Parameters other than charset are ignored; a charset, if present, must be UTF-8
 * (JSON text exchanged between systems must be UTF-8, RFC 8259 §8.1).
 * @param {string|undefined} value
 * @returns {"json"|"lines"|null} null when unsupported or missing.
 */
export function mediaKind(value) {
  if (typeof value !== "string") return null;
  const parts = value.split(";");
  const type = parts[0].trim().toLowerCase();
  for (let i = 1; i < parts.length; i++) {
    const eq = parts[i].indexOf("=");
    if (eq < 0) continue;
    if (parts[i].slice(0, eq).trim().toLowerCase() !== "charset") continue;
    let cs = parts[i].slice(eq + 1).trim().toLowerCase();
    if (cs.length >= 2 && cs[0] === '"' && cs[cs.length - 1] === '"') cs = cs.slice(1, -1);
    if (cs !== "utf-8" && cs !== "utf8") return null;
  }
  if (type === "application/json") return "json";
  if (LINE_TYPES.has(type)) return "lines";
  return null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a CloudFront include-body object into text.
 * @param {{inputTruncated?: boolean, encoding?: string, data?: string}|undefined} body
 * @returns {string}
 */
export function bodyText(body) {
  // A truncated body (over 1 MB on origin-request) must never be treated as complete.
  if (body && body.inputTruncated === true) {
    throw new IngestInputError(413, "body_truncated", "The request body exceeds the size CloudFront forwards to the function and was truncated.");
  }
  const data = body && typeof body.data === "string" ? body.data : "";
  if (data === "") throw emptyBody();
  if (body.encoding === "text") return data;
  const bytes = Buffer.from(data, "base64");
  try {
    return utf8.decode(bytes);
  } catch {
    // Report the first line holding invalid UTF-8, like any other invalid JSON.
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          utf8.decode(bytes.subarray(start, i));
        } catch {
          throw invalidJSON(line, "is not valid UTF-8");
        }
        line++;
        start = i + 1;
      }
    }
    throw invalidJSON(1, "is not valid UTF-8");
  }
}

/** JSON's insignificant whitespace (RFC 8259 §2): space, tab, LF, CR. */
function isWS(c) {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Trims JSON whitespace only, so other characters (e.g. U+00A0) stay and fail parsing. */
function trimJSON(s) {
  let a = 0;
  let b = s.length;
  while (a < b && isWS(s.charCodeAt(a))) a++;
  while (b > a && isWS(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Splits the body into JSON texts, each with its 1-based line number.
 * For application/json the whole body is one value and must be an object.
 * @param {string} text
 * @param {"json"|"lines"} kind
 * @param {number} maxRecords
 * @returns {{line: number, json: string}[]}
 */
export function splitValues(text, kind, maxRecords) {
  if (kind === "json") {
    const json = trimJSON(text);
    if (json === "") throw emptyBody();
    let v;
    try {
      v = JSON.parse(json);
    } catch {
      throw invalidJSON(1, "is not valid JSON");
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new IngestInputError(400, "invalid_json", "An application/json body must be exactly one JSON object; send several values as application/x-ndjson.");
    }
    // The line of a JSON body is the line where its value starts.
    let line = 1;
    for (let i = 0; i < text.length && isWS(text.charCodeAt(i)); i++) if (text.charCodeAt(i) === 0x0a) line++;
    // Delivered objects hold one record per line. In valid JSON a CR or LF can
    // only be insignificant whitespace (raw control characters are illegal in
    // strings), so a pretty-printed body becomes single-line by swapping each
    // for a space: same value, same byte count.
    return [{ line, json: json.replace(/[\r\n]/g, " ") }];
  }
  // Count first: an over-long request is rejected before paying for JSON.parse.
  const lines = text.split("\n");
  const values = [];
  for (let i = 0; i < lines.length; i++) {
    const json = trimJSON(lines[i]); // also drops the \r of \r\n
    if (json === "") continue;
    // A bare CR inside a value ({"a":\r1}) is insignificant whitespace to
    // JSON but a line break to line readers (Hive/Athena text tables), which
    // would split the record: swap it for a space, as for application/json.
    values.push({ line: i + 1, json: json.includes("\r") ? json.replace(/\r/g, " ") : json });
  }
  if (values.length === 0) throw emptyBody();
  if (values.length > maxRecords) {
    throw new IngestInputError(413, "too_many_records", `The request holds ${values.length} records; at most ${maxRecords} are accepted per request.`);
  }
  for (const v of values) {
    try {
      JSON.parse(v.json);
    } catch {
      throw invalidJSON(v.line, "is not valid JSON");
    }
  }
  return values;
}

/**
 * Frames each value as one newline-terminated Firehose record. The payload is
 * embedded verbatim (never re-serialized), so its bytes arrive unchanged; the
 * metadata is serialized with JSON.stringify, so the record is valid JSON.
 * @param {{line: number, json: string}[]} values
 * @param {{receivedAt: string, requestId: string, viewerCountry?: string, idempotencyKey?: string}} meta
 * @param {{maxRecordBytes: number, maxBatchBytes: number}} limits
 * @returns {{records: Buffer[], bytes: number}}
 */
export function frameRecords(values, meta, limits) {
  let prefix = `{"receivedAt":${JSON.stringify(meta.receivedAt)},"requestId":${JSON.stringify(meta.requestId)}`;
  if (meta.viewerCountry !== undefined) prefix += `,"viewerCountry":${JSON.stringify(meta.viewerCountry)}`;
  if (meta.idempotencyKey !== undefined) prefix += `,"idempotencyKey":${JSON.stringify(meta.idempotencyKey)}`;
  prefix += `,"data":`;
  const records = new Array(values.length);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    const rec = Buffer.from(prefix + values[i].json + "}\n", "utf8");
    if (rec.length > limits.maxRecordBytes) {
      throw new IngestInputError(413, "record_too_large", `The record on line ${values[i].line} is ${rec.length} bytes with metadata; at most ${limits.maxRecordBytes} are accepted.`);
    }
    bytes += rec.length;
    records[i] = rec;
  }
  if (bytes > limits.maxBatchBytes) {
    throw new IngestInputError(413, "batch_too_large", `The records total ${bytes} bytes with metadata; at most ${limits.maxBatchBytes} are accepted per request.`);
  }
  return { records, bytes };
}

function emptyBody() {
  return new IngestInputError(400, "empty_body", "The request body is empty.");
}

function invalidJSON(line, what) {
  return new IngestInputError(400, "invalid_json", `Line ${line} ${what}.`);
}
