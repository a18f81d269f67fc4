#!/usr/bin/env bash
# Generate Python code and typed stubs for every proto under protos/ into build/gen.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
out=build/gen
rm -rf "$out" && mkdir -p "$out"
googleapis=$("$py" -c 'import google.api, os; print(os.path.dirname(os.path.dirname(google.api.__path__[0])))')
mapfile -t files < <(find protos -name '*.proto' | sort)
PATH="$(dirname "$py"):$PATH" "$py" -m grpc_tools.protoc -I protos -I "$googleapis" \
  --python_out="$out" --grpc_python_out="$out" --mypy_out="$out" --mypy_grpc_out="$out" \
  "${files[@]}"
# Make every generated folder an importable package (namespace "mes" only lives here).
find "$out" -type d -exec touch {}/__init__.py \;
echo "generated $(find "$out" -name '*_pb2.py' | wc -l) modules into $out"
