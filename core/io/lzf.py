"""LZF, the compression of PCD's ``binary_compressed`` data, compiled with numba.

The format (liblzf): a control byte below 32 starts a run of ``ctrl + 1`` literal
bytes; otherwise its top three bits are a length (7 = read one more byte) and the
rest, with the next byte, a distance back into the output to copy from.
"""

# mypy: disable-error-code="assignment"
# (numpy scalar arithmetic in compiled loops: numba types these, not mypy)
from __future__ import annotations

import numba
import numpy as np

_MAX_OFFSET = 1 << 13
_MAX_REF = (1 << 8) + (1 << 3)
_HASH_BITS = 14


@numba.njit(cache=True, nogil=True)
def _decompress(data, out):  # pragma: no cover - compiled
    """Decode `data` into `out`; return bytes written, or -1 if the data is corrupt."""
    i = 0
    o = 0
    n_in = data.shape[0]
    n_out = out.shape[0]
    while i < n_in:
        ctrl = np.int64(data[i])
        i += 1
        if ctrl < 32:
            run = ctrl + 1
            if i + run > n_in or o + run > n_out:
                return -1
            out[o : o + run] = data[i : i + run]
            i += run
            o += run
        else:
            length = ctrl >> 5
            if length == 7:
                if i >= n_in:
                    return -1
                length += np.int64(data[i])
                i += 1
            if i >= n_in:
                return -1
            ref = o - ((ctrl & 0x1F) << 8) - np.int64(data[i]) - 1
            i += 1
            length += 2
            if ref < 0 or o + length > n_out:
                return -1
            for k in range(length):  # byte by byte: the source may overlap the output
                out[o + k] = out[ref + k]
            o += length
    return o


def decompress(data: bytes | np.ndarray, size: int) -> np.ndarray | None:
    """Decompress LZF `data` to exactly `size` bytes; None if it is corrupt or short.

    Returns
    -------
    (size,) uint8 or None
    """
    source = np.frombuffer(data, np.uint8) if isinstance(data, bytes) else data
    out = np.empty(size, np.uint8)
    written = _decompress(source, out)
    return out if written == size else None


@numba.njit(cache=True, nogil=True)
def _compress(data, out):  # pragma: no cover - compiled
    """Greedy LZF encoder (hash of 3 bytes -> last position); return bytes written."""
    n = data.shape[0]
    table = np.full(1 << _HASH_BITS, -1, np.int64)
    i = 0
    o = 0
    literal_start = 0
    while i < n:
        length = 0
        if i + 2 < n:
            h = (
                (np.int64(data[i]) << 16) | (np.int64(data[i + 1]) << 8) | data[i + 2]
            ) * 2654435761
            h = (h >> 8) & ((1 << _HASH_BITS) - 1)
            ref = table[h]
            table[h] = i
            if ref >= 0 and i - ref - 1 < _MAX_OFFSET:
                limit = min(_MAX_REF, n - i)
                while length < limit and data[ref + length] == data[i + length]:
                    length += 1
        if length >= 3:
            o = _flush_literals(data, literal_start, i, out, o)
            distance = i - ref - 1
            code = length - 2
            if code < 7:
                out[o] = (code << 5) | (distance >> 8)
                o += 1
            else:
                out[o] = (7 << 5) | (distance >> 8)
                out[o + 1] = code - 7
                o += 2
            out[o] = distance & 0xFF
            o += 1
            i += length
            literal_start = i
        else:
            i += 1
    return _flush_literals(data, literal_start, n, out, o)


@numba.njit(cache=True, nogil=True)
def _flush_literals(data, start, stop, out, o):  # pragma: no cover - compiled
    while start < stop:
        run = min(32, stop - start)
        out[o] = run - 1
        out[o + 1 : o + 1 + run] = data[start : start + run]
        o += run + 1
        start += run
    return o


def compress(data: bytes | np.ndarray) -> bytes:
    """LZF-compress `data` (never more than 1/32 larger than the input)."""
    source = np.frombuffer(data, np.uint8) if isinstance(data, bytes) else data.view(np.uint8)
    out = np.empty(len(source) + len(source) // 32 + 16, np.uint8)
    return out[: _compress(source, out)].tobytes()
