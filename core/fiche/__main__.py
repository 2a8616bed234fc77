"""``python -m core.fiche``: see ``core.fiche.cli``."""

import sys

from core.fiche.cli import main

sys.exit(main())
