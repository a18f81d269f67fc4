#!/usr/bin/env bash
# Install checkov (pinned by requirements-checkov.txt) into its own virtualenv, build/tools/checkov,
# and print the path of its executable. checkov cannot live in .venv (it pins packaging<24, pytest
# needs >=24). A second run with an unchanged lock file does nothing, so tests can call it each time.
#
# Usage: scripts/get-checkov.sh [DEST]        (default DEST: build/tools/checkov)
# Env:   PYTHON (the interpreter to build the virtualenv from, default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

dest=${1:-build/tools/checkov}
lock=requirements-checkov.txt
py=${PYTHON:-python3}
want=$(sha256sum "$lock" | cut -d' ' -f1)
stamp="$dest/.lock-sha256"

if [ -x "$dest/bin/checkov" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$dest/bin/checkov"
  exit 0
fi

rm -rf "$dest"
"$py" -m venv "$dest"
"$dest/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock" >&2
"$dest/bin/python" -m pip check >&2
echo "$want" > "$stamp"
echo "get-checkov.sh: checkov $("$dest/bin/checkov" --version) in $dest" >&2
echo "$dest/bin/checkov"
