"""DenseLabel core: a small Qt-free numerical library and the command line.

Functions over numpy arrays and a few dataclasses. Nothing here imports Qt or VTK,
so the GUI, the command line and the tests share the same code.
"""

from typing import Any

__all__ = ["UNLABELED", "Cancelled", "InputError", "PointCloud"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Loaded on first use: importing core (and so starting the command line) must not
    # wait for numpy before Ctrl-C is handled (core/cli/startup.py).
    if name in ("UNLABELED", "PointCloud"):
        from core import cloud

        return getattr(cloud, name)
    if name in ("Cancelled", "InputError"):
        from core import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'core' has no attribute {name!r}")
