from meskit.config import CommonSettings
from meskit.runner import main

from audit.wiring import VERSIONS_DIR, build

main(CommonSettings, build, VERSIONS_DIR)
