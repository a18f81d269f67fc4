"""The import path of every test run: the kit, the generated code and each service of services/
(the folders are the list; devtools.services reads them)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "lib"), str(ROOT)]

from devtools.services import source_paths  # noqa: E402  (needs the two paths above)

sys.path[:0] = [str(p) for p in source_paths() if str(p) not in sys.path]
