// Unit tests of credentials.js (no edgekit: imports, so it loads as is): the
// verified-credential cache's bound and generation guard. Header parsing and
// hashing are covered through the bundle in basicauth.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCache, MAX_CACHED } from "../credentials.js";

test("cache_keeps_at_most_max_cached_dropping_the_oldest", () => {
  const c = createCache();
  const digests = [];
  for (let i = 0; i <= MAX_CACHED; i++) {
    const d = c.digest(`token-${i}`);
    digests.push(d);
    c.add(d, c.generation);
  }
  assert.equal(c.size, MAX_CACHED);
  assert.equal(c.has(digests[0]), false, "the oldest entry is dropped");
  assert.equal(c.has(digests[1]), true);
  assert.equal(c.has(digests[MAX_CACHED]), true);
});

test("fails_add_after_clear_is_ignored", () => {
  const c = createCache();
  const d = c.digest("token");
  const gen = c.generation; // a verification starts...
  c.clear(); // ...the users list changes meanwhile...
  c.add(d, gen); // ...and its result must not be remembered
  assert.equal(c.has(d), false);
  c.add(d, c.generation);
  assert.equal(c.has(d), true);
});

test("digests_are_keyed_per_container", () => {
  const a = createCache();
  const b = createCache();
  assert.equal(a.digest("same token"), a.digest("same token"));
  assert.notEqual(a.digest("same token"), b.digest("same token"), "another container, another key");
  assert.match(a.digest("x"), /^[A-Za-z0-9+/]{43}=$/);
});
