from meskit.runner import main

from profile.config import ProfileSettings
from profile.wiring import VERSIONS_DIR, build

main(ProfileSettings, build, VERSIONS_DIR)
