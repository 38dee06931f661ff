#!/usr/bin/env bash
# Proves synthesis is deterministic: two synths in this tree and one in a fresh
# clone in another directory must produce byte-identical templates, asset
# manifests and staged assets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cdk="$root/.cdk-cli/node_modules/aws-cdk/bin/cdk"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

synth() { # dir out [VAR=value ...]
  local dir=$1 out=$2
  shift 2
  (cd "$dir" && env "$@" "$cdk" synth --quiet -o "$out" >/dev/null)
}
digest() { # cdk.out dir -> sorted list of "sha256  path" (tree.json names the
           # output dir only in metadata, manifest.json and *.template.json are the contract)
  (cd "$1" && find . -type f ! -name 'cdk.out' -print0 | sort -z | xargs -0 sha256sum)
}

# A fresh clone of the committed tree plus uncommitted changes, in another path.
git clone -q "$root" "$work/clone"
git -C "$root" diff HEAD --binary > "$work/wip.patch"
if [ -s "$work/wip.patch" ]; then git -C "$work/clone" apply --allow-empty "$work/wip.patch"; fi
for f in $(git -C "$root" ls-files --others --exclude-standard); do
  mkdir -p "$work/clone/$(dirname "$f")"; cp "$root/$f" "$work/clone/$f"
done
ln -s "$root/.cdk-cli/node_modules" "$work/clone/.cdk-cli/node_modules"
# The three synths run at once (they are independent; on two cores this takes
# about half the time of running them in turn). No gofunction disk cache in the
# clone: its Go binaries are rebuilt from source.
synth "$root" "$work/a" & pa=$!
synth "$root" "$work/b" & pb=$!
synth "$work/clone" "$work/c" EDGEKIT_GOFUNCTION_CACHE=off & pc=$!
wait $pa && wait $pb && wait $pc

digest "$work/a" > "$work/a.sum"
digest "$work/b" > "$work/b.sum"
digest "$work/c" > "$work/c.sum"
status=0
for other in b c; do
  if ! diff -u "$work/a.sum" "$work/$other.sum"; then
    echo "NOT deterministic: synth $other differs from synth a" >&2
    status=1
  fi
done
n=$(wc -l < "$work/a.sum")
templates=$(ls "$work/a"/*.template.json | wc -l)
if [ $status -eq 0 ]; then
  echo "deterministic: 3 synths (2 here, 1 from a fresh clone) identical: $n files, $templates templates"
fi
exit $status
