"""A sample too big for one Ground Truth frame, split into several, and the labels stitched.

AWS recommends at most 500,000 points a frame (frames over 1M may not render). A sample
larger than the limit becomes spatial tiles: the cloud is cut across its longest side
into as many slabs of equal counts as the limit asks for (only two when the slabs would
be more than three times longer than wide), again and again until every tile, with a
small overlap of the tiles around it, holds at most the limit. Each frame is one line of
the manifest; a labeler working near a frame edge sees a little of the next one.
Fetching stitches the labels of all frames back into sample order: a point seen by
several frames takes the label of the frame whose tile centre is nearest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.cloud import UNLABELED
from core.errors import InputError
from core.progress import CancelFn, check_cancel

#: AWS's recommended maximum of points a frame.
DEFAULT_FRAME_POINTS = 500_000


@dataclass
class Frame:
    """One frame of a multi-frame job.

    Attributes
    ----------
    rows : (m,) int64
        Sample rows shown in this frame (its tile and the overlap), ascending.
    lo, hi : (3,) float64
        The tile's own box (without the overlap).
    centre : (3,) float64
        Centre of the tile's box: where overlapping frames are told apart.
    """

    rows: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def centre(self) -> np.ndarray:
        return (self.lo + self.hi) / 2


def split_frames(
    xyz: np.ndarray,
    max_points: int = DEFAULT_FRAME_POINTS,
    overlap: float = 0.0,
    cancel: CancelFn | None = None,
) -> list[Frame]:
    """Tiles of the sample with at most `max_points` points each, overlap included.

    Parameters
    ----------
    xyz : (M, 3) float64
        The sample's points.
    max_points : int
        The most points a frame may hold.
    overlap : float
        Metres of neighbouring tiles each frame also shows.
    cancel : callable, optional
        Asked between tiles (a sample of millions takes a second or two).

    Returns
    -------
    list of Frame
        One frame when the sample fits; every row is in at least one frame.
    """
    xyz = np.asarray(xyz, np.float64)
    if max_points < 1 or overlap < 0:
        raise InputError("the frame limit must be at least 1 point and the overlap >= 0 m.")
    if len(xyz) == 0:
        raise InputError("the sample has no points; downsample a cloud with points first.")
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    everything = np.arange(len(xyz))
    # (own rows, box, rows the box and its overlap may show: the parent's shown rows)
    pending = [(everything, lo, hi, everything)]
    frames: list[Frame] = []
    while pending:
        check_cancel(cancel)
        rows, box_lo, box_hi, candidates = pending.pop()
        shown = _inside(xyz, candidates, box_lo - overlap, box_hi + overlap) if overlap else rows
        if len(shown) <= max_points or len(rows) <= 1:
            if len(shown) > max_points:
                raise InputError(
                    f"{len(shown):,} points lie within {overlap} m of one point; lower the "
                    "overlap or raise the frame limit."
                )
            frames.append(Frame(np.sort(shown), box_lo, box_hi))
            continue
        slabs = _slabs(xyz, rows, box_lo, box_hi, -(-len(shown) // max_points))
        pending.extend((*slab, shown) for slab in slabs)
    frames.sort(key=lambda f: tuple(f.centre))
    return frames


def _inside(xyz: np.ndarray, candidates: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The `candidates` (ascending rows) inside the box, still ascending.

    A tile's box with its overlap lies inside its parent's, so only the parent's shown
    rows are tested, one axis at a time: each level reads a fraction of the sample.
    """
    keep = candidates
    for axis in range(3):
        values = xyz[keep, axis]
        keep = keep[(values >= lo[axis]) & (values <= hi[axis])]
    return keep


#: Slabs are never cut more than this many times longer than wide (else halves instead).
_MOST_ELONGATED = 3.0


def _slabs(xyz, rows, lo, hi, wanted: int):
    """The rows and boxes of `wanted` slabs of equal counts across the longest side.

    Fewer frames means fewer tasks, so a sample needing 3 frames makes 3, not 4; but
    slabs thinner than a third of their length would show the labeler a sliver, so
    those are cut in two instead and each half is split again.
    """
    extent = hi - lo
    axis = int(np.argmax(extent))
    second = float(np.sort(extent)[-2])
    k = wanted if extent[axis] / wanted * _MOST_ELONGATED >= second else 2
    values = xyz[rows, axis]
    cuts = np.quantile(values, np.arange(1, k) / k)
    part = np.searchsorted(cuts, values, side="right")  # slab of each row: value >= its cut
    if np.count_nonzero(np.bincount(part, minlength=k)) < k:
        # many equal values left a slab empty: split the rows by rank instead
        part = np.empty(len(rows), np.int64)
        part[np.argsort(values, kind="stable")] = np.arange(len(rows)) * k // len(rows)
        cuts = np.array([values[part == j].min() for j in range(1, k)])
    edges = [lo[axis], *cuts, hi[axis]]
    out = []
    for j in range(k):
        slab_lo, slab_hi = lo.copy(), hi.copy()
        slab_lo[axis], slab_hi[axis] = edges[j], edges[j + 1]
        out.append((rows[part == j], slab_lo, slab_hi))
    return out


def nearest_frame(frames: list[Frame], xyz: np.ndarray) -> np.ndarray:
    """The frame (its position in `frames`) each sample point takes its label from.

    A point shown in several frames belongs to the frame whose tile centre is nearest;
    on a tie the earlier frame wins. A point no frame shows gets -1.

    Returns
    -------
    (M,) int32
    """
    xyz = np.asarray(xyz, np.float64)
    owner = np.full(len(xyz), -1, np.int32)
    best = np.full(len(xyz), np.inf)
    for number, frame in enumerate(frames):
        distance = np.linalg.norm(xyz[frame.rows] - frame.centre, axis=1)
        nearer = distance < best[frame.rows]
        rows = frame.rows[nearer]
        owner[rows] = number
        best[rows] = distance[nearer]
    return owner


def stitch_labels(
    frames: list[Frame], frame_labels: list[np.ndarray], xyz: np.ndarray
) -> np.ndarray:
    """Labels of the whole sample (M,) from each frame's labels (in its `rows` order).

    A point shown in several frames takes the label of the frame whose tile centre is
    nearest to it; a point no frame labeled stays `UNLABELED`.

    Raises
    ------
    InputError
        A frame's labels of the wrong length.
    """
    return stitch_by_owner(frames, frame_labels, nearest_frame(frames, xyz))


def stitch_by_owner(
    frames: list[Frame],
    frame_labels: Sequence[np.ndarray | None],
    owner: np.ndarray,
) -> np.ndarray:
    """`stitch_labels` with the owning frame of each point already known (`nearest_frame`).

    The job record keeps `owner` from the export, so fetching needs no coordinates. A
    frame whose labels are None (Ground Truth gave it none) leaves its points to the
    other frames showing them (the first in frame order), else unlabeled.
    """
    if len(frame_labels) != len(frames):
        raise InputError(
            f"got labels for {len(frame_labels)} frames but the job has {len(frames)}; "
            "fetch the labels of every frame."
        )
    given = [
        (number, frame, np.asarray(labels))
        for number, (frame, labels) in enumerate(zip(frames, frame_labels, strict=True))
        if labels is not None
    ]
    dtype = np.result_type(np.uint8, *[labels.dtype for _, _, labels in given])
    out = np.full(len(owner), UNLABELED, dtype=dtype)
    for number, frame, labels in given:
        if labels.shape != frame.rows.shape:
            raise InputError(
                f"frame {number + 1} has {len(labels):,} labels for its {len(frame.rows):,} "
                "points; fetch that frame's labels again."
            )
        mine = owner[frame.rows] == number
        out[frame.rows[mine]] = labels[mine]
    if len(given) < len(frames):
        orphan = ~np.isin(owner, [number for number, _, _ in given])
        for _, frame, labels in given:
            take = orphan[frame.rows]
            out[frame.rows[take]] = labels[take]
            orphan[frame.rows[take]] = False
    return out
