"""Labels of the full cloud with where each came from: carried back, or set by hand.

The origin codes are the project file's ``label_origin`` (uint8): 0 none, 1 carried back,
2 hand-set. Carrying back again never overwrites a hand-set point unless asked, so a
correction made on the full cloud survives a new sample labeling or another method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.cloud import UNLABELED
from core.progress import CancelFn, ProgressFn, chunked

NONE, CARRIED, HAND_SET = 0, 1, 2
ORIGIN_NAMES = {NONE: "none", CARRIED: "carried back", HAND_SET: "hand-set"}
_CHUNK = 4_000_000


@dataclass
class LabelLayers:
    """The full cloud's labels and their origin.

    Attributes
    ----------
    labels : (N,) uint8 or uint16
        `UNLABELED` (255) where no label is known.
    origin : (N,) uint8
        NONE, CARRIED or HAND_SET per point.
    """

    labels: np.ndarray
    origin: np.ndarray

    @classmethod
    def empty(cls, n_points: int, dtype: type = np.uint8) -> LabelLayers:
        return cls(np.full(n_points, UNLABELED, dtype), np.zeros(n_points, np.uint8))

    @classmethod
    def from_carried(cls, labels: np.ndarray) -> LabelLayers:
        """Layers whose every labeled point was carried back."""
        labels = np.array(labels, copy=True)
        origin = np.where(labels != UNLABELED, CARRIED, NONE).astype(np.uint8)
        return cls(labels, origin)


@numba.njit(parallel=True, cache=True, nogil=True)
def _carry(labels, origin, carried, overwrite, changed):  # pragma: no cover - compiled
    for i in numba.prange(labels.shape[0]):
        changed[i] = False
        if origin[i] == HAND_SET and not overwrite:
            continue
        new_origin = NONE if carried[i] == UNLABELED else CARRIED
        if labels[i] != carried[i] or origin[i] != new_origin:
            labels[i] = carried[i]
            origin[i] = new_origin
            changed[i] = True


def carry_into(
    layers: LabelLayers,
    carried: np.ndarray,
    *,
    overwrite_hand_set: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """Put newly carried-back labels into `layers`, keeping hand-set points.

    Parameters
    ----------
    carried : (N,) same dtype as ``layers.labels``
        From `core.carry_back.carry_back` (or any transfer).
    overwrite_hand_set : bool
        Let the carried labels replace hand-set points too.

    Returns
    -------
    (K,) int64
        The points that changed (label or origin), for redrawing only those.
    """
    carried = np.asarray(carried, layers.labels.dtype)
    if carried.shape != layers.labels.shape:
        raise ValueError(f"carried labels have shape {carried.shape}, need {layers.labels.shape}")
    changed = np.empty(len(carried), np.bool_)
    for part in chunked(len(carried), _CHUNK, progress, cancel, "keeping hand-set points"):
        _carry(
            layers.labels[part],
            layers.origin[part],
            carried[part],
            bool(overwrite_hand_set),
            changed[part],
        )
    return np.flatnonzero(changed)


def class_counts(labels: np.ndarray, mask: np.ndarray | None = None) -> dict[int, int]:
    """Points per class id (UNLABELED included when present), optionally within `mask`."""
    values = labels if mask is None else labels[mask]
    counts = np.bincount(values, minlength=1)
    return {int(c): int(counts[c]) for c in np.flatnonzero(counts)}


def hand_set_counts(layers: LabelLayers) -> dict[int, int]:
    """Hand-set points per class, for the legend."""
    return class_counts(layers.labels, layers.origin == HAND_SET)


@dataclass(frozen=True)
class Progress:
    """The panel's progress figures: share of points still unlabeled and hand-corrected."""

    n_points: int
    per_class: dict[int, int]
    unlabeled_share: float
    hand_set_share: float


def labeling_progress(layers: LabelLayers) -> Progress:
    n = max(len(layers.labels), 1)
    per_class = class_counts(layers.labels)
    unlabeled = per_class.pop(UNLABELED, 0)
    hand = int(np.count_nonzero(layers.origin == HAND_SET))
    return Progress(len(layers.labels), per_class, unlabeled / n, hand / n)
