"""What File > Open and the sample scene compute, as plain functions run on a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.classes import LabelClass, classes_for, read_classes
from core.cloud import UNLABELED, PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn

SAMPLE_SCENE_POINTS = 1_000_000


@dataclass
class Loaded:
    """A cloud and the class list that goes with its labels (empty when it has none)."""

    cloud: PointCloud
    classes: list[LabelClass]
    path: str | None


def sidecar_classes(path: Path) -> list[LabelClass] | None:
    """The class list saved beside a scan (``scan.classes.txt`` or ``.json``), if any."""
    for suffix in (".classes.txt", ".classes.json"):
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file():
            try:
                return read_classes(candidate)
            except InputError:
                return None  # a broken sidecar must not stop the scan from opening
    return None


def load_cloud(
    path: str | Path, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> Loaded:
    """Read a scan and the classes of its labels (from a sidecar class list when present)."""
    from core.io import read_cloud

    path = Path(path)
    if not path.is_file():
        raise InputError("the file does not exist; check the path.", path)
    cloud = read_cloud(path, progress=progress, cancel=cancel)
    if len(cloud) == 0:
        raise InputError("the file holds no points; pick another file.", path)
    classes: list[LabelClass] = []
    known = sidecar_classes(path)
    if cloud.labels is not None:
        present = [int(v) for v in np.unique(cloud.labels) if v != UNLABELED]
        classes = classes_for(present, known)
    elif known:
        classes = known
    return Loaded(cloud, classes, str(path))


def make_sample_scene(
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    n_points: int = SAMPLE_SCENE_POINTS,
) -> Loaded:
    """The bundled synthetic room (floor, walls, furniture, plants) with its labels."""
    from core.progress import report
    from core.scene import SCENE_CLASSES, make_scene

    report(progress, 0.0, "Generating the sample scene")
    cloud = make_scene(n_points)
    report(progress, 1.0, "Generating the sample scene")
    return Loaded(cloud, list(SCENE_CLASSES), None)
