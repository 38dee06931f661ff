#!/usr/bin/env bash
# Prints edgekit's speed and size numbers (no pass/fail thresholds):
#   synth time (warm), each edge bundle's zipped size, cold require time and
#   per-request time of the edge handlers, ingest throughput against the local
#   fake Firehose.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cdk="$root/.cdk-cli/node_modules/aws-cdk/bin/cdk"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== synth (warm: one untimed run first, then 3 timed runs)"
"$cdk" synth --quiet -o "$out/warmup" >/dev/null 2>&1
for i in 1 2 3; do
  s=$(date +%s.%N)
  "$cdk" synth --quiet -o "$out/run$i" >/dev/null 2>&1
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" -v i="$i" 'BEGIN { printf "synth_warm_seconds run%d %.2f\n", i, e - s }'
done

echo "== edge bundles as deployed (zipped size per function)"
for f in "$out/run1"/asset.*.zip; do
  [ -e "$f" ] || continue
  hash=$(basename "$f" .zip); hash=${hash#asset.}
  # Edge assets are the ones the Edge template references; the rest are CDK's
  # own providers (BucketDeployment's AWS CLI layer, custom resource handlers).
  fn=$(grep -o "\"S3Key\": \"$hash.zip\"" "$out/run1/Edge.template.json" >/dev/null && \
       node -e 'const t=require(process.argv[1]);for(const r of Object.values(t.Resources))if(r.Type==="AWS::Lambda::Function"&&r.Properties.Code.S3Key===process.argv[2]+".zip")console.log(r.Properties.FunctionName)' \
         "$out/run1/Edge.template.json" "$hash" || true)
  printf 'asset %-24s zip_bytes %d\n' "${fn:-cdk-provider}" "$(stat -c %s "$f")"
done
# Each edge handler bundled alone with its construct's default config, as synth does.
if [ -n "${EDGEKIT:-}" ]; then edgekit=("$EDGEKIT"); else edgekit=(go run ./cmd/edgekit); fi
for p in redirect ingest basicauth; do
  "${edgekit[@]}" bundle -dir "functions/$p" -config "functions/$p/testdata/handler-config.json" -out "$out/b-$p" | sed 's/^/bundle /'
done

echo "== edge handlers (node $(node --version); fresh process per cold run; cost per 1M requests, Lambda@Edge vs CloudFront Functions)"
node --input-type=module -e 'import { printPrices } from "./functions/edgelib/bench/cost.mjs"; printPrices();'
node functions/redirect/bench/redirect.mjs
node functions/ingest/bench/ingest.mjs
node functions/basicauth/bench/basicauth.mjs
node functions/books/bench/signer.mjs

command -v cwebp >/dev/null && command -v exiftool >/dev/null || { apt-get update -qq && apt-get install -y -qq webp libimage-exiftool-perl >/dev/null; }
echo "== images: lossless strip in Go vs exiftool -all= (same files, same run)"
go run ./functions/images/bench

echo "== make serve: requests/s and p50/p99 through the local CloudFront"
go test ./internal/serve -run '^$' -bench . -benchtime 2s | grep -E '^(Benchmark|ok)'

echo "== Go functions (binary/zip bytes; build seconds: gofunction cache miss with warm GOCACHE, then hit)"
go run ./constructs/gofunction/internal/gobench

echo "== Go handlers"
go test ./functions/books -run '^$' -bench . -benchtime 200x | grep -E '^(Benchmark|ok)'
go test ./functions/edgelib -run '^$' -bench Sign -benchtime 2s | grep -E '^(Benchmark|ok)'

echo "== make test (warm: one untimed run first, since the runs above rebuild caches that tests read)"
make --no-print-directory test >/dev/null 2>&1 || true
s=$(date +%s.%N)
make --no-print-directory test >/dev/null 2>&1 && status=ok || status=FAILED
e=$(date +%s.%N)
awk -v s="$s" -v e="$e" -v st="$status" 'BEGIN { printf "make_test_warm_seconds %.1f (%s)\n", e - s, st }'
