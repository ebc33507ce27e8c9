"""Reading and writing point clouds, chosen by the file's extension.

Readers return a `PointCloud` with georeferenced coordinates recentred; writers add
`cloud.offset` back, write through a temporary file and never overwrite the cloud's
own source file. Format modules are imported on first use, so starting the command
line does not pay for numba or laspy.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from core.atomic import refuse_overwriting_inputs
from core.cloud import PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn

#: Extension -> (module, reader, writer or None, point-count peek or None).
_FORMATS: dict[str, tuple[str, str, str | None, str | None]] = {
    ".xyz": ("core.io.text", "read_text", "write_text", None),
    ".txt": ("core.io.text", "read_text", "write_text", None),
    ".csv": ("core.io.text", "read_text", "write_text", None),
    ".pts": ("core.io.text", "read_text", None, None),
    ".ply": ("core.io.ply", "read_ply", "write_ply", "peek_ply_count"),
    ".las": ("core.io.las", "read_las", "write_las", "peek_las_count"),
    ".laz": ("core.io.las", "read_las", "write_las", "peek_las_count"),
    ".copc.laz": ("core.io.copc", "read_copc", None, "peek_copc_count"),
    ".e57": ("core.io.e57", "read_e57", None, "peek_e57_count"),
    ".pcd": ("core.io.pcd", "read_pcd", "write_pcd", "peek_pcd_count"),
    ".npy": ("core.io.npy", "read_npy", "write_npy", "peek_npy_count"),
}
READ_EXTENSIONS: tuple[str, ...] = tuple(_FORMATS)
WRITE_EXTENSIONS: tuple[str, ...] = tuple(e for e, f in _FORMATS.items() if f[2])

__all__ = [
    "READ_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "file_dialog_filter",
    "peek_point_count",
    "read_cloud",
    "write_cloud",
]


def format_suffix(path: str | Path) -> str:
    """The format's extension: ``.copc.laz`` before ``.laz``, else the last suffix, lower case."""
    name = Path(path).name.lower()
    multi = [e for e in _FORMATS if e.count(".") > 1 and name.endswith(e)]
    return multi[0] if multi else Path(name).suffix


def _format(
    path: Path, extensions: tuple[str, ...], verb: str
) -> tuple[str, str, str | None, str | None]:
    suffix = format_suffix(path)
    if suffix not in extensions:
        raise InputError(
            f"cannot {verb} '{suffix or path.name}' files; use one of {', '.join(extensions)}.",
            path,
        )
    return _FORMATS[suffix]


def _format_name(path: Path) -> str:
    """The format's name for messages: ``PLY`` for ``scan.ply``."""
    return format_suffix(path).lstrip(".").upper() or "point cloud"


def _function(module: str, name: str):
    return getattr(importlib.import_module(module), name)


def read_cloud(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read a point cloud; the format comes from the extension (see `READ_EXTENSIONS`).

    Returns
    -------
    PointCloud
        xyz (N, 3) float64 minus `offset`, rgb (N, 3) uint8 or None, intensity (N,)
        float32 or None, labels (N,) uint8/uint16 or None, `source` = the path.

    Raises
    ------
    InputError
        Missing, unreadable, truncated or malformed file (message names file and line).
    """
    path = Path(path)
    module, reader, _, _ = _format(path, READ_EXTENSIONS, "read")
    if not path.is_file():
        raise InputError("the file does not exist; check the path.", path)
    try:
        cloud = _function(module, reader)(path, progress=progress, cancel=cancel)
    except OSError as exc:  # permissions, a disk error, a file removed while reading
        raise InputError(
            f"cannot read the file ({exc.strerror or exc}); check its permissions and the disk.",
            path,
        ) from exc
    except InputError:
        raise
    except ValueError as exc:
        # A safety net: a reader case we did not foresee must still read as a sentence.
        name = _format_name(path)
        raise InputError(
            f"cannot read the file ({exc}); check it is a valid {name} file.", path
        ) from exc
    if len(cloud) == 0:
        raise InputError("the file holds no points; choose a point cloud with points in it.", path)
    return cloud


def write_cloud(
    cloud: PointCloud,
    path: str | Path,
    *,
    labels: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write `cloud` (offset added back) with optional per-point `labels`, atomically.

    `extra`: more (N,) uint8 fields by name (LAS extra bytes, PLY properties; LAS/LAZ/PLY
    only), e.g. ``label_origin`` (0 unlabeled, 1 carried back, 2 set by hand).

    Formats: .xyz/.txt/.csv text ``x,y,z[,r,g,b][,label]`` (a header line when labels
    are written), .ply binary little-endian (a ``label`` property), .las/.laz
    (classification), .pcd (binary), .npy float64 (N, 3|4|6|7) x,y,z[,r,g,b][,label].

    Raises
    ------
    InputError
        Unknown extension, labels of the wrong length, or `path` is the cloud's source.
    """
    path = Path(path)
    module, _, writer, _ = _format(path, WRITE_EXTENSIONS, "write")
    refuse_overwriting_inputs(path, [cloud.source] if cloud.source else [])
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(cloud),):
            raise InputError(
                f"got {labels.size:,} labels for a cloud of {len(cloud):,} points; give one "
                "label a point.",
                path,
            )
    assert writer is not None
    more: dict[str, object] = {}
    if extra:
        if format_suffix(path) not in (".las", ".laz", ".ply"):
            raise InputError("extra fields go to LAS, LAZ or PLY; choose one of those.", path)
        for name, values in extra.items():
            if np.shape(values) != (len(cloud),):
                raise InputError(f"'{name}' needs one value a point; got {np.size(values):,}.")
        more["extra"] = {name: np.asarray(v, np.uint8) for name, v in extra.items()}
    write = _function(module, writer)
    write(cloud, path, labels=labels, progress=progress, cancel=cancel, **more)


def peek_point_count(path: str | Path) -> int | None:
    """Point count from the file's header (LAS/LAZ, PLY, PCD, npy) without reading points.

    None for text files and for files whose header cannot be read.
    """
    path = Path(path)
    entry = _FORMATS.get(format_suffix(path))
    if entry is None or entry[3] is None:
        return None
    try:
        return int(_function(entry[0], entry[3])(path))
    except (InputError, OSError, ValueError):
        return None


def file_dialog_filter(write: bool = False) -> str:
    """A Qt name filter such as ``"Point clouds (*.xyz *.txt ...);;All files (*)"``."""
    extensions = WRITE_EXTENSIONS if write else READ_EXTENSIONS
    patterns = " ".join(f"*{e}" for e in extensions)
    return f"Point clouds ({patterns});;All files (*)"
