"""Reading and writing a project file: one zip with ``manifest.json`` and ``.npy`` arrays.

The manifest names the format and its version, the settings, and every array member with
its dtype and shape. A reader accepts every version up to `FORMAT_VERSION` (keys an older
writer did not know get their defaults; `_UPGRADES` rewrites older manifests) and refuses
newer ones. Saving goes through a temporary file beside the target, so the old project
stays whole until the new one is complete.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_path
from core.classes import LabelClass, default_color
from core.cloud import PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, check_cancel, report
from core.project import Project
from core.project_arrays import check_array, damaged, read_member, write_member

FORMAT_NAME = "denselabel-project"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Manifest upgrades: version -> function turning a manifest of that version into the next.
_UPGRADES: dict[int, Callable[[dict], dict]] = {}

_CLOUD_FIELDS = ("xyz", "rgb", "intensity", "labels")
# Settings kept as JSON: manifest key -> (Project attribute, default).
_SETTINGS: dict[str, Any] = {
    "rotation": dict,
    "downsample": dict,
    "sample_settings": lambda: None,
    "sample_rotation": lambda: None,
    "transfer": dict,
    "groundtruth_job": lambda: None,
    "camera": lambda: None,
    "display": dict,
    "extra": dict,
}


def save_project(
    path: str | Path,
    project: Project,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write `project` to `path` atomically: a complete new file, or the old one untouched."""
    arrays = _arrays_of(project)
    total = max(sum(a.nbytes for a in arrays.values()), 1)
    written = [0]

    def done(n: int) -> None:
        written[0] += n
        report(progress, written[0] / total, "Saving the project")

    project.saved_at = time.time()
    manifest = _manifest_of(project)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in arrays.items():
                manifest["arrays"][name] = write_member(archive, name, array, done, cancel)
            check_cancel(cancel)
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())  # on disk before the rename: a power cut keeps one whole file


def read_manifest(path: str | Path) -> dict:
    """The manifest of a project file, upgraded to `FORMAT_VERSION`; cheap (no arrays)."""
    with _open_archive(path) as archive:
        return _read_manifest(archive, path)


def load_project(
    path: str | Path, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> Project:
    """Read a project file, checking every array's dtype and shape.

    Raises
    ------
    InputError
        Not a project, a newer format, or a damaged member (named in the sentence).
    """
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive, path)
        listed: dict = manifest.get("arrays", {})
        total = max(sum(_nbytes(entry) for entry in listed.values()), 1)
        read = [0]

        def done(n: int) -> None:
            read[0] += n
            report(progress, read[0] / total, "Opening the project")

        arrays = {name: read_member(archive, name, path, done, cancel) for name in listed}
    return _project_of(manifest, arrays, path)


# -- writing ------------------------------------------------------------------------------
def _arrays_of(project: Project) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for prefix, cloud in (("sample", project.sample), ("cloud", project.cloud)):
        if cloud is not None:
            for name in _CLOUD_FIELDS:
                if (value := getattr(cloud, name)) is not None:
                    arrays[f"{prefix}/{name}.npy"] = value
            arrays[f"{prefix}/offset.npy"] = cloud.offset
    for name in ("index_map", "labels_sample", "labels_full", "label_origin", "truth_full"):
        if (value := getattr(project, name)) is not None:
            arrays[f"{name}.npy"] = value
    for name, value in project.edit_history.items():
        arrays[f"edit_history/{name}.npy"] = np.asarray(value)
    return arrays


def _manifest_of(project: Project) -> dict:
    from core import __version__

    manifest: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "saved_at": project.saved_at,
        "source": {"path": project.source_path, "fingerprint": project.source_fingerprint},
        "n_points": int(project.n_points),
        "classes": [{"id": c.id, "name": c.name, "color": list(c.color)} for c in project.classes],
        "sample_source": project.sample.source if project.sample is not None else None,
        "cloud_source": project.cloud.source if project.cloud is not None else None,
        "arrays": {},
    }
    for key in _SETTINGS:
        manifest[key] = getattr(project, key)
    return manifest


# -- reading ------------------------------------------------------------------------------
def _open_archive(path: str | Path) -> zipfile.ZipFile:
    path = Path(path)
    if not path.is_file():
        raise InputError("the project file does not exist; check the path.", path)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"this is not a DenseLabel project or it is truncated ({exc}); open its recovery "
            "file or a backup copy.",
            path,
        ) from exc


def _read_manifest(archive: zipfile.ZipFile, path: str | Path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise InputError(
            f"the file has no {MANIFEST}, so it is not a DenseLabel project; open a .dlproj "
            "file saved by DenseLabel.",
            path,
        ) from None
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise damaged(path, f"the {MANIFEST} cannot be read ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise InputError(
            "this zip is not a DenseLabel project; open a .dlproj file saved by DenseLabel.", path
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise damaged(path, f"the format version {version!r} is not a whole number")
    if version > FORMAT_VERSION:
        raise InputError(
            f"this project was saved by a newer DenseLabel (project format {version}; this one "
            f"reads up to {FORMAT_VERSION}); update DenseLabel to open it.",
            path,
        )
    while version < FORMAT_VERSION:
        manifest = _UPGRADES[version](manifest)
        version += 1
    return manifest


def _nbytes(entry: dict) -> int:
    try:
        return int(np.prod(entry["shape"])) * np.dtype(entry["dtype"]).itemsize
    except (KeyError, TypeError, ValueError):
        return 0


def _project_of(manifest: dict, arrays: dict[str, np.ndarray], path: str | Path) -> Project:
    source = manifest.get("source") or {}
    project = Project(
        source_path=source.get("path"),
        source_fingerprint=source.get("fingerprint"),
        n_points=int(manifest.get("n_points") or 0),
        classes=_classes_of(manifest.get("classes") or [], path),
        saved_at=float(manifest.get("saved_at") or 0.0),
    )
    for key, default in _SETTINGS.items():
        value = manifest.get(key)
        setattr(project, key, default() if value is None else value)
    n = project.n_points
    project.cloud = _cloud_of(arrays, "cloud", n, manifest.get("cloud_source"), path)
    project.sample = _cloud_of(arrays, "sample", None, manifest.get("sample_source"), path)
    m = None if project.sample is None else len(project.sample)
    for name, shape, kinds, what in (
        ("index_map", (n,), "iu", "the sample row of each full point"),
        ("labels_sample", (m,), "iu", "a label per sample point"),
        ("labels_full", (n,), "iu", "a label per full point"),
        ("label_origin", (n,), "u", "where each full label came from"),
        ("truth_full", (n,), "iu", "the known labels"),
    ):
        if (array := arrays.get(f"{name}.npy")) is not None:
            setattr(project, name, check_array(path, f"{name}.npy", array, shape, kinds, what))
    rows = project.index_map
    if rows is not None and m is not None and len(rows) and (rows.min() < 0 or rows.max() >= m):
        raise damaged(path, f"the member index_map.npy points outside the {m:,}-point sample")
    prefix = "edit_history/"
    project.edit_history = {
        k[len(prefix) : -4]: v for k, v in arrays.items() if k.startswith(prefix)
    }
    return project


def _cloud_of(
    arrays: dict[str, np.ndarray], prefix: str, n: int | None, source: str | None, path
) -> PointCloud | None:
    xyz = arrays.get(f"{prefix}/xyz.npy")
    if xyz is None:
        return None
    check_array(path, f"{prefix}/xyz.npy", xyz, (n, 3), "f", "point coordinates")
    count = len(xyz)
    fields: dict[str, Any] = {}
    for name, shape, kinds in (
        ("rgb", (count, 3), "u"),
        ("intensity", (count,), "fiu"),
        ("labels", (count,), "iu"),
        ("offset", (3,), "f"),
    ):
        if (array := arrays.get(f"{prefix}/{name}.npy")) is not None:
            member = f"{prefix}/{name}.npy"
            fields[name] = check_array(path, member, array, shape, kinds, f"the {prefix}'s {name}")
    return PointCloud(xyz=xyz, source=source or "", **fields)


def _classes_of(items: list, path: str | Path) -> list[LabelClass]:
    try:
        return [
            LabelClass(int(d["id"]), str(d["name"]), tuple(d.get("color") or default_color(i)))
            for i, d in enumerate(items)
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(path, f"the class list in the manifest is not id/name/color ({exc})") from exc


def project_as_dict(project: Project) -> dict:
    """The manifest `save_project` would write, without arrays (for `denselabel info`)."""
    manifest = _manifest_of(project)
    manifest["arrays"] = {
        name: {"dtype": a.dtype.str, "shape": list(a.shape)}
        for name, a in _arrays_of(project).items()
    }
    return manifest
