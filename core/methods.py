"""The downsampling method names, in a module light enough for ``denselabel --help``.

`core.downsample` loads scipy and numba; the CLI and the GUI only need the names, and
importing them from there made every command start 7x slower.
"""

from __future__ import annotations

METHODS = ("voxel-mean", "voxel-nearest", "stride", "random")
#: The methods that take a voxel size; the others take a target point count.
VOXEL_METHODS = ("voxel-mean", "voxel-nearest")


def describe_settings(method: str, voxel_size: float, target: int, sep: str = ", ") -> str:
    """A short title for a downsample setting, e.g. ``"voxel-mean, 5 cm"``.

    Parameters
    ----------
    method : str
        One of `METHODS`.
    voxel_size : float
        Voxel edge in metres (shown in cm) for the voxel methods.
    target : int
        Point count, shown for stride and random.
    sep : str
        Between the method and its size (the viewport's titles use a space).
    """
    if method in VOXEL_METHODS:
        return f"{method}{sep}{voxel_size * 100:g} cm"
    return f"{method}{sep}{target:,}"
