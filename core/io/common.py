"""Small steps every reader and writer shares: recentring, label dtypes, colour scaling."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import InputError

#: Coordinates larger than this (metres) are recentred on load so float32 keeps millimetres.
RECENTRE_ABOVE = 1e4


def recentre(xyz: np.ndarray) -> np.ndarray:
    """Subtract the floor of the minimum corner from large coordinates, in place.

    Parameters
    ----------
    xyz : (N, 3) float64
        Coordinates as read; changed in place when recentred.

    Returns
    -------
    offset : (3,) float64
        What was subtracted (zeros when the coordinates are already small).
    """
    if len(xyz) == 0:
        return np.zeros(3)
    # Column by column: numpy's min(axis=0) over (N, 3) is 10x slower (110 ms at 5M).
    low = np.array([xyz[:, k].min() for k in range(3)])
    high = np.array([xyz[:, k].max() for k in range(3)])
    if max(np.abs(low).max(), np.abs(high).max()) <= RECENTRE_ABOVE:
        return np.zeros(3)
    offset = np.floor(low)
    xyz -= offset
    return offset


def labels_from_values(values: np.ndarray, path: str | Path, what: str = "label") -> np.ndarray:
    """Whole-number labels 0..65535 as uint8 (max <= 255) or uint16.

    Parameters
    ----------
    values : (N,) any numeric dtype
    path : str or Path
        Named in the error message.

    Raises
    ------
    InputError
        Non-integer, negative or > 65535 values (the message gives the first such point).
    """
    values = np.asarray(values)
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            index = int(np.argmax(bad))
            raise InputError(
                f"{what} {float(values[index]):g} of point {index + 1} is not a whole number; "
                "labels must be integers 0-65535.",
                path,
            )
    if len(values) and (values.min() < 0 or values.max() > 65535):
        bad = (values < 0) | (values > 65535)
        index = int(np.argmax(bad))
        raise InputError(
            f"{what} {float(values[index]):g} of point {index + 1} is outside 0-65535; "
            "use 0-254 for classes and 255 for unlabeled.",
            path,
        )
    small = not len(values) or values.max() <= 255
    return values.astype(np.uint8 if small else np.uint16)


def rgb16_to_rgb8(rgb: np.ndarray) -> np.ndarray:
    """16-bit colour to 8-bit; values already all <= 255 are kept (8-bit stored in 16 bits).

    Parameters
    ----------
    rgb : (N, 3) uint16
    """
    if len(rgb) == 0 or int(rgb.max()) <= 255:
        return rgb.astype(np.uint8)
    return (rgb >> 8).astype(np.uint8)


def float_rgb_to_uint8(rgb: np.ndarray) -> np.ndarray:
    """0-1 float colour to 0-255 uint8 (values already above 1 are taken as 0-255)."""
    rgb = np.asarray(rgb, dtype=np.float64)
    if len(rgb) and rgb.max() <= 1.0:
        rgb = rgb * 255.0
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def absolute_xyz(xyz: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Coordinates as the file should hold them: `xyz` plus `offset`, float64 (N, 3)."""
    return np.asarray(xyz, dtype=np.float64) + np.asarray(offset, dtype=np.float64)


def check_claim(
    path: str | Path, claimed: int, what: str, least_bytes: float, available: float
) -> None:
    """Refuse a header that claims more than the file can hold, before allocating for it.

    Parameters
    ----------
    claimed : int
        Items the header announces (points, vertices).
    least_bytes : float
        The fewest bytes one item can take in the file.
    available : int
        Bytes of the file after the header.
    """
    if claimed < 0:
        raise InputError(
            f"the header announces {claimed:,} {what}; the header is corrupt, "
            "export the file again.",
            path,
        )
    if claimed * least_bytes > available:
        raise InputError(
            f"the header announces {claimed:,} {what} but only {int(available):,} bytes of "
            "data follow it, too few for them; the file is truncated or its header is wrong, "
            "export it again.",
            path,
        )


def first_bad_ascii_line(lines, first_number: int, width: int, rows: int) -> tuple[int, str]:
    """(line number, problem) of the first data line that is not `width` numbers.

    Used only after a fast reader failed, to say exactly where and why.
    """
    number = first_number
    for number, raw in enumerate(lines, start=first_number):
        if number - first_number >= rows:
            break
        tokens = raw.decode("utf-8", errors="replace").split()
        if len(tokens) != width and not raw.endswith(b"\n"):
            return number, f"the file is truncated in this line ({len(tokens)} of {width} values)"
        if len(tokens) != width:
            return number, f"the line has {len(tokens)} values but each point needs {width}"
        for token in tokens:
            try:
                float(token)
            except ValueError:
                return number, f"{token[:30]!r} is not a number"
    return number + 1, f"the file is truncated: its data ends before the {rows:,} points announced"


class VaryingFields:
    """Per-point fields filled chunk by chunk; memory is taken only once a field varies.

    A field whose values all equal its first one tells nothing (lone-star's LAS carries
    eleven such fields), so it costs no array at all: one is allocated, and the rows
    before filled with the first value, at the first chunk that differs.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._first: dict[str, object] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, start: int, name: str, values: np.ndarray) -> None:
        """Rows start.. of field `name` ((M,) array; other shapes are not point fields)."""
        values = np.asarray(values)
        stop = start + len(values)
        if values.ndim != 1 or not len(values):
            return
        if name in self.arrays:
            self.arrays[name][start:stop] = values
            return
        first = self._first.setdefault(name, values[0])
        if (values == first).all():
            return
        array = np.empty(self.capacity, values.dtype)
        array[:start] = first
        array[start:stop] = values
        self.arrays[name] = array

    def grow(self, size: int) -> None:
        """Room for `size` rows (a LAZ whose header under-counts its points)."""
        self.capacity = size
        for array in self.arrays.values():
            array.resize(size, refcheck=False)

    def result(self, n: int) -> dict[str, np.ndarray]:
        """The varying fields, `n` rows each."""
        return {name: array[:n] for name, array in self.arrays.items()}


def varying_columns(rows: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """The columns `names` of a structured array that vary, each copied out contiguous (so
    the whole record array is not kept alive for one column), in its own dtype."""
    out = {}
    for name in names:
        column = rows[name]
        if column.ndim == 1 and len(column) and not (column == column[0]).all():
            out[name] = np.ascontiguousarray(column)
    return out
