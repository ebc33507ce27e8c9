"""SessionState <-> Project: what the window saves in a project, and how it is put back.

`snapshot` runs on the UI thread and must stay fast (autosave may not stall the window):
big arrays that are replaced rather than changed in place (clouds, the index map) are
taken by reference; label arrays, which label editing may change in place, are copied
(one byte a point: milliseconds for 20M points).
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from core.cloud import PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn
from core.project import Project
from gui import big_file_project
from gui.big_file import BigFile
from gui.session import (
    DisplaySettings,
    DownsampleSettings,
    Rotation,
    Session,
    SessionState,
    TransferSettings,
)

T = TypeVar("T")


@dataclasses.dataclass
class Extras:
    """What a project holds that the session does not (yet): kept for the next save."""

    source_fingerprint: dict | None = None
    label_origin: np.ndarray | None = None
    labels_full_seen: np.ndarray | None = None  # the labels `label_origin` belongs to
    edit_history: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    groundtruth_job: dict | None = None
    extra: dict = dataclasses.field(default_factory=dict)


def snapshot(
    state: SessionState,
    extras: Extras,
    camera: dict | None,
    include_cloud: bool,
) -> Project:
    """The session as a `Project` (see the module note on copies)."""
    cloud = state.cloud
    extra = dict(extras.extra)
    extra.pop(big_file_project.KEY, None)
    if isinstance(state.big_file, BigFile):
        # A view of a file too big to hold: the project says how to read it again.
        streamed = state.big_file.sample is not None and state.sample is state.big_file.sample
        extra[big_file_project.KEY] = big_file_project.describe(state.big_file, streamed)
        include_cloud = False
    copy = lambda a: None if a is None else a.copy()  # noqa: E731
    origin = state.label_origin  # kept by painting (gui/labeling_state.py)
    if origin is None and state.labels_full is extras.labels_full_seen:
        origin = extras.label_origin
    # Reading the mapping flattens the edit logs into new arrays (not views of live ones).
    history = dict(state.edit_history or {}) or extras.edit_history
    return Project(
        source_path=state.path,
        source_fingerprint=extras.source_fingerprint,
        n_points=0 if cloud is None else len(cloud),
        rotation=asdict(state.rotation),
        downsample=asdict(state.downsample),
        sample=state.sample,
        index_map=state.index_map,
        sample_settings=None if state.sample_settings is None else asdict(state.sample_settings),
        sample_rotation=None if state.sample_rotation is None else asdict(state.sample_rotation),
        classes=list(state.classes),
        labels_sample=copy(state.labels_sample),
        labels_full=copy(state.labels_full),
        label_origin=copy(origin),
        edit_history=history,
        transfer=asdict(state.transfer),
        truth_full=state.truth_full,
        groundtruth_job=extras.groundtruth_job,
        camera=camera,
        display=_display_dict(state.display),
        # A generated scene has no file to go back to: it always travels in the project.
        cloud=cloud if cloud is not None and (include_cloud or state.path is None) else None,
        extra=extra,
    )


def read_source(
    project: Project,
    source: str | None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    box_limit: int = 2**62,
) -> PointCloud | big_file_project.Views:
    """The project's full cloud (worker thread): included, or read from `source`.

    A project made on a file too big to hold gets the same views of it again instead
    (`box_limit`: the most points a box may hold, the window's big-file threshold).
    """
    from gui.loading import load_cloud

    if project.cloud is not None:
        return project.cloud
    if source is None:
        raise InputError("the project names no source cloud; locate the scan it was made from.")
    saved = project.extra.get(big_file_project.KEY)
    views = None
    if isinstance(saved, dict):
        views = big_file_project.read_views(saved, source, box_limit, progress, cancel)
    cloud = views.cloud if views is not None else load_cloud(source, progress, cancel).cloud
    if len(cloud) != project.n_points:
        raise InputError(
            f"this cloud has {len(cloud):,} points but the project was made on "
            f"{project.n_points:,}; locate the scan the project was made from.",
            source,
        )
    return views if views is not None else cloud


def apply(
    session: Session,
    project: Project,
    cloud: PointCloud | big_file_project.Views,
    source: str | None,
) -> Extras:
    """Put a project back into the session (UI thread); returns what the session lacks."""
    views = cloud if isinstance(cloud, big_file_project.Views) else None
    if views is not None and source is not None:
        session.set_cloud(views.cloud, source, big_file=big_file_project.big_file_of(views, source))
    else:
        session.set_cloud(cloud, source)  # type: ignore[arg-type]  # a PointCloud here
    session.set_rotation(_build(Rotation, project.rotation))
    session.set_downsample_settings(_build(DownsampleSettings, project.downsample))
    if project.sample is not None and project.index_map is not None:
        session.set_sample(
            project.sample,
            project.index_map,
            _build(DownsampleSettings, project.sample_settings or {}),
            _build(Rotation, project.sample_rotation or project.rotation),
        )
    problem = None if views is None else big_file_project.attach_streamed_sample(session, views)
    if problem is not None:
        session.message.emit(problem)
    session.set_classes(project.classes)
    if project.labels_sample is not None:
        session.set_sample_labels(project.labels_sample)
    session.set_transfer_settings(_build(TransferSettings, project.transfer))
    # After the sample labels: setting those clears the full labels.
    session.set_full_labels(project.labels_full)
    session.set_truth(project.truth_full)
    session.set_display(_display_of(project.display))
    # Last: yesterday's strokes can be undone, over the labels now in the session.
    labeling = getattr(session, "labeling", None)
    if labeling is not None:
        labeling.restore_history(project.edit_history, project.label_origin)
    return Extras(
        source_fingerprint=project.source_fingerprint,
        label_origin=project.label_origin,
        labels_full_seen=session.state.labels_full,
        edit_history=dict(project.edit_history),
        groundtruth_job=project.groundtruth_job,
        extra=dict(project.extra),
    )


def project_name(path: str | None) -> str:
    return Path(path).name if path else "untitled"


def _build(cls: type[T], values: dict[str, Any]) -> T:
    """A settings dataclass from a dict, ignoring keys a newer version may have added."""
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in (values or {}).items() if k in known})


def _display_dict(display: DisplaySettings) -> dict[str, Any]:
    values = asdict(display)
    values["hidden_classes"] = sorted(int(c) for c in display.hidden_classes)
    values["tile"] = None if display.tile is None else [list(c) for c in display.tile]
    return values


def _display_of(values: dict[str, Any]) -> DisplaySettings:
    display = _build(DisplaySettings, values)
    display.hidden_classes = frozenset(int(c) for c in values.get("hidden_classes") or [])
    tile = values.get("tile")
    display.tile = None if not tile else (tuple(tile[0]), tuple(tile[1]))  # type: ignore[assignment]
    return display
