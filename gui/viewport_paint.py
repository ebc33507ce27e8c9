"""What a layer draws: its points, colours and caption, from the session state (no VTK)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.classes import LabelClass
from core.cloud import PointCloud
from core.rotate import rotation_matrix
from gui import coloring
from gui.lod import describe_decimation, display_index, human_count
from gui.session import DisplaySettings, Rotation

#: A display tile: (min corner, max corner) in view coordinates.
Tile = tuple[tuple[float, float, float], tuple[float, float, float]]


@dataclass
class LayerSource:
    """A cloud, the rows of it that are drawn (None = all) and its labels.

    Attributes
    ----------
    cloud : PointCloud
    rows : (M,) int or None
        Rows drawn, in drawing order.
    labels : (N,) int or None
        Class per cloud point, for colouring by class.
    truth : (N,) int or None
        Known class per cloud point, for colouring the errors.
    title : str
        Caption in the corner of the view.
    """

    cloud: PointCloud
    rows: np.ndarray | None
    labels: np.ndarray | None = None
    truth: np.ndarray | None = None
    title: str = "full"
    uncertainty: np.ndarray | None = None  # (N,) float32, for colouring by uncertainty

    def pick(self, array: np.ndarray | None) -> np.ndarray | None:
        if array is None or self.rows is None:
            return array
        return array[self.rows]

    def drawn_xyz(self) -> np.ndarray:
        xyz = self.pick(self.cloud.xyz)
        assert xyz is not None
        return xyz

    def n_drawn(self) -> int:
        return len(self.cloud) if self.rows is None else len(self.rows)


def rotation_4x4(cloud: PointCloud, rotation: Rotation) -> np.ndarray:
    """The actor transform showing `cloud` rotated as `core.rotate.rotate` would rotate it."""
    matrix = np.eye(4)
    r = rotation_matrix(rotation.z, rotation.y, rotation.x)
    matrix[:3, :3] = r
    if rotation.about == "centroid" and len(cloud):
        centre = _centroid(cloud)
        matrix[:3, 3] = centre - r @ centre
    return matrix


def view_centre(cloud: PointCloud, rotation: Rotation) -> np.ndarray:
    """Where the cloud's centroid is shown after `rotation`: (3,) float64."""
    matrix = rotation_4x4(cloud, rotation)
    return matrix[:3, :3] @ _centroid(cloud) + matrix[:3, 3]


_centroids: dict[int, tuple[PointCloud, np.ndarray]] = {}


def _centroid(cloud: PointCloud) -> np.ndarray:
    # Cached per cloud: the mean of 20M points costs ~50 ms, too much per slider step.
    hit = _centroids.get(id(cloud))
    if hit is None or hit[0] is not cloud:
        _centroids.clear()
        hit = (cloud, cloud.xyz.mean(axis=0))
        _centroids[id(cloud)] = hit
    return hit[1]


def layer_colors(
    source: LayerSource,
    display: DisplaySettings,
    classes: list[LabelClass],
    rotation: Rotation | None,
) -> tuple[np.ndarray, np.ndarray | None, tuple[float, float] | None]:
    """Colours (M, 3) uint8 and visibility (M,) bool or None for the drawn points.

    Also returns the height range when colouring by height, or the uncertainty range when
    colouring by uncertainty (for the colour legend).
    `rotation` is the view rotation applied to this layer (height is measured after it).
    """
    cloud = source.cloud
    labels = source.pick(source.labels)
    truth = source.pick(source.truth)
    color_by = coloring.fallback_color_by(
        display.color_by, cloud.rgb is not None, cloud.intensity is not None, labels is not None
    )
    rgb = source.pick(cloud.rgb)
    visible = None
    height_range = None
    if color_by == "rgb" and rgb is not None:
        colors = rgb
    elif color_by == "intensity" and cloud.intensity is not None:
        values = source.pick(cloud.intensity)
        assert values is not None
        colors = coloring.scalar_colors(values, *coloring.robust_range(values))
    elif color_by == "labels" and labels is not None:
        colors = coloring.label_colors(labels, classes, rgb, display.blend)
        visible = coloring.visible_mask(labels, display.hidden_classes, display.show_unlabeled)
    elif color_by == "errors" and labels is not None and truth is not None:
        colors = coloring.error_colors(labels, truth)
    elif color_by == "uncertainty" and source.uncertainty is not None:
        values = source.pick(source.uncertainty)
        assert values is not None
        colors = coloring.uncertainty_colors(values)
        height_range = coloring.UNCERTAINTY_RANGE
    elif coloring.field_name(color_by) is not None:  # a field of the file (gui/coloring.py)
        colors, height_range = coloring.field_colors(cloud, source.rows, color_by)
    elif color_by in ("errors", "uncertainty") and labels is not None:
        # Errors are counted on the full cloud's known labels; the sample shows its labels.
        colors = coloring.label_colors(labels, classes, rgb, display.blend)
        visible = coloring.visible_mask(labels, display.hidden_classes, display.show_unlabeled)
    else:
        height = _height(source.drawn_xyz(), rotation)
        height_range = coloring.robust_range(height)
        colors = coloring.scalar_colors(height, *height_range)
    return colors, visible, height_range


def _height(xyz: np.ndarray, rotation: Rotation | None) -> np.ndarray:
    if rotation is None or rotation.is_identity():
        return xyz[:, 2]
    # Only z after rotation is needed: one row of the matrix, not a full rotate.
    return xyz @ rotation_matrix(rotation.z, rotation.y, rotation.x)[2]


def layer_text(source: LayerSource, color_by: str = "rgb") -> str:
    """Caption: title, point count, whether the view is decimated, and the colouring used
    when the cloud lacks the field asked for (e.g. RGB asked, intensity shown)."""
    n = len(source.cloud)
    # The title on a line of its own: side by side, half the window is narrow.
    # "preview (voxel-mean, 5 cm)" -> "preview" and "voxel-mean, 5 cm" on the next line.
    title, _, detail = source.title.partition(" (")
    lines = [title, detail.rstrip(")")] if detail else [title]
    lines.append(f"{human_count(n)} points")
    cloud = source.cloud
    used = coloring.fallback_color_by(
        color_by, cloud.rgb is not None, cloud.intensity is not None, source.labels is not None
    )
    if used == "errors" and source.truth is None:
        lines.append("coloured by labels (errors: on the full cloud)")
    elif used != color_by:
        lines.append(f"no {color_by}, coloured by {used}")
    decimated = describe_decimation(source.n_drawn(), n)
    return "\n".join([*lines, decimated] if decimated else lines)


def rows_in_tile(
    cloud: PointCloud,
    rotation: Rotation,
    tile: Tile,
    budget: int,
) -> np.ndarray:
    """Rows of `cloud` inside `tile` (min corner, max corner in view coordinates, i.e. after
    `rotation`), at most `budget` of them: (M,) int64."""
    from core.rotate import rotate

    xyz = cloud.xyz
    if not rotation.is_identity():
        xyz = rotate(xyz, rotation.z, rotation.y, rotation.x, about=rotation.about)
    lo, hi = np.asarray(tile[0]), np.asarray(tile[1])
    rows = np.flatnonzero(np.all((xyz >= lo) & (xyz <= hi), axis=1))
    if len(rows) > budget:
        picked = display_index(len(rows), budget)
        rows = rows if picked is None else rows[picked]
    return rows


def robust_bounds(xyz: np.ndarray, matrix: np.ndarray) -> tuple[float, ...] | None:
    """VTK-style bounds (x0, x1, y0, y1, z0, z1) of at most 50k of the points after the 4x4
    `matrix`, without stray outliers (0.2 and 99.8 percentiles); None for no points."""
    xyz = xyz[:: max(len(xyz) // 50_000, 1)]
    if len(xyz) == 0:
        return None
    xyz = xyz @ matrix[:3, :3].T + matrix[:3, 3]
    lo, hi = np.percentile(xyz, [0.2, 99.8], axis=0)
    return (lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])


class TileRows:
    """The full-cloud rows shown inside the display tile, found again only when needed.

    Finding them scans every point (0.13 s for 5M points, 0.6 s when rotated, measured),
    too slow to repeat on the UI thread for each colour, tick or point-size change; they
    depend only on the cloud, rotation, tile and budget.
    """

    def __init__(self) -> None:
        self.rows: np.ndarray | None = None  # (M,) int64, or None without a tile
        self._key: tuple | None = None  # (cloud, rotation, tile, budget) of `rows`

    def clear(self) -> None:
        self.rows = self._key = None

    def is_stale(
        self, cloud: PointCloud | None, rotation: Rotation, tile: Tile | None, budget: int
    ) -> bool:
        """True when `rows` do not belong to these inputs (a tile set, cleared or moved)."""
        if cloud is None or tile is None:
            return self._key is not None
        key = self._key
        # The cloud by identity (a reload of the same size is another cloud), the rest by value.
        return key is None or key[0] is not cloud or key[1:] != (rotation, tile, budget)

    def get(self, cloud: PointCloud, rotation: Rotation, tile: Tile, budget: int) -> np.ndarray:
        """The rows for these inputs, from the last search when it was for the same ones."""
        if self.rows is None or self.is_stale(cloud, rotation, tile, budget):
            self.rows = rows_in_tile(cloud, rotation, tile, budget)
            self._key = (cloud, replace(rotation), tile, budget)  # a copy: Rotation is mutable
        return self.rows
