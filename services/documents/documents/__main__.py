import sys

from meskit.runner import main

from documents.config import DocumentsSettings
from documents.wiring import VERSIONS_DIR, build

if sys.argv[1:2] == ["check-objects"]:      # operators: rows against the object store
    from documents.check_objects import main as check_objects
    check_objects(sys.argv[2:])
else:
    main(DocumentsSettings, build, VERSIONS_DIR)
