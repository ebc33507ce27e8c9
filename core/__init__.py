"""DenseLabel core: a small Qt-free numerical library and the command line.

Functions over numpy arrays and a few dataclasses. Nothing here imports Qt or VTK,
so the GUI, the command line and the tests share the same code.
"""

from core.cloud import UNLABELED, PointCloud
from core.errors import Cancelled, InputError

__all__ = ["UNLABELED", "Cancelled", "InputError", "PointCloud"]
__version__ = "0.1.0"
