"""Clouds as .npy arrays: float64 (N, 3|4|6|7) = x,y,z [,r,g,b] [,label]."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.atomic import atomic_path
from core.cloud import PointCloud
from core.errors import InputError
from core.io.common import absolute_xyz, labels_from_values, recentre
from core.progress import CancelFn, ProgressFn, chunked, report

#: Columns by width: which hold colour and whether the last one is a label.
_WIDTHS = {3: (False, False), 4: (False, True), 6: (True, False), 7: (True, True)}


_MAGIC = b"\x93NUMPY"


def load_npy(path: str | Path, what: str = "array", mmap: bool = True) -> np.ndarray:
    """A plain numeric .npy array (never pickled objects), memory-mapped when `mmap`.

    Raises
    ------
    InputError
        Not a .npy file, pickled objects, a structured dtype, or data shorter than the
        header says; the message says what `what` must be instead.
    """
    path = Path(path)
    remedy = f"give the {what} as a plain numeric array saved by numpy or DenseLabel."
    try:
        with path.open("rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                raise InputError(
                    f"this is not a readable .npy file (it does not start with the .npy "
                    f"signature); {remedy}",
                    path,
                )
            _check_header(handle, path, remedy)
    except FileNotFoundError as exc:
        raise InputError("the file does not exist; check the path.", path) from exc
    try:
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as exc:
        problem = "is cut short" if "length" in str(exc) or "read" in str(exc) else "is not plain"
        if "object" in str(exc).lower() or "pickle" in str(exc).lower():
            problem = "holds Python objects (pickled data), which DenseLabel never loads"
        raise InputError(f"the .npy file {problem} ({exc}); {remedy}", path) from exc
    if array.dtype.kind not in "biuf" or array.dtype.names is not None:
        raise InputError(
            f"the .npy array holds {array.dtype} values; give the {what} as plain numbers.",
            path,
        )
    return array


def _check_header(handle, path: Path, remedy: str) -> None:
    """Parse the header ourselves: a damaged one is one sentence, and the data it announces
    must fit in the file before numpy allocates anything for it."""
    handle.seek(0)
    try:
        version = np.lib.format.read_magic(handle)
        read = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read(handle, max_header_size=10_000)
    except Exception as exc:  # noqa: BLE001  ast/tokenize/dtype errors of a damaged header
        raise InputError(
            f"the .npy header is damaged ({type(exc).__name__}); {remedy}", path
        ) from None
    if dtype.hasobject:
        raise InputError(
            f"the .npy file holds Python objects (pickled data), which DenseLabel never loads; "
            f"{remedy}",
            path,
        )
    needed = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    available = os.fstat(handle.fileno()).st_size - handle.tell()
    if needed > available:
        raise InputError(
            f"the .npy header announces {shape} {dtype} values ({needed:,} bytes) but only "
            f"{available:,} bytes follow; the file is cut short, {remedy}",
            path,
        )


def _load(path: Path) -> np.ndarray:
    return load_npy(path, "point cloud")


def peek_npy_count(path: str | Path) -> int:
    return int(_load(Path(path)).shape[0])


def read_npy(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read an (N, 3|4|6|7) numeric array: x,y,z [,r,g,b] [,label]."""
    path = Path(path)
    array = _load(path)
    if array.ndim != 2 or array.shape[1] not in _WIDTHS or array.dtype.kind not in "fiu":
        raise InputError(
            f"expected a numeric array of shape (N, 3|4|6|7) (x,y,z [,r,g,b] [,label]), "
            f"found {array.dtype} {array.shape}; save the cloud in that shape.",
            path,
        )
    has_rgb, has_label = _WIDTHS[array.shape[1]]
    report(progress, 0.0, f"Reading {path.name}")
    xyz = np.array(array[:, :3], dtype=np.float64)
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        raise InputError(
            f"point {int(np.argmax(bad)) + 1} has a NaN or infinite coordinate; fix the array.",
            path,
        )
    rgb = None
    if has_rgb:
        values = np.asarray(array[:, 3:6], dtype=np.float64)
        # Tested as "inside", not "outside": NaN fails every comparison and would pass.
        if not ((values >= 0) & (values <= 255)).all():
            raise InputError("colours must be numbers 0-255; fix the r,g,b columns.", path)
        rgb = np.round(values).astype(np.uint8)
    labels = labels_from_values(np.asarray(array[:, -1]), path) if has_label else None
    offset = recentre(xyz)
    report(progress, 1.0, f"Reading {path.name}")
    return PointCloud(xyz=xyz, rgb=rgb, labels=labels, offset=offset, source=str(path))


def write_npy(
    cloud: PointCloud,
    path: str | Path,
    *,
    labels: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write float64 (N, 3|4|6|7): x,y,z (offset added back) [,r,g,b] [,label]."""
    width = 3 + (3 if cloud.rgb is not None else 0) + (1 if labels is not None else 0)
    with atomic_path(path) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float64, shape=(len(cloud), width))
        for rows in chunked(len(cloud), 1 << 20, progress, cancel, f"Writing {Path(path).name}"):
            out[rows, :3] = absolute_xyz(cloud.xyz[rows], cloud.offset)
            if cloud.rgb is not None:
                out[rows, 3:6] = cloud.rgb[rows]
            if labels is not None:
                out[rows, -1] = labels[rows]
        out.flush()
        del out
