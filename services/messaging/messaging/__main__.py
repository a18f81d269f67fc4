from meskit.runner import main

from messaging.config import MessagingSettings
from messaging.wiring import VERSIONS_DIR, build

main(MessagingSettings, build, VERSIONS_DIR)
