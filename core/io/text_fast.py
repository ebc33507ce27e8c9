"""Parsers for the lines most files have: plain decimals, one separator byte between them.

They take ``-``, digits, an optional ``.`` and digits, nothing else, which makes them
1.5-2x faster than the general parser in `core.io.text_kernel`: `fast_xyzrgb` for the
most common layout (``x,y,z,r,g,b`` with 0-255 colours), `fast_lines` for any other.
Any line they cannot take (a blank line, two spaces, an exponent, an error) is left to
the general parser, which gives the same values and explains errors.

Values are ``mantissa / 10**decimals`` in float64, the general parser's formula, so the
paths agree bit for bit; with at most 15 significant digits (below 2**53) that is the
correctly rounded value, identical to ``float(text)``. (Reading 8 bytes at once and
converting digits with multiplies, SWAR, measured slower here: 86 against 58 ns a line,
since short numbers cost more multiplies than the byte loop's additions.)
"""

# mypy: disable-error-code="assignment"
# (numpy scalar arithmetic in compiled loops: numba types these, not mypy)
from __future__ import annotations

import numba
import numpy as np

#: Bytes a parser may read past the newline ending the last line of its range.
READ_AHEAD = 16


@numba.njit(cache=True, nogil=True)
def fast_xyzrgb(buf, lo, hi, row, sep, xyz, rgb, pow10):  # pragma: no cover - compiled
    """The common case only: ``x<sep>y<sep>z<sep>r<sep>g<sep>b`` and a newline, plain
    decimals and 0-255 integers. Returns (rows, position of the first line it cannot take or -1);
    the general parser continues from there, and explains any error.
    """
    first_row = row
    i = lo
    while i < hi:
        line_start = i
        for j in range(3):
            negative = buf[i] == 45
            if negative:
                i += 1
            start = i
            mantissa = 0
            c = buf[i]
            while 48 <= c <= 57:
                mantissa = mantissa * 10 + (np.int64(c) - 48)
                i += 1
                c = buf[i]
            scale = 0
            if c == 46:
                i += 1
                fraction_start = i
                c = buf[i]
                while 48 <= c <= 57:
                    mantissa = mantissa * 10 + (np.int64(c) - 48)
                    i += 1
                    c = buf[i]
                scale = i - fraction_start
            digits = i - start - (1 if scale > 0 or buf[i - 1] == 46 else 0)
            if c != sep or digits == 0 or digits > 18:
                return row - first_row, line_start
            value = mantissa / pow10[scale]
            xyz[row, j] = -value if negative else value
            i += 1
        for j in range(3):
            start = i
            value = 0
            c = buf[i]
            while 48 <= c <= 57:
                value = value * 10 + (np.int64(c) - 48)
                i += 1
                c = buf[i]
            end = sep if j < 2 else 10  # the last value ends the line
            if c != end or i == start or i - start > 3 or value > 255:
                return row - first_row, line_start
            rgb[row, j] = value
            i += 1
        row += 1
    return row - first_row, -1


@numba.njit(cache=True, nogil=True)
def fast_lines(buf, lo, hi, row, sep, dest, xyz, rgb, other, rgb_max, rgb_scale, pow10):
    """Parse the plain lines of ``buf[lo:hi]`` into rows from `row`, any layout.

    Values are separated by exactly the byte `sep`; a line ends with LF or CRLF.
    Returns (rows, position of the first line it cannot take or -1).
    """  # pragma: no cover - compiled
    last = dest.shape[0] - 1
    first_row = row
    i = lo
    while i < hi:
        line_start = i
        for j in range(last + 1):
            negative = buf[i] == 45
            if negative:
                i += 1
            start = i
            mantissa = 0
            c = buf[i]
            while 48 <= c <= 57:
                mantissa = mantissa * 10 + (np.int64(c) - 48)
                i += 1
                c = buf[i]
            n_digits = i - start
            decimals = 0
            if c == 46:
                i += 1
                c = buf[i]
                while 48 <= c <= 57:
                    mantissa = mantissa * 10 + (np.int64(c) - 48)
                    i += 1
                    c = buf[i]
                decimals = i - start - n_digits - 1
                n_digits += decimals
                if decimals == 0:
                    return row - first_row, line_start
            if n_digits == 0 or n_digits > 18:
                return row - first_row, line_start
            if j < last:
                if c != sep:
                    return row - first_row, line_start
            elif c == 13 and buf[i + 1] == 10:
                i += 1  # CRLF
            elif c != 10:
                return row - first_row, line_start
            i += 1
            value = mantissa / pow10[decimals]
            if negative:
                value = -value
            target = dest[j]
            if target < 3:
                xyz[row, target] = value
            elif target < 6:
                if value > rgb_max or negative:
                    return row - first_row, line_start
                rgb[row, target - 3] = np.uint8(value * rgb_scale + 0.5)
            else:
                other[row, target - 6] = value
        row += 1
    return row - first_row, -1
