#!/usr/bin/env bash
# CDK_FLAGS must reach the CDK CLI exactly as written: JSON with braces, commas
# and quotes, several flags, globs left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
rules='[{"name":"x","path":"/a","status":301,"target":"/b"},{"name":"y","pathPrefix":"/*","status":302,"target":"/c"}]'
got=$(make -s --no-print-directory cdk-args CDK_FLAGS="-c edgekit:redirects:rules=$rules -c edgekit:homeRegion=eu-west-1")
want=$(printf '%s\n' -c "edgekit:redirects:rules=$rules" -c "edgekit:homeRegion=eu-west-1")
if [ "$got" != "$want" ]; then
  echo "CDK_FLAGS was mangled:"; diff <(echo "$want") <(echo "$got") || true; exit 1
fi
[ -z "$(make -s --no-print-directory cdk-args)" ] || { echo "empty CDK_FLAGS gave arguments"; exit 1; }
echo "CDK_FLAGS passes JSON intact: ok"
