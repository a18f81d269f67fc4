import sys

from meskit.runner import main

from audit.config import AuditSettings
from audit.wiring import VERSIONS_DIR, build

if sys.argv[1:2] == ["verify"]:       # audit's own command, besides the kit's serve and migrate
    from audit.verify import main as verify
    verify(sys.argv[2:])
elif sys.argv[1:2] == ["verify-export"]:     # offline check of an export's activity history
    from audit.verify_export import main as verify_export
    verify_export(sys.argv[2:])
else:
    main(AuditSettings, build, VERSIONS_DIR)
