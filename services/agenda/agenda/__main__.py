from meskit.runner import main

from agenda.config import AgendaSettings
from agenda.wiring import VERSIONS_DIR, build

main(AgendaSettings, build, VERSIONS_DIR)
