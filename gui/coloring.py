"""Per-point display colours and visibility, as plain numpy (tested without a window).

Everything here works on the points actually drawn (the display subset), so recolouring
costs the same at any cloud size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.classes import PALETTE, UNLABELED_COLOR, LabelClass
from core.cloud import UNLABELED

COLOR_BY = ("rgb", "height", "intensity", "labels", "errors", "uncertainty")
ERROR_COLOR = (228, 26, 28)
CORRECT_COLOR = (70, 70, 70)
_HEIGHT_CMAP = "viridis"
#: Colour bar range of member mixing: 0 all members agree, 0.5 an even split of two classes
#: (more classes can go higher; those are shown as 0.5).
UNCERTAINTY_RANGE = (0.0, 0.5)


def colormap_table(name: str = _HEIGHT_CMAP, n: int = 256) -> np.ndarray:
    """A colour map sampled at `n` steps: (n, 3) uint8."""
    from matplotlib import colormaps  # matplotlib comes with pyvista; imported late (slow)

    table = colormaps[name](np.linspace(0.0, 1.0, n))[:, :3]
    return np.round(table * 255).astype(np.uint8)


def scalar_colors(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map values onto the height colour map: (M,) float -> (M, 3) uint8."""
    table = colormap_table()
    span = hi - lo if hi > lo else 1.0
    index = np.clip((values - lo) * ((len(table) - 1) / span), 0, len(table) - 1)
    return table[index.astype(np.intp)]


def uncertainty_colors(values: np.ndarray) -> np.ndarray:
    """Member mixing (M,) float on the colour map over `UNCERTAINTY_RANGE`: (M, 3) uint8."""
    return scalar_colors(values, *UNCERTAINTY_RANGE)


def robust_range(values: np.ndarray) -> tuple[float, float]:
    """The 1st and 99th percentiles, so a few outliers do not flatten the colours."""
    if len(values) == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(values, [1.0, 99.0])
    return float(lo), float(hi) if hi > lo else float(lo) + 1.0


def class_lut(classes: Sequence[LabelClass], max_id: int = 65535) -> np.ndarray:
    """Colour per class id: (K, 3) uint8, unknown ids and UNLABELED in the neutral grey."""
    size = max([UNLABELED] + [c.id for c in classes if 0 <= c.id <= max_id]) + 1
    lut = np.empty((size, 3), dtype=np.uint8)
    lut[:] = UNLABELED_COLOR
    palette_fallback = np.array(PALETTE, dtype=np.uint8)
    # Ids seen without a class get a palette colour so they stay distinguishable.
    lut[:UNLABELED] = palette_fallback[np.arange(UNLABELED) % len(palette_fallback)]
    lut[UNLABELED] = UNLABELED_COLOR
    for c in classes:
        if 0 <= c.id < size:
            lut[c.id] = c.color
    return lut


def label_colors(
    labels: np.ndarray, classes: Sequence[LabelClass], rgb: np.ndarray | None, blend: float
) -> np.ndarray:
    """Class colours for labels (M,) int, optionally mixed with RGB (M, 3) uint8.

    `blend` = 0 gives class colours only, 1 gives RGB only.
    """
    lut = class_lut(classes)
    ids = np.minimum(labels.astype(np.intp), len(lut) - 1)
    colors = lut[ids]
    if rgb is not None and blend > 0:
        mixed = (1.0 - blend) * colors + blend * rgb.astype(np.float32)
        colors = np.clip(np.round(mixed), 0, 255).astype(np.uint8)
    return colors


def error_colors(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Red where predicted != truth (on points with a true label), dark grey elsewhere."""
    wrong = (predicted != truth) & (truth != UNLABELED)
    colors = np.empty((len(truth), 3), dtype=np.uint8)
    colors[:] = CORRECT_COLOR
    colors[wrong] = ERROR_COLOR
    return colors


def visible_mask(
    labels: np.ndarray | None, hidden_classes: frozenset[int], show_unlabeled: bool
) -> np.ndarray | None:
    """Which points to draw when colouring by class; None means all."""
    if labels is None or (not hidden_classes and show_unlabeled):
        return None
    hidden = list(hidden_classes) + ([] if show_unlabeled else [UNLABELED])
    return ~np.isin(labels, np.asarray(hidden, dtype=labels.dtype))


def fallback_color_by(color_by: str, has_rgb: bool, has_intensity: bool, has_labels: bool) -> str:
    """What to colour by when the cloud lacks the chosen field (rgb -> intensity -> height)."""
    if color_by == "rgb" and not has_rgb:
        return "intensity" if has_intensity else "height"
    if color_by == "intensity" and not has_intensity:
        return "height"
    if color_by in ("labels", "errors", "uncertainty") and not has_labels:
        return "rgb" if has_rgb else "height"
    return color_by
