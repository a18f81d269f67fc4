#!/usr/bin/env bash
# Fetch the real `buf` binary into build/tools/buf (or DEST) from the npm registry, where the
# @bufbuild/buf package ships it (the platform binary comes as an optional dependency,
# @bufbuild/buf-<os>-<arch>), and copy the two googleapis files our protos import from the
# googleapis-common-protos wheel into build/buf/googleapis (the second module of buf.yaml: the
# Buf registry is not reachable from our machines, so buf.yaml has no `deps:`).
# A second run with the same pin does nothing, so tests can call it every time.
#
# Usage: scripts/get-buf.sh [DEST]        (default DEST: build/tools/buf; prints the buf path last)
# Env:   PYTHON (the interpreter whose site-packages hold google/api/*.proto, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.75.0
dest=${1:-build/tools/buf}
py=${PYTHON:-.venv/bin/python}
stamp="$dest/.buf-pin"

googleapis=build/buf/googleapis/google/api
src=$("$py" -c 'import google.api, os; print(google.api.__path__[0])')
mkdir -p "$googleapis"
for f in annotations.proto http.proto; do
  cmp -s "$src/$f" "$googleapis/$f" || cp "$src/$f" "$googleapis/$f"
done

bin=$(ls "$dest"/node_modules/@bufbuild/buf-*/bin/buf 2>/dev/null | head -n1 || true)
if [ -n "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ] && [ "$("$bin" --version 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null || { echo "get-buf.sh: npm is needed to fetch buf (@bufbuild/buf)" >&2; exit 2; }
rm -rf "$dest" && mkdir -p "$dest"
# --ignore-scripts: the package's postinstall only checks the optional binary is there; we call
# the binary directly (no node wrapper per call).
npm install --prefix "$dest" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
  "@bufbuild/buf@$version" >&2
bin=$(ls "$dest"/node_modules/@bufbuild/buf-*/bin/buf 2>/dev/null | head -n1 || true)
if [ -z "$bin" ] || [ "$("$bin" --version)" != "$version" ]; then
  echo "get-buf.sh: no buf $version binary for $(uname -s)-$(uname -m) in $dest" >&2
  exit 2
fi
echo "$version" > "$stamp"
echo "get-buf.sh: buf $version in $dest" >&2
echo "$bin"
