"""``python -m curvedoc``: the same as the ``curvedoc`` command."""

import sys

from curvedoc.cli import main

sys.exit(main())
