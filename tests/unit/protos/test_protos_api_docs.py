"""The committed API reference (docs/api/) is what scripts/gen-api-docs.py writes from the protos today."""
from __future__ import annotations

import subprocess
import sys

from protoskit import ROOT

DOCS = ROOT / "docs" / "api"


def test_docs_api_matches_the_protos(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-api-docs.py"), "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name))
    assert not stale, (f"docs/api is out of date with protos/ ({', '.join(stale)}): "
                       "run `make api-docs` and commit the result")


def test_every_service_has_its_page():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for proto in sorted((ROOT / "protos" / "mes").glob("*/v1/*.proto")):
        page = DOCS / f"{proto.parent.parent.name}.md"
        assert page.exists() and f"]({page.name})" in index, f"{proto} has no page in docs/api"
