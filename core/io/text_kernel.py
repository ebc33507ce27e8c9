"""The compiled inner loop of the text reader: numbers out of bytes, on every core.

A block of bytes that ends at a newline is cut into pieces at newlines; the pieces'
line counts give each piece its first output row, then every piece is parsed by its
own thread (the compiled code releases the GIL) straight into the output arrays, with
no intermediate strings or tables.
Numbers with at most 18 significant digits and small exponents are an integer mantissa
divided (or multiplied) by an exact power of ten: with at most 15 digits (a mantissa
below 2**53) that is the correctly rounded value, identical to ``float(text)``, which
covers every coordinate a scanner writes; with 16-18 digits (our writers' shortest
round-trip floats) the mantissa is rounded first, so the value may be 1 ulp off
(2.2e-16 relative). Longer numbers keep 18 digits.
"""

# mypy: disable-error-code="assignment, call-arg"
# (numpy scalar arithmetic and intrinsics in compiled loops: numba types these, not mypy)
from __future__ import annotations

import numba
import numpy as np

from core.io.text_fast import READ_AHEAD, byte_at, fast_lines, fast_xyzrgb

__all__ = ["READ_AHEAD", "bounds", "count_lines", "last_line_end", "line_end", "parse_piece"]

#: Error codes returned per piece (the Python side turns them into sentences).
OK, BAD_NUMBER, TOO_FEW, TOO_MANY, NOT_FINITE, COLOR_RANGE = 0, 1, 2, 3, 4, 5
_POW10 = np.array([10.0**k for k in range(23)])
_NEWLINE, _CR, _SPACE, _TAB, _COMMA = 10, 13, 32, 9, 44


@numba.njit(cache=True, nogil=True)
def _long_number(buf, i):  # pragma: no cover - compiled
    """Unsigned value of a number with more than 18 digits (rare), keeping 18 of them."""
    mantissa = 0
    kept = 0
    scale = 0
    while 48 <= buf[i] <= 57:
        if kept < 18:
            mantissa = mantissa * 10 + np.int64(buf[i]) - 48
            kept += mantissa > 0
        else:
            scale += 1
        i += 1
    if buf[i] == 46:
        i += 1
        while 48 <= buf[i] <= 57:
            if kept < 18:
                mantissa = mantissa * 10 + np.int64(buf[i]) - 48
                kept += mantissa > 0
                scale -= 1
            i += 1
    return float(mantissa) * 10.0**scale


@numba.njit(cache=True, nogil=True)
def count_lines(buf, lo, hi):  # pragma: no cover - compiled
    """Number of newlines in ``buf[lo:hi]`` (a vectorised loop, about 30 GB/s)."""
    part = buf[lo:hi]  # a zero-based loop vectorises; range(lo, hi) did not (7x slower)
    n = 0
    for i in range(part.shape[0]):
        if part[i] == _NEWLINE:
            n += 1
    return n


@numba.njit(cache=True, nogil=True)
def line_end(buf, i, hi):  # pragma: no cover - compiled
    """Index of the first newline in ``buf[i:hi]``, or `hi`."""
    while i < hi and buf[i] != _NEWLINE:
        i += 1
    return i


@numba.njit(cache=True, nogil=True)
def last_line_end(buf, filled):  # pragma: no cover - compiled
    """One past the last newline in ``buf[:filled]``, or 0."""
    i = filled
    while i > 0 and buf[i - 1] != _NEWLINE:
        i -= 1
    return i


@numba.njit(cache=True, nogil=True)
def _skip_separator(buf, i, comma):  # pragma: no cover - compiled
    """Skip a separator (spaces/tabs, or one comma with optional spaces); -1 if none."""
    start = i
    while buf[i] == _SPACE or buf[i] == _TAB:
        i += 1
    if comma:
        if buf[i] != _COMMA:
            return -1
        i += 1
        while buf[i] == _SPACE or buf[i] == _TAB:
            i += 1
        return i
    return i if i > start else -1


@numba.njit(cache=True, nogil=True)
def _parse_piece(buf, lo, hi, row, comma, dest, xyz, rgb, other, rgb_max, rgb_scale, pow10):
    """Parse the lines of ``byte_at(buf, lo:hi)`` into rows from `row`; (rows, error pos, code).

    Everything is in one loop on purpose: numba does not inline a helper returning a
    tuple well, and that alone made parsing three times slower.
    """
    ncols = dest.shape[0]
    first_row = row
    i = lo
    while i < hi:
        line_start = i
        while byte_at(buf, i) == _SPACE or byte_at(buf, i) == _TAB or byte_at(buf, i) == _CR:
            i += 1
        if byte_at(buf, i) == _NEWLINE:  # a blank line
            i += 1
            continue
        for j in range(ncols):
            if j > 0:
                if comma and byte_at(buf, i) == _COMMA:
                    i += 1  # the usual case, without a call
                    while byte_at(buf, i) == _SPACE or byte_at(buf, i) == _TAB:
                        i += 1
                else:
                    i = _skip_separator(buf, i, comma)
                    if i < 0:
                        return row - first_row, line_start, TOO_FEW
            c = byte_at(buf, i)
            negative = c == 45
            if negative or c == 43:
                i += 1
            digits_start = i
            mantissa = 0
            c = byte_at(buf, i)
            while 48 <= c <= 57:
                mantissa = mantissa * 10 + (np.int64(c) - 48)
                i += 1
                c = byte_at(buf, i)
            n_digits = i - digits_start
            scale = 0
            if c == 46:
                i += 1
                fraction_start = i
                c = byte_at(buf, i)
                while 48 <= c <= 57:
                    mantissa = mantissa * 10 + (np.int64(c) - 48)
                    i += 1
                    c = byte_at(buf, i)
                scale = fraction_start - i
                n_digits -= scale
            if n_digits == 0:
                return row - first_row, line_start, BAD_NUMBER
            exponent = 0
            if c == 101 or c == 69:
                i += 1
                exp_negative = byte_at(buf, i) == 45
                if exp_negative or byte_at(buf, i) == 43:
                    i += 1
                exp_start = i
                while 48 <= byte_at(buf, i) <= 57:
                    exponent = min(exponent * 10 + np.int64(byte_at(buf, i)) - 48, 100000)
                    i += 1
                if i == exp_start:
                    return row - first_row, line_start, BAD_NUMBER
                if exp_negative:
                    exponent = -exponent
                scale += exponent
                c = byte_at(buf, i)
            if not (c == _COMMA or c == _SPACE or c == _TAB or c == _NEWLINE or c == _CR):  # noqa: SIM109
                return row - first_row, line_start, BAD_NUMBER
            target = dest[j]
            if -22 <= scale < 0 and n_digits <= 18:
                value = mantissa / pow10[-scale]  # the usual case: a decimal fraction
            elif 0 <= scale <= 22 and n_digits <= 18:
                value = mantissa * pow10[scale]
            else:  # rare: long or huge numbers, which may overflow to infinity
                if n_digits > 18:
                    value = _long_number(buf, digits_start) * 10.0**exponent
                else:
                    value = mantissa * 10.0**scale
                if target < 3 and not np.isfinite(value):
                    return row - first_row, line_start, NOT_FINITE
            if negative:
                value = -value
            if target < 3:
                xyz[row, target] = value
            elif target < 6:
                if not (0.0 <= value <= rgb_max):
                    return row - first_row, line_start, COLOR_RANGE
                rgb[row, target - 3] = np.uint8(value * rgb_scale + 0.5)
            else:
                other[row, target - 6] = value
        while byte_at(buf, i) == _SPACE or byte_at(buf, i) == _TAB or byte_at(buf, i) == _CR:
            i += 1
        if byte_at(buf, i) != _NEWLINE:
            c = byte_at(buf, i)
            code = TOO_MANY if (c == _COMMA or (48 <= c <= 57) or c == 45) else BAD_NUMBER
            return row - first_row, line_start, code
        i += 1
        row += 1
    return row - first_row, -1, OK


@numba.njit(cache=True, nogil=True)
def _parse_lines(buf, lo, hi, row, sep, xyzrgb, comma, dest, xyz, rgb, other, rgb_max, pow10):
    """The fast parser while it takes the lines, the general one for each line it does not."""
    rgb_scale = 255.0 / rgb_max
    first_row = row
    misses = 0  # the fast parser's consecutive lines refused: past 2, the file is not plain
    i = lo
    while i < hi:
        end = hi
        if misses < 2 and sep > 0:
            if xyzrgb:
                done, stop = fast_xyzrgb(buf, i, hi, row, sep, xyz, rgb, pow10)
            else:
                done, stop = fast_lines(buf, i, hi, row, sep, dest, xyz, rgb, other, rgb_max,
                                        rgb_scale, pow10)  # fmt: skip
            row += done
            if stop < 0:
                break
            misses = misses + 1 if done == 0 else 0
            i = stop
            end = line_end(buf, i, hi) + 1  # the general parser takes this one line
        rows, error_at, code = _parse_piece(
            buf, i, end, row, comma, dest, xyz, rgb, other, rgb_max, rgb_scale, pow10
        )
        row += rows
        if error_at >= 0:
            return row - first_row, error_at, code
        i = end
    return row - first_row, -1, OK


def parse_piece(buf, lo, hi, row, comma, dest, xyz, rgb, other, rgb_max, sep=0):
    """Parse the lines of ``buf[lo:hi]`` into the outputs from row `row`.

    Parameters
    ----------
    buf : (B,) uint8
        Bytes; ``buf[hi - 1]`` is a newline and `READ_AHEAD` bytes after `hi` are readable.
    lo, hi, row : int
        Byte range, and the output row of its first line.
    comma : bool
        True if values are separated by commas, False for spaces/tabs.
    dest : (C,) int64
        Where column j goes: 0-2 xyz column, 3-5 rgb column, >= 6 column of `other`.
    xyz : (M, 3) float64; rgb : (M, 3) uint8; other : (M, K) float32
        Outputs, written in place.
    rgb_max : float
        255.0 for 0-255 colours, 1.0 for 0-1 colours (scaled to 0-255).
    sep : int
        The file's usual separator byte (comma, space or tab): lines with exactly that
        byte between plain decimals go to the fast parser. 0: the general parser only.

    Returns
    -------
    (rows parsed, byte position of the first bad line or -1, error code)
    """
    xyzrgb = rgb_max == 255.0 and dest.tolist() == [0, 1, 2, 3, 4, 5]
    return _parse_lines(
        buf, lo, hi, row, sep, xyzrgb, comma, dest, xyz, rgb, other, rgb_max, _POW10
    )


@numba.njit(cache=True, nogil=True)
def bounds(xyz, lo, hi):  # pragma: no cover - compiled
    """(low, high) corners of ``xyz[lo:hi]`` in one pass over the rows (both (3,) float64)."""
    low = np.full(3, np.inf)
    high = np.full(3, -np.inf)
    for row in range(lo, hi):
        for k in range(3):
            value = xyz[row, k]
            low[k] = min(low[k], value)
            high[k] = max(high[k], value)
    return low, high


@numba.njit(cache=True, nogil=True)
def parse_integers(buf, out):  # pragma: no cover - compiled
    """Whitespace-separated integers of ``buf`` into `out`; (count, bad byte pos or -1).

    A value must be 0..65535 (a label); anything else stops at its position.
    """
    n = buf.shape[0]
    count = 0
    i = 0
    while i < n:
        c = buf[i]
        if c == _SPACE or c == _TAB or c == _CR or c == _NEWLINE:  # noqa: SIM109
            i += 1
            continue
        start = i
        value = 0
        while i < n and 48 <= buf[i] <= 57 and value <= 65535:
            value = value * 10 + np.int64(buf[i]) - 48
            i += 1
        if i == start or value > 65535:
            return count, start
        if i < n and not (
            buf[i] == _SPACE or buf[i] == _TAB or buf[i] == _CR or buf[i] == _NEWLINE
        ):
            return count, start
        out[count] = value
        count += 1
    return count, -1
