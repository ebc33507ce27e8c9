"""A project made on a file too big to hold: what it keeps of the file, how it reopens.

The session's cloud is then a view of the file (gui/big_file.py). Reopening by reading the
source whole would need the memory the overview exists to spare (and would not match
the project's point count), so the project keeps how the view was read (the overview's
limit, the box) and where the streamed sample's index map is on disk; reopening reads the
same view again, chunk by chunk, and puts the streamed sample back on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from core.progress import CancelFn, ProgressFn, sub_progress
from core.stream.overview import FileView
from gui.big_file import WINDOW_CHUNK, BigFile
from gui.session import DownsampleSettings, Session

#: The key of `Project.extra` that holds the big file's description.
KEY = "big_file"


@dataclass
class Views:
    """The views of a big file read again for a project (worker thread)."""

    saved: dict[str, Any]
    overview: FileView
    shown: FileView

    @property
    def cloud(self):  # noqa: ANN201 - the PointCloud the session shows
        return self.shown.cloud


def describe(big: BigFile, streamed: bool) -> dict[str, Any]:
    """What a project keeps of `big`; `streamed`: the session's sample is the file's."""
    box = None
    if big.shown is not big.overview and len(big.shown.cloud):
        # The box of the points read, in the view's coordinates (the file's own offset,
        # the same at every read): the same points pass `lo <= p <= hi` again, exactly.
        xyz = big.shown.cloud.xyz
        box = [xyz.min(axis=0).tolist(), xyz.max(axis=0).tolist()]
    return {
        "path": big.path,
        "overview_limit": int(big.overview_limit),
        "n_file": int(big.overview.n_file),
        "box": box,
        "map_path": big.map_path if streamed else None,
    }


def read_views(
    saved: dict[str, Any],
    source: str,
    box_limit: int,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Views:
    """The overview (and the box, if one was shown) of `source`, as the project saw them."""
    from core.stream.overview import read_overview
    from core.stream.region import read_region

    try:
        limit = int(saved["overview_limit"])
        box = saved.get("box")
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"the project's big-file entry is damaged ({exc}); open the scan itself instead."
        ) from exc
    share = 0.5 if box else 1.0
    overview = read_overview(
        source, limit, chunk_points=WINDOW_CHUNK,
        progress=sub_progress(progress, 0.0, share), cancel=cancel,
    )  # fmt: skip
    if overview.n_file != saved.get("n_file", overview.n_file):
        raise InputError(
            f"the file now has {overview.n_file:,} points but the project was made on "
            f"{int(saved['n_file']):,}; locate the scan the project was made from.",
            source,
        )
    shown = overview
    if box:
        lo, hi = (np.asarray(corner, np.float64) for corner in box)
        shown = read_region(
            source, lo, hi, box_limit, chunk_points=WINDOW_CHUNK,
            progress=sub_progress(progress, share, 1.0), cancel=cancel,
        )  # fmt: skip
    return Views(dict(saved), overview, shown)


def big_file_of(views: Views, source: str) -> BigFile:
    limit = int(views.saved["overview_limit"])
    return BigFile(source, views.overview, views.shown, overview_limit=limit)


def attach_streamed_sample(session: Session, views: Views) -> str | None:
    """After the project's sample is back: make it the file's streamed sample again.

    Returns a sentence when the index map on disk is gone or no longer fits (the sample
    and its labels stay; only the export of the whole file needs the map).
    """
    from core.stream.upsample import open_index_map

    big, state = session.state.big_file, session.state
    map_path = views.saved.get("map_path")
    if not isinstance(big, BigFile) or not map_path or state.sample is None:
        return None
    try:
        index_map = open_index_map(map_path, big.overview.n_file)
    except InputError as exc:
        return (
            f"{Path(map_path).name}: {exc}; press Downsample whole file again before "
            "exporting the labeled file."
        )
    big.sample, big.index_map, big.map_path = state.sample, index_map, str(map_path)
    settings = state.sample_settings
    big.settings = settings if settings is not None else DownsampleSettings("voxel-mean")
    return None
