from meskit.runner import main

from identity.config import IdentitySettings
from identity.wiring import VERSIONS_DIR, build

main(IdentitySettings, build, VERSIONS_DIR)
