from meskit.runner import main

from exports.config import ExportsSettings
from exports.wiring import VERSIONS_DIR, build

main(ExportsSettings, build, VERSIONS_DIR)
