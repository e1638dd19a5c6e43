"""``python -m lg_router.cli``."""

from lg_router.cli.commands import exit_with, main

exit_with(main())
