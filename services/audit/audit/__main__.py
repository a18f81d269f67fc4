import sys

from meskit.runner import main

from audit.config import AuditSettings
from audit.wiring import VERSIONS_DIR, build

if sys.argv[1:2] == ["verify"]:       # audit's own command, besides the kit's serve and migrate
    from audit.verify import main as verify
    verify(sys.argv[2:])
else:
    main(AuditSettings, build, VERSIONS_DIR)
