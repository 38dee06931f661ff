// Headless-browser check of the books single-page app (site/files/books/),
// outside `make test` because it needs Chromium (apt-get install chromium):
//
//   node functions/books/test/spa/check.mjs [screenshot.png]
//
// It serves site/files with the site's Content-Security-Policy (the
// redirect pattern's DefaultCSP, as CloudFront's response headers policy
// adds it) and, on /api/books, an in-memory stand-in for the books API with
// the service's contract (functions/books doc.go: versions and strong ETags,
// If-Match with 412/428, 409 on a stale body version, pages with an opaque
// next token, author filter, 204 deletes) that, like a function URL behind
// CloudFront OAC, refuses any POST, PUT or DELETE whose x-amz-content-sha256
// is not the body's SHA-256. Chromium is driven over the DevTools protocol
// (Node's WebSocket) through a whole session: list and page, add, edit,
// conflict and retry, delete. Any CSP violation or page error fails the run.
// Prints one line per step and exits non-zero on the first failure.
import http from "node:http";
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// constructs/redirect DefaultCSP.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";
const SITE = resolve(fileURLToPath(new URL("../../../../site/files", import.meta.url)));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const screenshot = process.argv[2] ?? join(tmpdir(), "books-spa.png");

// ---- the API stand-in ----

const books = new Map();
const now = () => new Date().toISOString().replace(/(\.\d{3})\d*Z$/, "$1Z");
function put(fields, id = randomUUID(), version = 1, createdAt = now()) {
  const b = { id, ...fields, version, createdAt, updatedAt: now() };
  books.set(id, b);
  return b;
}
for (let i = 1; i <= 12; i++) put({ title: `Seeded book ${String(i).padStart(2, "0")}`, author: i % 2 ? "Ursula K. Le Guin" : "Octavia E. Butler", year: 1960 + i });
const apiLog = [];

function api(req, res, body) {
  const url = new URL(req.url, "http://x");
  const json = (status, obj, headers = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(obj === undefined ? undefined : JSON.stringify(obj));
  };
  const err = (status, code, message, headers) => json(status, { error: code, message }, headers);
  apiLog.push(`${req.method} ${url.pathname}${url.search}`);
  if (req.method !== "GET") {
    const want = createHash("sha256").update(body).digest("hex");
    if (req.headers["x-amz-content-sha256"] !== want) return err(403, "signature", "x-amz-content-sha256 missing or not the body's hash");
  }
  const etag = (b) => ({ ETag: `"${b.version}"` });
  const ifMatch = req.headers["if-match"];
  const parseBody = () => {
    if (req.headers["content-type"] !== "application/json") return err(415, "unsupported_media_type", "content-type must be application/json");
    try {
      return JSON.parse(body.toString("utf8"));
    } catch {
      return err(400, "invalid_json", "invalid JSON");
    }
  };
  const valid = (b) => typeof b.title === "string" && b.title.trim() && typeof b.author === "string" && b.author.trim() && Number.isInteger(b.year);
  if (url.pathname === "/api/books") {
    if (req.method === "GET") {
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const author = url.searchParams.get("author");
      const start = Number(url.searchParams.get("next") ?? 0);
      const all = [...books.values()].filter((b) => !author || b.author === author).sort((a, b) => (a.title < b.title ? -1 : 1));
      const items = all.slice(start, start + limit);
      return json(200, start + limit < all.length ? { items, next: String(start + limit) } : { items });
    }
    if (req.method === "POST") {
      const b = parseBody();
      if (!b || res.headersSent) return;
      if (!valid(b)) return err(400, "invalid_field", "title, author and year are required");
      const created = put({ title: b.title.trim(), author: b.author.trim(), year: b.year, ...(b.isbn ? { isbn: b.isbn.replace(/[- ]/g, "") } : {}) });
      return json(201, created, { ...etag(created), Location: `/api/books/${created.id}` });
    }
    return err(405, "method_not_allowed", "method not allowed", { Allow: "GET, POST" });
  }
  const id = url.pathname.slice("/api/books/".length);
  const b = books.get(id);
  if (req.method === "GET") return b ? json(200, b, etag(b)) : err(404, "not_found", "no such book");
  if (req.method === "PUT") {
    if (!b) return err(404, "not_found", "no such book");
    const n = parseBody();
    if (!n || res.headersSent) return;
    if (!valid(n)) return err(400, "invalid_field", "title, author and year are required");
    if (ifMatch === undefined && n.version === undefined) return err(428, "precondition_required", "send If-Match");
    if (ifMatch !== undefined && ifMatch !== `"${b.version}"`) return err(412, "precondition_failed", "the book has changed", etag(b));
    if (n.version !== undefined && n.version !== b.version) return err(409, "version_conflict", "the book has changed", etag(b));
    const updated = put({ title: n.title.trim(), author: n.author.trim(), year: n.year, ...(n.isbn ? { isbn: n.isbn } : {}) }, id, b.version + 1, b.createdAt);
    return json(200, updated, etag(updated));
  }
  if (req.method === "DELETE") {
    if (b && ifMatch !== undefined && ifMatch !== `"${b.version}"`) return err(412, "precondition_failed", "the book has changed", etag(b));
    books.delete(id);
    return json(204);
  }
  return err(405, "method_not_allowed", "method not allowed", { Allow: "GET, PUT, DELETE" });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    if (req.url.startsWith("/api/")) return api(req, res, body);
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(SITE, path.endsWith("/") ? path + "index.html" : path);
    if (!file.startsWith(SITE)) return res.writeHead(403).end();
    try {
      const data = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-security-policy": CSP, "x-content-type-options": "nosniff" });
      res.end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- Chromium over the DevTools protocol ----

const profile = mkdtempSync(join(tmpdir(), "books-spa-"));
const chrome = spawn("chromium", ["--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
  `--user-data-dir=${profile}`, "--window-size=1100,1400", "about:blank"], { stdio: ["ignore", "ignore", "pipe"] });
const wsUrl = await new Promise((resolveUrl, reject) => {
  let err = "";
  chrome.stderr.on("data", (d) => {
    err += d;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
    if (m) resolveUrl(m[1]);
  });
  chrome.on("exit", (code) => reject(new Error(`chromium exited ${code}: ${err}`)));
});
const port = new URL(wsUrl).port;
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const page = targets.find((t) => t.type === "page");
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r, { once: true }));

let seq = 0;
const pending = new Map();
const problems = [];
ws.addEventListener("message", (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve: ok, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    return msg.error ? reject(new Error(msg.error.message)) : ok(msg.result);
  }
  if (msg.method === "Page.javascriptDialogOpening") send("Page.handleJavaScriptDialog", { accept: true });
  if (msg.method === "Runtime.exceptionThrown") problems.push("page exception: " + msg.params.exceptionDetails.text);
  // Network entries are the expected non-2xx answers (412, the absent
  // favicon); CSP violations arrive as security or other entries.
  if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error" && msg.params.entry.source !== "network") {
    problems.push(`${msg.params.entry.source}: ${msg.params.entry.text}`);
  }
  if (msg.method === "Runtime.consoleAPICalled" && msg.params.type === "error") problems.push("console.error: " + JSON.stringify(msg.params.args));
});
function send(method, params = {}) {
  const id = ++seq;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((ok, reject) => pending.set(id, { resolve: ok, reject }));
}
async function evaluate(expr) {
  const r = await send("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(`${expr}: ${r.exceptionDetails.text}`);
  return r.result.value;
}
async function until(what, expr, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await evaluate(expr);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const rows = () => evaluate(`[...document.querySelectorAll("#books tbody tr")].map((tr) => [...tr.cells].slice(0, 4).map((c) => c.textContent))`);
const status = () => evaluate(`document.getElementById("status").textContent`);
const click = (sel) => evaluate(`document.querySelector(${JSON.stringify(sel)}).click()`);
const fill = (values) => evaluate(`(() => { const f = document.getElementById("edit").elements; ${Object.entries(values)
  .map(([k, v]) => `f[${JSON.stringify(k)}].value = ${JSON.stringify(v)};`).join(" ")} })()`);
const rowButton = (title, label) => evaluate(`[...document.querySelectorAll("#books tbody tr")]
  .find((tr) => tr.cells[0].textContent === ${JSON.stringify(title)})
  .querySelectorAll("button").forEach((b) => { if (b.textContent === ${JSON.stringify(label)}) b.click(); })`);

let step = 0;
function ok(cond, what) {
  if (!cond) throw new Error(`step ${step}: ${what}`);
  console.log(`ok ${++step} ${what}`);
}

let failed = false;
try {
  await send("Page.enable");
  await send("Runtime.enable");
  await send("Log.enable");
  await send("Page.navigate", { url: `${origin}/books/index.html` });
  await until("the first page", `document.querySelectorAll("#books tbody tr").length > 0`);
  let r = await rows();
  ok(r.length === 10 && r[0][0] === "Seeded book 01", "first page lists 10 of 12 books");
  ok(await evaluate(`!document.getElementById("page-next").disabled && document.getElementById("page-prev").disabled`), "next enabled, previous disabled");

  await click("#page-next");
  await until("page 2", `document.querySelector("#books tbody tr td").textContent === "Seeded book 11"`);
  ok((await rows()).length === 2, "second page has the other 2");
  await click("#page-prev");
  await until("page 1 again", `document.querySelector("#books tbody tr td").textContent === "Seeded book 01"`);
  ok(true, "previous goes back");

  await evaluate(`document.getElementById("filter-author").value = "Octavia E. Butler"`);
  await evaluate(`document.getElementById("filter").requestSubmit()`);
  await until("filtered list", `[...document.querySelectorAll("#books tbody tr")].every((tr) => tr.cells[1].textContent === "Octavia E. Butler")`);
  ok((await rows()).length === 6, "author filter lists her 6 books");
  await click("#filter-clear");
  await until("unfiltered", `document.querySelectorAll("#books tbody tr").length === 10`);

  await fill({ title: "A Wizard of Earthsea <img src=x onerror=alert(1)>", author: "Ursula K. Le Guin", year: "1968", isbn: "978-0-547-72202-3" });
  await evaluate(`document.getElementById("edit").requestSubmit()`);
  await until("added", `document.getElementById("status").textContent.startsWith("Added")`);
  const added = [...books.values()].find((b) => b.title.startsWith("A Wizard"));
  ok(added && added.year === 1968 && added.isbn === "9780547722023", "add: POST stored the book (hash accepted)");
  r = await rows();
  ok(r[0][0] === "A Wizard of Earthsea <img src=x onerror=alert(1)>" && (await evaluate(`document.querySelectorAll("#books img").length`)) === 0,
    "markup in a title is shown as text");

  await rowButton(added.title, "Edit");
  await until("edit form", `document.getElementById("edit").elements.id.value === ${JSON.stringify(added.id)}`);
  ok((await evaluate(`document.getElementById("edit-save").textContent`)) === "Save (version 1)", "edit loads version 1");
  // Someone else saves first.
  put({ title: "A Wizard of Earthsea", author: "Ursula K. Le Guin", year: 1968, isbn: "9780547722023" }, added.id, 2, added.createdAt);
  await fill({ title: "A Wizard of Earthsea (illustrated)" });
  await evaluate(`document.getElementById("edit").requestSubmit()`);
  await until("conflict", `!document.getElementById("conflict").hidden`);
  ok(apiLog.some((l) => l.startsWith("PUT ")) && books.get(added.id).version === 2, "stale If-Match: 412, nothing overwritten");
  ok((await evaluate(`document.getElementById("conflict-current").textContent`)).includes("A Wizard of Earthsea") &&
    (await evaluate(`document.getElementById("conflict-version").textContent`)) === "2", "conflict shows the stored version 2");
  ok((await evaluate(`document.getElementById("edit").elements.title.value`)) === "A Wizard of Earthsea (illustrated)", "the user's changes stay in the form");
  await screenshotTo(screenshot.replace(/\.png$/, "-conflict.png"));
  await click("#conflict-retry");
  await until("saved", `document.getElementById("status").textContent.startsWith("Saved")`);
  ok(books.get(added.id).title === "A Wizard of Earthsea (illustrated)" && books.get(added.id).version === 3, "retry saves over version 2 as version 3");
  ok(await evaluate(`document.getElementById("conflict").hidden`), "conflict closed");

  await rowButton("A Wizard of Earthsea (illustrated)", "Delete");
  await until("deleted", `document.getElementById("status").textContent.startsWith("Deleted")`);
  ok(!books.has(added.id), "delete (confirmed) removes the book with If-Match");
  ok(apiLog.some((l) => l.startsWith("DELETE ")), "DELETE sent with its hash");

  await fill({ title: "", author: "", year: "", isbn: "" });
  await evaluate(`document.getElementById("edit").requestSubmit()`);
  ok((await status()).includes("required"), "empty form is refused in the page");

  await screenshotTo(screenshot);
  ok(problems.length === 0, `no CSP violation, page error or console error${problems.length ? ": " + problems.join("; ") : ""}`);
} catch (err) {
  failed = true;
  console.error(`not ok: ${err.message}`);
  if (problems.length) console.error(problems.join("\n"));
} finally {
  ws.close();
  chrome.kill();
  server.close();
  await new Promise((r) => chrome.on("exit", r));
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function screenshotTo(path) {
  const { data } = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
  writeFileSync(path, Buffer.from(data, "base64"));
  console.log(`screenshot ${path}`);
}
