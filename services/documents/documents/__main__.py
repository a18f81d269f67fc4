from meskit.runner import main

from documents.config import DocumentsSettings
from documents.wiring import VERSIONS_DIR, build

main(DocumentsSettings, build, VERSIONS_DIR)
