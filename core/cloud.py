"""The point cloud model shared by every step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

#: Label value meaning "no label" (Ground Truth's convention, and ours everywhere).
UNLABELED = 255

#: The ASPRS standard classes (LAS 1.4 R15, table 17), naming a LAS classification field.
ASPRS_CLASSES = {
    0: "never classified",
    1: "unclassified",
    2: "ground",
    3: "low vegetation",
    4: "medium vegetation",
    5: "high vegetation",
    6: "building",
    7: "low point (noise)",
    8: "model key point",
    9: "water",
    10: "rail",
    11: "road surface",
    12: "overlap",
    13: "wire guard",
    14: "wire conductor",
    15: "transmission tower",
    16: "wire connector",
    17: "bridge deck",
    18: "high noise",
}
#: Units of the point fields that have one (LAS 1.4: scan_angle counts 0.006 degree steps).
FIELD_UNITS = {"gps_time": "s", "scan_angle_rank": "deg", "scan_angle": "x 0.006 deg"}


@dataclass
class PointCloud:
    """A point cloud held as plain numpy arrays.

    Attributes
    ----------
    xyz : (N, 3) float64
        Coordinates minus `offset`. Georeferenced scans are recentred on load so
        float32 consumers (VTK, Ground Truth frames) keep millimetres.
    rgb : (N, 3) uint8 or None
        Colour, 0-255.
    intensity : (N,) float32 or None
        Return intensity, as stored in the file.
    labels : (N,) uint8 or uint16 or None
        Class id per point; `UNLABELED` (255) means no label.
    offset : (3,) float64
        Add it to `xyz` to get the file's coordinates back.
    source : str
        Where the cloud came from (a path, or a description).
    point_fields : dict of str to (N,) array
        The file's other per-point fields by name (LAS return_number, classification,
        gps_time, extra bytes; PLY/PCD extra scalars), in the file's own dtype (uint8,
        uint16, int16, float64...), never widened. Readers keep only fields that vary:
        a constant field tells nothing about any point and would cost N values of memory
        for every field a format always carries (a LAS holds 11 to 16 of them).
    """

    xyz: np.ndarray
    rgb: np.ndarray | None = None
    intensity: np.ndarray | None = None
    labels: np.ndarray | None = None
    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))
    source: str = ""
    point_fields: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyz = np.asarray(self.xyz, dtype=np.float64)
        if self.xyz.ndim != 2 or self.xyz.shape[1] != 3:
            raise ValueError(f"xyz must have shape (N, 3), got {self.xyz.shape}")
        n = len(self.xyz)
        if self.rgb is not None:
            self.rgb = np.asarray(self.rgb, dtype=np.uint8)
            _check_len("rgb", self.rgb, n, (n, 3))
        if self.intensity is not None:
            self.intensity = np.asarray(self.intensity, dtype=np.float32)
            _check_len("intensity", self.intensity, n, (n,))
        if self.labels is not None:
            self.labels = np.asarray(self.labels)
            _check_len("labels", self.labels, n, (n,))
        self.offset = np.asarray(self.offset, dtype=np.float64).reshape(3)
        self.point_fields = {name: np.asarray(a) for name, a in self.point_fields.items()}
        for name, values in self.point_fields.items():
            _check_len(name, values, n, (n,))

    def __len__(self) -> int:
        return len(self.xyz)

    @property
    def n_points(self) -> int:
        return len(self.xyz)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Minimum and maximum corner of `xyz` (recentred coordinates)."""
        if len(self.xyz) == 0:
            return np.zeros(3), np.zeros(3)
        # Column by column: ten times faster than min(axis=0) on an (N, 3) array.
        lo = np.array([self.xyz[:, i].min() for i in range(3)])
        hi = np.array([self.xyz[:, i].max() for i in range(3)])
        return lo, hi

    def fields(self) -> list[str]:
        """Names of the attributes present, e.g. ['xyz', 'rgb', 'labels', 'return_number']."""
        names = ["xyz"]
        names += [n for n in ("rgb", "intensity", "labels") if getattr(self, n) is not None]
        return names + list(self.point_fields)

    def subset(self, index: np.ndarray) -> PointCloud:
        """The points at `index` (integer indices or a boolean mask), all attributes kept
        (the point fields too, in their own dtype)."""
        pick = lambda a: None if a is None else a[index]  # noqa: E731
        return replace(
            self,
            xyz=self.xyz[index],
            rgb=pick(self.rgb),
            intensity=pick(self.intensity),
            labels=pick(self.labels),
            point_fields={name: a[index] for name, a in self.point_fields.items()},
        )

    def with_xyz(self, xyz: np.ndarray) -> PointCloud:
        """The same cloud with new coordinates (e.g. after a rotation)."""
        return replace(self, xyz=xyz)


def in_frame_of(cloud: PointCloud, reference: PointCloud) -> PointCloud:
    """`cloud` re-expressed with `reference`'s offset, so both share one coordinate frame.

    Two files of one scan may be recentred differently on reading (each reader picks
    its own offset), so coordinates are only comparable after this. Returns `cloud`
    itself when the offsets already match.
    """
    shift = cloud.offset - reference.offset
    if not np.any(shift):
        return cloud
    return replace(cloud, xyz=cloud.xyz + shift, offset=reference.offset.copy())


def _check_len(name: str, array: np.ndarray, n: int, shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
