"""Per-point display colours and visibility, as plain numpy (tested without a window).

Everything here works on the points actually drawn (the display subset), so recolouring
costs the same at any cloud size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.classes import PALETTE, UNLABELED_COLOR, LabelClass
from core.cloud import ASPRS_CLASSES, FIELD_UNITS, UNLABELED, PointCloud

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


# -- colouring by a point field of the file (return number, classification, gps_time...) ----
#: "Colour by" keys of the point fields: "field:" + the field's name.
FIELD_PREFIX = "field:"
#: An integer field with at most this many distinct values is shown class by class.
MAX_CATEGORIES = 16
_BINCOUNT_SPAN = 1 << 16
#: Colours of the ASPRS classes, as LiDAR viewers show them (ground brown, vegetation green,
#: buildings red, water blue), all distinct; user classes (19+) take the palette.
ASPRS_COLORS = {
    0: (200, 200, 200),
    1: (150, 150, 150),
    2: (166, 118, 60),
    3: (152, 223, 138),
    4: (44, 160, 44),
    5: (20, 100, 20),
    6: (214, 39, 40),
    7: (227, 119, 194),
    8: (23, 190, 207),
    9: (31, 119, 180),
    10: (140, 86, 75),
    11: (90, 90, 90),
    12: (188, 189, 34),
    13: (255, 127, 14),
    14: (255, 187, 120),
    15: (148, 103, 189),
    16: (197, 176, 213),
    17: (255, 221, 0),
    18: (247, 182, 210),
}


def field_key(name: str) -> str:
    """The 'Colour by' key of point field `name`."""
    return FIELD_PREFIX + name


def field_name(color_by: str) -> str | None:
    """The point field a 'Colour by' key names, or None for rgb, height, labels..."""
    return color_by[len(FIELD_PREFIX) :] if color_by.startswith(FIELD_PREFIX) else None


@dataclass(frozen=True)
class FieldSummary:
    """What colouring needs to know of one field over a whole cloud.

    `ids` (K,) and `counts` (K,) are the distinct values and their point counts when the
    field is categorical (classification, or an integer field with few values); else None.
    """

    ids: np.ndarray | None
    counts: np.ndarray | None


_summaries: dict[int, tuple[np.ndarray, FieldSummary]] = {}


def field_summary(name: str, values: np.ndarray) -> FieldSummary:
    """Categorical or not, and the counts per value; cached per array (a cloud's field
    is summed up once, not at every repaint)."""
    hit = _summaries.get(id(values))
    if hit is not None and hit[0] is values:
        return hit[1]
    summary = FieldSummary(None, None)
    if values.dtype.kind in "iub" and len(values):
        low, high = int(values.min()), int(values.max())
        # A wide range (gps ticks in an int32 extra byte) is tried on a subset first:
        # sorting 20M values on the UI thread would take seconds.
        few = high - low < _BINCOUNT_SPAN or name == "classification"
        few = few or len(np.unique(values[:: max(len(values) // 100_000, 1)])) <= MAX_CATEGORIES
        if few:
            ids, counts = _distinct(values, low, high)
            if name == "classification" or len(ids) <= MAX_CATEGORIES:
                summary = FieldSummary(ids, counts)
    if len(_summaries) > 8:
        _summaries.clear()
    _summaries[id(values)] = (values, summary)
    return summary


def _distinct(values: np.ndarray, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and their counts: a bincount when the range is small (one pass, no
    sort), else numpy's unique."""
    if high - low < _BINCOUNT_SPAN:
        counts = np.zeros(high - low + 1, np.int64)
        for start in range(0, len(values), 1 << 20):  # chunks: no N int64 copy at once
            part = values[start : start + (1 << 20)].astype(np.int64) - low
            counts += np.bincount(part, minlength=len(counts))
        ids = np.flatnonzero(counts)
        return ids + low, counts[ids]
    return np.unique(values, return_counts=True)


def category_color_table(name: str, ids: np.ndarray) -> np.ndarray:
    """Colour per value (K, 3) uint8: fixed by the value itself, so the full cloud and its
    sample agree even when the sample lacks a rare value."""
    palette = np.array(PALETTE, dtype=np.uint8)
    table = palette[np.asarray(ids, dtype=np.int64) % len(palette)]
    if name == "classification":
        for row, value in enumerate(ids):
            table[row] = ASPRS_COLORS.get(int(value), tuple(table[row]))
    return table


def value_name(name: str, value: int) -> str:
    """How one value of a field reads: ``2 ground`` for a classification, ``3`` else."""
    if name == "classification":
        return f"{value} {ASPRS_CLASSES.get(value, 'user class')}"
    return str(value)


def field_colors(
    cloud: PointCloud, rows: np.ndarray | None, color_by: str
) -> tuple[np.ndarray, tuple[float, float] | None]:
    """Colours (M, 3) uint8 of the drawn `rows` (None: all) by the field `color_by` names,
    and the colour bar range for a continuous field (None when categorical).

    A cloud without the field (e.g. a voxel-mean sample: a mean return number means
    nothing) is drawn in the neutral grey.
    """
    name = field_name(color_by) or ""
    values = cloud.point_fields.get(name)
    if values is None:
        count = len(cloud) if rows is None else len(rows)
        return np.tile(np.array(UNLABELED_COLOR, np.uint8), (count, 1)), None
    drawn = values if rows is None else values[rows]
    summary = field_summary(name, values)
    if summary.ids is not None:
        table = category_color_table(name, summary.ids)
        return table[np.searchsorted(summary.ids, drawn)], None
    shown = robust_range(drawn.astype(np.float64))
    return scalar_colors(drawn, *shown), shown


def field_legend(
    cloud: PointCloud, color_by: str, rows: np.ndarray | None = None
) -> list[LabelClass] | None:
    """Legend rows of a categorical field: value name, colour and point count (``2 ground:
    61,443``) over the whole cloud or only `rows` (a tile; values absent there left out),
    in value order; None for a continuous field or a cloud without it (side by side, the
    other cloud's legend is then the one shown)."""
    name = field_name(color_by) or ""
    values = cloud.point_fields.get(name)
    if values is None:
        return None
    summary = field_summary(name, values)
    if summary.ids is None or summary.counts is None:
        return None
    ids, counts = summary.ids, summary.counts
    if rows is not None:
        counts = np.zeros(len(ids), np.int64)
        if len(rows):
            part = values[rows]
            present, in_rows = _distinct(part, int(part.min()), int(part.max()))
            counts[np.searchsorted(ids, present)] = in_rows
        ids, counts = ids[counts > 0], counts[counts > 0]
    table = category_color_table(name, ids)
    return [
        LabelClass(int(v), f"{value_name(name, int(v))}: {int(c):,}", (int(r), int(g), int(b)))
        for v, c, (r, g, b) in zip(ids, counts, table, strict=True)
    ]


def bar_text(kind: str) -> tuple[str, str] | None:
    """Colour bar title and number format for a continuous field's key, e.g.
    ``("gps_time (s)", "%.6g")``; None for keys that are not fields."""
    name = field_name(kind)
    if name is None:
        return None
    unit = FIELD_UNITS.get(name)
    return (f"{name} ({unit})" if unit else name), "%.6g"
