// The synth-time config contract of edge handlers. A construct bakes its
// handler's config into the bundle as "edgekit:config" (Lambda@Edge has no
// environment variables); Go is the one source of its keys and defaults. A
// handler checks at cold start that every key it reads is there, so a bundle
// built without its construct's config fails loudly instead of running on
// guessed defaults.

/**
 * Returns config when it has every key, else throws (at cold start: Lambda
 * then reports an init error naming the keys).
 * @template T
 * @param {T} config the "edgekit:config" default export
 * @param {string} handler handler name for the message, e.g. "ingest"
 * @param {readonly string[]} keys keys the handler reads
 * @returns {T}
 */
export function requireConfig(config, handler, keys) {
  const missing = keys.filter((k) => config === null || typeof config !== "object" || !Object.hasOwn(config, k));
  if (missing.length > 0) {
    throw new Error(`edgekit ${handler}: the bundled config (edgekit:config) lacks ${missing.join(", ")}; build the bundle through its construct (constructs/${handler})`);
  }
  return config;
}
