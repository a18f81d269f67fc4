from meskit.runner import main

from notifications.config import NotificationsSettings
from notifications.wiring import VERSIONS_DIR, build

main(NotificationsSettings, build, VERSIONS_DIR)
