"""``python -m lg_router.cli``."""

import sys

from lg_router.cli.commands import main

sys.exit(main())
