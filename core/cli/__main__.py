"""``python -m core.cli``: the same as the ``denselabel`` command."""

import sys

from core.cli import main

# Guarded so importing every core module (tests/test_core_has_no_qt.py) runs nothing.
if __name__ == "__main__":
    sys.exit(main())
