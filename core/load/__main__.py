"""``python -m core.load``: see ``core.load.cli``."""

import sys

from core.load.cli import main

sys.exit(main())
