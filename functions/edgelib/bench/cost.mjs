// Cost per million requests of an edge function, from its measured durations,
// under the Lambda@Edge price model, next to a CloudFront Function where the
// pattern could run there. Used by every edge benchmark; prints numbers only.
//
// Model (us-east-1 list prices, no free tier: Lambda@Edge has none):
//   per request   LAMBDA_EDGE_USD_PER_MILLION_REQUESTS / 1e6
//   per ms        LAMBDA_EDGE_USD_PER_GB_SECOND * memoryMB/1024 / 1000, each
//                 invocation's duration rounded UP to a whole millisecond
//   cold start    the INIT phase is billed too (since 2025-08-01), so a cold
//                 invocation bills init + first response. Measured here: the
//                 handler's share (require of the bundle + first response); the
//                 Node.js runtime's own start-up, also in Lambda's reported Init
//                 Duration, comes on top and is not the code's to change
//   blended       (1 - coldRatio) * warm + coldRatio * cold
// Durations come from this machine and a loopback fake: the real figure adds the
// network round trip to the AWS service (billed wall time); the printed
// per_extra_ms line prices each extra millisecond.

/** Lambda@Edge request charge, USD per 1M requests. */
export const LAMBDA_EDGE_USD_PER_MILLION_REQUESTS = 0.6;
/** Lambda@Edge duration charge, USD per GB-second. */
export const LAMBDA_EDGE_USD_PER_GB_SECOND = 0.00005001;
/** CloudFront Functions invocation charge, USD per 1M invocations. */
export const CLOUDFRONT_FUNCTION_USD_PER_MILLION = 0.1;
/** Lambda@Edge billing granularity (ms), since 2021-04-01. */
export const BILLING_MS = 1;
/** When the prices above were last checked. */
export const PRICES_CHECKED = "2026-11-21";
/**
 * Where they come from: the AWS Lambda pricing page (https://aws.amazon.com/lambda/pricing/,
 * "Lambda@Edge" section) and the CloudFront pricing page
 * (https://aws.amazon.com/cloudfront/pricing/, CloudFront Functions); 1 ms
 * granularity: AWS What's New 2021-03-31 "Lambda@Edge billing granularity"; INIT
 * billing: AWS Compute Blog "AWS Lambda standardizes billing for INIT Phase".
 */
export const PRICE_SOURCES = "aws.amazon.com/lambda/pricing (Lambda@Edge); aws.amazon.com/cloudfront/pricing (CloudFront Functions)";

/** Default share of invocations that are cold starts. */
export const DEFAULT_COLD_RATIO = 0.01;

/** Whole billed milliseconds of one invocation of `ms`. */
export function billedMs(ms) {
  return Math.max(BILLING_MS, Math.ceil(ms / BILLING_MS) * BILLING_MS);
}

/** USD of `ms` billed milliseconds at `memoryMB`. */
export function computeUsd(ms, memoryMB) {
  return (ms / 1000) * (memoryMB / 1024) * LAMBDA_EDGE_USD_PER_GB_SECOND;
}

/**
 * The Lambda@Edge cost of a function per 1M requests.
 * @param {object} m
 * @param {number} m.warmBilledMs mean billed ms of a warm invocation (each rounded up; see billedMs)
 * @param {number} m.coldMs init + first response of a cold invocation, in ms
 * @param {number} m.memoryMB configured memory
 * @param {number} [m.coldRatio] share of cold invocations. Default: DEFAULT_COLD_RATIO.
 */
export function lambdaEdgeCost({ warmBilledMs, coldMs, memoryMB, coldRatio = DEFAULT_COLD_RATIO }) {
  const perRequest = LAMBDA_EDGE_USD_PER_MILLION_REQUESTS;
  const warm = perRequest + 1e6 * computeUsd(warmBilledMs, memoryMB);
  const coldBilled = billedMs(coldMs);
  const cold = perRequest + 1e6 * computeUsd(coldBilled, memoryMB);
  const blended = (1 - coldRatio) * warm + coldRatio * cold;
  return {
    warmPerMillion: warm,
    coldBilledMs: coldBilled,
    blendedPerMillion: blended,
    coldShare: (blended - warm) / blended,
    perExtraMsPerMillion: 1e6 * computeUsd(1, memoryMB),
  };
}

/**
 * Prints the cost lines of one edge function.
 * @param {string} name e.g. "ingest"
 * @param {object} m see lambdaEdgeCost, plus:
 * @param {boolean} [m.cloudFrontFunction] the pattern could run as a CloudFront Function
 * @param {(line: string) => void} [print] Default: console.log.
 */
export function printCost(name, m, print = console.log) {
  const c = lambdaEdgeCost(m);
  const pct = Math.round((m.coldRatio ?? DEFAULT_COLD_RATIO) * 100 * 100) / 100;
  print(`${name} cost_memory_mb ${m.memoryMB}`);
  print(`${name} cost_billed_warm_ms ${m.warmBilledMs.toFixed(3)}`);
  print(`${name} cost_billed_cold_ms ${c.coldBilledMs}`);
  print(`${name} cost_lambda_edge_usd_per_1m_warm ${c.warmPerMillion.toFixed(4)}`);
  print(`${name} cost_lambda_edge_usd_per_1m_at_${pct}pct_cold ${c.blendedPerMillion.toFixed(4)}`);
  print(`${name} cost_cold_start_share_pct_at_${pct}pct_cold ${(c.coldShare * 100).toFixed(3)}`);
  print(`${name} cost_lambda_edge_usd_per_1m_per_extra_ms ${c.perExtraMsPerMillion.toFixed(4)}`);
  if (m.cloudFrontFunction) print(`${name} cost_cloudfront_function_usd_per_1m ${CLOUDFRONT_FUNCTION_USD_PER_MILLION.toFixed(4)}`);
}

/** Prints the price constants once, so a bench log says which prices it used. */
export function printPrices(print = console.log) {
  print(
    `cost prices lambda_edge_usd_per_1m_requests ${LAMBDA_EDGE_USD_PER_MILLION_REQUESTS.toFixed(2)}` +
      ` lambda_edge_usd_per_gb_s ${LAMBDA_EDGE_USD_PER_GB_SECOND}` +
      ` cloudfront_function_usd_per_1m ${CLOUDFRONT_FUNCTION_USD_PER_MILLION.toFixed(2)}` +
      ` billing_ms ${BILLING_MS} init_billed yes checked ${PRICES_CHECKED} source ${PRICE_SOURCES}`,
  );
}
