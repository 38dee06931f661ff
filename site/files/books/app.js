// The books single-page app: lists, pages, adds, edits and deletes books
// through the books API on the same origin (so no CORS, and the site's CSP
// allows it with connect-src 'self').
//
// Every request with a body carries x-amz-content-sha256, the hex SHA-256 of
// the exact bytes sent, computed with WebCrypto: with CloudFront origin access
// control (edgekit:books:originAuth=oac) the function URL needs it for POST
// and PUT; with the edge signer it is dropped and recomputed at the edge.
//
// Concurrency: edits send If-Match with the version they started from. A 412
// (If-Match stale) or 409 (version stale) means someone else saved first: the
// app fetches the stored version, shows it beside the user's unsaved changes,
// and lets the user save over it (If-Match of the new version) or start again
// from it. Nothing is overwritten without that choice.
//
// All text from the API is put into the page with textContent, never as HTML.
"use strict";

(() => {
  const API = document.querySelector('meta[name="books-api"]')?.content || "/api/books";
  const PAGE_SIZE = 10;
  const $ = (id) => document.getElementById(id);

  const state = {
    author: "", // current filter ("" = all)
    pages: [""], // next-tokens of the pages visited; pages[i] fetched page i
    page: 0,
    next: null, // token of the page after the current one
    books: new Map(), // id -> book of the current page
    conflict: null, // {mine, current} while a conflict is shown
  };

  // ---- HTTP ----

  /** An API failure with the server's error code and message. */
  class ApiError extends Error {
    constructor(status, code, message, etag) {
      super(message);
      this.status = status;
      this.code = code;
      this.etag = etag;
    }
  }

  async function sha256Hex(bytes) {
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /**
   * Calls the API. body (an object) is sent as JSON with its SHA-256;
   * ifMatch is a version number. Resolves {status, data, etag}; rejects with
   * ApiError for any non-2xx answer.
   */
  async function call(method, path, { body, ifMatch, query } = {}) {
    const headers = { Accept: "application/json" };
    let bytes;
    if (body !== undefined) {
      bytes = new TextEncoder().encode(JSON.stringify(body));
      headers["Content-Type"] = "application/json";
    }
    if (method !== "GET" && method !== "HEAD") {
      headers["x-amz-content-sha256"] = await sha256Hex(bytes ?? new Uint8Array(0));
    }
    if (ifMatch !== undefined) headers["If-Match"] = `"${ifMatch}"`;
    let url = API + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
      const s = q.toString();
      if (s) url += "?" + s;
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body: bytes, credentials: "same-origin", cache: "no-store" });
    } catch {
      throw new ApiError(0, "network", "The API could not be reached. Check your connection and try again.");
    }
    const etag = res.headers.get("ETag");
    let data = null;
    if (res.status !== 204) {
      const text = await res.text();
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const code = data && typeof data.error === "string" ? data.error : "http_" + res.status;
      const message = data && typeof data.message === "string" ? data.message : `The API answered ${res.status}.`;
      throw new ApiError(res.status, code, message, etag);
    }
    return { status: res.status, data, etag };
  }

  // ---- status line ----

  function say(text, kind = "") {
    const s = $("status");
    s.textContent = text;
    s.className = "status" + (kind ? " " + kind : "");
  }

  function fail(err) {
    say(err instanceof ApiError ? `${err.message} (${err.code})` : "Something went wrong.", "error");
  }

  // ---- list and pages ----

  async function load() {
    const token = state.pages[state.page];
    try {
      const { data } = await call("GET", "", { query: { limit: PAGE_SIZE, author: state.author, next: token } });
      render(Array.isArray(data?.items) ? data.items : []);
      state.next = typeof data?.next === "string" ? data.next : null;
    } catch (err) {
      render([]);
      state.next = null;
      fail(err);
    }
    $("page-first").disabled = state.page === 0;
    $("page-prev").disabled = state.page === 0;
    $("page-next").disabled = state.next === null;
    $("page-info").textContent = `Page ${state.page + 1}` + (state.author ? ` of books by ${state.author}` : "");
  }

  function render(items) {
    const tbody = $("books").tBodies[0];
    tbody.replaceChildren();
    state.books.clear();
    for (const b of items) {
      state.books.set(b.id, b);
      const tr = document.createElement("tr");
      for (const v of [b.title, b.author, b.year, b.isbn ?? ""]) {
        const td = document.createElement("td");
        td.textContent = String(v);
        tr.append(td);
      }
      const actions = document.createElement("td");
      actions.className = "actions";
      actions.append(button("Edit", () => startEdit(b.id)), " ", button("Delete", () => remove(b.id)));
      tr.append(actions);
      tbody.append(tr);
    }
    $("empty").hidden = items.length > 0;
  }

  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function resetPages() {
    state.pages = [""];
    state.page = 0;
  }

  // ---- add and edit ----

  const form = () => $("edit");

  function fields() {
    const f = form().elements;
    const year = f.year.value.trim();
    const out = { title: f.title.value, author: f.author.value, year: /^\d{1,4}$/.test(year) ? Number(year) : NaN };
    const isbn = f.isbn.value.trim();
    if (isbn) out.isbn = isbn;
    return out;
  }

  function fill(book) {
    const f = form().elements;
    f.id.value = book ? book.id : "";
    f.version.value = book ? String(book.version) : "";
    f.title.value = book ? book.title : "";
    f.author.value = book ? book.author : "";
    f.year.value = book ? String(book.year) : "";
    f.isbn.value = book?.isbn ?? "";
    $("edit-title").textContent = book ? "Edit book" : "Add a book";
    $("edit-save").textContent = book ? `Save (version ${book.version})` : "Add";
    $("edit-cancel").hidden = !book;
  }

  async function startEdit(id) {
    hideConflict();
    try {
      // Fresh from the table, so the edit starts from the latest version.
      const { data } = await call("GET", "/" + encodeURIComponent(id));
      fill(data);
      form().elements.title.focus();
      say(`Editing “${data.title}”.`);
    } catch (err) {
      fail(err);
      if (err.status === 404) await load();
    }
  }

  async function save(event) {
    event.preventDefault();
    const body = fields();
    if (!body.title.trim() || !body.author.trim() || Number.isNaN(body.year)) {
      say("Title, author and a year from 0 to 9999 are required.", "error");
      return;
    }
    const f = form().elements;
    const id = f.id.value;
    if (!id) {
      try {
        const { data } = await call("POST", "", { body });
        fill(null);
        say(`Added “${data.title}”.`, "ok");
        resetPages();
        await load();
      } catch (err) {
        fail(err);
      }
      return;
    }
    await update(id, Number(f.version.value), body);
  }

  async function update(id, version, body) {
    try {
      const { data } = await call("PUT", "/" + encodeURIComponent(id), { body, ifMatch: version });
      fill(null);
      hideConflict();
      say(`Saved “${data.title}” (version ${data.version}).`, "ok");
      await load();
    } catch (err) {
      if (err.status === 412 || err.status === 409) return showConflict(id, body);
      fail(err);
      if (err.status === 404) {
        fill(null);
        await load();
      }
    }
  }

  // ---- conflicts ----

  async function showConflict(id, mine) {
    let current;
    try {
      ({ data: current } = await call("GET", "/" + encodeURIComponent(id)));
    } catch (err) {
      if (err.status === 404) {
        fill(null);
        say("This book was deleted meanwhile; your changes were not saved.", "error");
        await load();
        return;
      }
      return fail(err);
    }
    state.conflict = { id, mine, current };
    const dl = $("conflict-current");
    dl.replaceChildren();
    for (const [label, value] of [["Title", current.title], ["Author", current.author], ["Year", current.year],
      ["ISBN", current.isbn ?? "—"], ["Version", current.version], ["Saved at", current.updatedAt]]) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = String(value);
      dl.append(dt, dd);
    }
    $("conflict-version").textContent = String(current.version);
    $("conflict").hidden = false;
    say("Not saved: the book changed since you opened it.", "error");
    $("conflict-retry").focus();
  }

  function hideConflict() {
    state.conflict = null;
    $("conflict").hidden = true;
  }

  async function retryConflict() {
    const c = state.conflict;
    if (!c) return;
    // The user saw the stored version and chose to replace it: name it.
    form().elements.version.value = String(c.current.version);
    await update(c.id, c.current.version, c.mine);
  }

  function takeCurrent() {
    const c = state.conflict;
    if (!c) return;
    hideConflict();
    fill(c.current);
    say(`Editing the stored version ${c.current.version}.`);
  }

  // ---- delete ----

  async function remove(id) {
    const book = state.books.get(id);
    if (!book || !window.confirm(`Delete “${book.title}”?`)) return;
    try {
      // If-Match: never delete a version the user has not seen.
      await call("DELETE", "/" + encodeURIComponent(id), { ifMatch: book.version });
      if (form().elements.id.value === id) fill(null);
      say(`Deleted “${book.title}”.`, "ok");
    } catch (err) {
      if (err.status === 412) say(`“${book.title}” changed since this page was loaded; it was not deleted. Check it and try again.`, "error");
      else fail(err);
    }
    await load();
  }

  // ---- wiring ----

  document.addEventListener("DOMContentLoaded", () => {
    $("filter").addEventListener("submit", (e) => {
      e.preventDefault();
      state.author = $("filter-author").value.trim();
      resetPages();
      load();
    });
    $("filter-clear").addEventListener("click", () => {
      $("filter-author").value = "";
      state.author = "";
      resetPages();
      load();
    });
    $("page-first").addEventListener("click", () => {
      resetPages();
      load();
    });
    $("page-prev").addEventListener("click", () => {
      if (state.page > 0) state.page--;
      load();
    });
    $("page-next").addEventListener("click", () => {
      if (state.next === null) return;
      state.pages[state.page + 1] = state.next;
      state.pages.length = state.page + 2;
      state.page++;
      load();
    });
    form().addEventListener("submit", save);
    $("edit-cancel").addEventListener("click", () => {
      fill(null);
      hideConflict();
      say("");
    });
    $("conflict-retry").addEventListener("click", retryConflict);
    $("conflict-take").addEventListener("click", takeCurrent);
    fill(null);
    load();
  });
})();
