"""The downsample panel's link to the scan's scale: the voxel range, the first settings of a
new scan (remembered ones, else derived from its point spacing), and "target point count".

Kept apart from the panel's widgets so the panel stays about controls; nothing here
draws or computes on the UI thread beyond a dictionary.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from core.methods import METHODS, VOXEL_METHODS
from core.progress import CancelFn
from core.spacing import ScanScale, voxel_size_for_count
from gui.preview import rotate_points
from gui.session import DownsampleSettings, Rotation

#: Ground Truth's recommended size of a labeling job (points); smaller clouds keep theirs.
RECOMMENDED_TARGET = 500_000
#: Before a cloud's scale is known (nothing loaded yet), the range the slider offers (m).
FALLBACK_RANGE = (0.002, 0.5)
BY_SIZE, BY_COUNT = "size", "count"


def default_target(n_points: int) -> int:
    return min(RECOMMENDED_TARGET, n_points)


def first_settings(
    current: DownsampleSettings,
    scale: ScanScale,
    n_points: int,
    remembered: dict[str, Any] | None,
) -> tuple[DownsampleSettings, str]:
    """The settings a new scan opens with, and whether voxels are chosen by size or count.

    The scan's remembered choice when there is one (clamped to its range), else the
    current method with a voxel edge from the scan's point spacing and the recommended
    target count.
    """
    lo, hi = scale.voxel_range()
    settings = replace(current, voxel_size=scale.default_voxel(), target=default_target(n_points))
    by = BY_SIZE
    if remembered:
        method = str(remembered.get("method", settings.method))
        settings = replace(
            settings,
            method=method if method in METHODS else settings.method,
            voxel_size=min(max(_number(remembered, "voxel_size", settings.voxel_size), lo), hi),
            target=int(min(max(_number(remembered, "target", settings.target), 1), n_points)),
        )
        by = BY_COUNT if remembered.get("voxel_by") == BY_COUNT else BY_SIZE
    return settings, by


def to_remember(settings: DownsampleSettings, by: str) -> dict[str, Any]:
    return {
        "method": settings.method,
        "voxel_size": settings.voxel_size,
        "target": settings.target,
        "voxel_by": by,
    }


def search_voxel_size(
    subset: np.ndarray,
    rotation: Rotation,
    target: int,
    n_points: int,
    bounds: tuple[float, float],
    cancel: CancelFn | None = None,
) -> float:
    """The voxel edge giving about `target` points of the rotated cloud (worker thread)."""
    return voxel_size_for_count(rotate_points(subset, rotation), target, n_points, bounds, cancel)


def chooses_by_count(settings: DownsampleSettings, by: str) -> bool:
    return by == BY_COUNT and settings.method in VOXEL_METHODS


def _number(values: dict[str, Any], key: str, default: float) -> float:
    try:
        return float(values.get(key, default))
    except (TypeError, ValueError):
        return default
