"""E57, the format terrestrial scanners export, through pye57 (libE57Format).

One file may hold several scans, each in its own scanner frame with a pose (a rotation
quaternion and a translation) that places it in the file's common frame. Every scan is
read, its pose applied, and the scans are joined in file order. Scans may carry
different fields: colour or intensity missing from one scan is filled with 0 for its
points when another scan has it, so no scan's data is dropped. Spherical-only scans
(range, azimuth, elevation) are converted to cartesian; points flagged invalid are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from core.cloud import PointCloud
from core.errors import Cancelled, InputError
from core.io.common import recentre
from core.progress import CancelFn, ProgressFn, check_cancel, report

_CARTESIAN = ("cartesianX", "cartesianY", "cartesianZ")
_SPHERICAL = ("sphericalRange", "sphericalAzimuth", "sphericalElevation")
_COLOUR = ("colorRed", "colorGreen", "colorBlue")
#: Held elsewhere (xyz, rgb, intensity) or only used to drop invalid points.
_NOT_FIELDS = {*_CARTESIAN, *_SPHERICAL, *_COLOUR, "intensity"}


def _open(path: Path):
    import pye57  # imported here: libE57Format loads only when an E57 is opened

    try:
        return pye57.E57(str(path))
    except Exception as exc:  # libE57Format raises its own exception types
        raise InputError(f"this is not a readable E57 file ({exc}).", path) from exc


def peek_e57_count(path: str | Path) -> int:
    """Points in all scans, from the scan headers, without reading the points."""
    e57 = _open(Path(path))
    return sum(int(e57.get_header(i).point_count) for i in range(e57.scan_count))


def read_e57(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read every scan of an E57 file into one cloud in the file's common frame.

    Returns
    -------
    PointCloud
        xyz (N, 3) float64 with each scan's pose applied, recentred when georeferenced;
        rgb (N, 3) uint8 when any scan has colour; intensity (N,) float32 when any scan
        has intensity (as stored, e.g. 0-1); no labels; point_fields = the other
        fields (rowIndex, returnIndex, timeStamp...) that every scan has and that vary.

    Raises
    ------
    InputError
        Not an E57 file, no scans, or a scan without coordinates.
    """
    path = Path(path)
    e57 = _open(path)
    if e57.scan_count == 0:
        raise InputError("the E57 file holds no scans; export the scans again.", path)
    scans = []
    for index in range(e57.scan_count):
        check_cancel(cancel)
        report(progress, index / e57.scan_count, f"Reading {path.name} (scan {index + 1})")
        try:
            scans.append(_read_scan(e57, index, path))
        except (InputError, Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:  # libE57Format errors for a damaged binary section
            raise InputError(f"scan {index + 1} cannot be read ({exc}).", path) from exc
    report(progress, 1.0, f"Reading {path.name}")
    xyz = np.concatenate([s["xyz"] for s in scans])
    offset = recentre(xyz)
    return PointCloud(
        xyz=xyz,
        rgb=_joined(scans, "rgb", (3,), np.uint8),
        intensity=_joined(scans, "intensity", (), np.float32),
        offset=offset,
        source=str(path),
        point_fields=_point_fields(scans),
    )


def _read_scan(e57, index: int, path: Path) -> dict[str, np.ndarray]:
    header = e57.get_header(index)
    fields = set(header.point_fields)
    raw = e57.read_scan_raw(index)
    if all(f in fields for f in _CARTESIAN):
        local = np.column_stack([np.asarray(raw[f], np.float64) for f in _CARTESIAN])
        invalid_field = "cartesianInvalidState"
    elif all(f in fields for f in _SPHERICAL):
        local = _from_spherical(*(np.asarray(raw[f], np.float64) for f in _SPHERICAL))
        invalid_field = "sphericalInvalidState"
    else:
        raise InputError(
            f"scan {index + 1} has no cartesian or spherical coordinates; export them.", path
        )
    keep = np.ones(len(local), bool)
    if invalid_field in fields:
        keep = np.asarray(raw[invalid_field]) == 0  # 1 = direction only, 2 = no return
    scan: dict[str, np.ndarray] = {"xyz": _posed(local[keep], header)}
    if all(f in fields for f in _COLOUR):
        rgb = np.column_stack([np.asarray(raw[f]) for f in _COLOUR])[keep]
        scan["rgb"] = _to_uint8(rgb, header)
    if "intensity" in fields:
        scan["intensity"] = np.asarray(raw["intensity"], np.float32)[keep]
    for name in fields - _NOT_FIELDS:
        if not name.endswith("InvalidState"):
            scan[f"field:{name}"] = np.asarray(raw[name])[keep]
    return scan


def _point_fields(scans: list[dict]) -> dict[str, np.ndarray]:
    """The fields every scan has (a field missing from one scan has no value to give its
    points), joined, constant ones left out."""
    names = set.intersection(*({k for k in s if k.startswith("field:")} for s in scans))
    joined = {name[6:]: np.concatenate([s[name] for s in scans]) for name in sorted(names)}
    return {k: v for k, v in joined.items() if v.ndim == 1 and len(v) and (v != v[0]).any()}


def _posed(local: np.ndarray, header) -> np.ndarray:
    """Scanner-frame points (N, 3) placed in the file's frame by the scan's pose."""
    w, x, y, z = (float(v) for v in header.rotation)
    rotation = Rotation.from_quat([x, y, z, w])  # scipy wants the scalar last
    return rotation.apply(local) + np.asarray(header.translation, np.float64)


def _from_spherical(r: np.ndarray, azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    """E57 spherical (range, azimuth, elevation in radians) to cartesian (N, 3)."""
    flat = r * np.cos(elevation)
    return np.column_stack([flat * np.cos(azimuth), flat * np.sin(azimuth), r * np.sin(elevation)])


def _to_uint8(rgb: np.ndarray, header) -> np.ndarray:
    """Colour scaled from the scan's colour limits (0-255, 0-65535 or 0-1) to 0-255."""
    high = 255.0
    try:
        high = float(header["colorLimits"]["colorRedMaximum"].value())
    except Exception:  # no colorLimits: judge by the values
        top = float(rgb.max()) if len(rgb) else 0.0
        high = 255.0 if top > 1.0 or rgb.dtype.kind in "iu" else 1.0
        high = 65535.0 if top > 255 else high
    if high == 255.0:
        return np.clip(rgb, 0, 255).astype(np.uint8)
    return np.clip(np.rint(np.asarray(rgb, np.float64) * (255.0 / high)), 0, 255).astype(np.uint8)


def _joined(scans: list[dict], name: str, shape: tuple[int, ...], dtype) -> np.ndarray | None:
    """One field over all scans, 0 for the points of scans without it; None if none has it."""
    if not any(name in s for s in scans):
        return None
    parts = [s.get(name, np.zeros((len(s["xyz"]), *shape), dtype)) for s in scans]
    return np.concatenate(parts).astype(dtype)
