"""Parsers for the lines most files have: plain decimals, one separator byte between them.

They take ``-``, digits, an optional ``.`` and digits, nothing else, which makes them
1.5-2x faster than the general parser in `core.io.text_kernel`: `fast_xyzrgb` for the
most common layout (``x,y,z,r,g,b`` with 0-255 colours), `fast_lines` for any other.
Any line they cannot take (a blank line, two spaces, an exponent, an error) is left to
the general parser, which gives the same values and explains errors.

Values are ``mantissa / 10**decimals`` in float64, the general parser's formula, so the
paths agree bit for bit; with at most 15 significant digits (below 2**53) that is the
correctly rounded value, identical to ``float(text)``.

Bytes are read through `byte_at`, without the negative-index wrap numba adds to every
signed index (a shift, an and and an add a byte): 20% less time a line. Digits are read
one byte at a time except a coordinate's decimals when they are as many as on the line
before (scanners write a fixed number): those 8 bytes are checked and converted at once
(SWAR, SIMD within a register), 10-20% less time a line. Finding every number's end that
way measured slower (86 against 58 ns a line): short numbers cost more multiplies than the
byte loop's additions.
"""

# mypy: disable-error-code="assignment, call-arg, var-annotated"
# (numpy scalar arithmetic and intrinsics in compiled loops: numba types these, not mypy)
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

#: Bytes a parser may read past the newline ending the last line of its range.
READ_AHEAD = 16
_HIGH_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)
_ASCII_ZEROS = np.uint64(0x3030303030303030)
_PLUS_SIX = np.uint64(0x0606060606060606)
#: The first d + 1 bytes of a word, d = 0..7.
_FIRST_BYTES = np.array([(1 << (8 * (d + 1))) - 1 for d in range(8)], np.uint64)
_POW10_INT = np.array([10**k for k in range(19)], np.int64)


def _contiguous_bytes(array_type) -> bool:
    """The intrinsics address bytes from the data pointer: 1-D contiguous uint8 only."""
    return (
        isinstance(array_type, types.Array)
        and array_type.ndim == 1
        and array_type.layout == "C"
        and array_type.dtype == types.uint8
    )


@intrinsic
def _load8(typingctx, array, index):  # pragma: no cover - compiled
    """The 8 bytes ``array[index:index + 8]`` as one little-endian uint64 (unaligned load)."""
    if not _contiguous_bytes(array):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        pointer = builder.gep(data, [args[1]])
        wide = builder.bitcast(pointer, ir.IntType(64).as_pointer())
        return builder.load(wide, align=1)

    return types.uint64(array, index), codegen


@intrinsic
def byte_at(typingctx, array, index):  # pragma: no cover - compiled
    """``array[index]`` with no negative-index wrap (numba adds one to every signed index)."""
    if not _contiguous_bytes(array):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return builder.load(builder.gep(data, [args[1]]))

    return types.uint8(array, index), codegen


@numba.njit(inline="always")
def _non_digits(word):  # pragma: no cover - compiled
    """`word` with its digit bytes zero and every other byte non-zero."""
    # A byte is a digit when its high nibble is 3 both as is and after adding 6; the
    # carry a byte >= 0xFA passes on only spoils bytes after the first non-digit.
    low = (word & _HIGH_NIBBLES) ^ _ASCII_ZEROS
    return low | (((word + _PLUS_SIX) & _HIGH_NIBBLES) ^ _ASCII_ZEROS)


@numba.njit(inline="always")
def _digits_value(word, count):  # pragma: no cover - compiled
    """The integer the first `count` (1-7) digit bytes of `word` spell."""
    # Shifted so the digits end the word: the bytes shifted in are leading zeros.
    word = (word & _LOW_NIBBLES) << np.uint64(64 - 8 * count)
    word = (word * np.uint64(2561)) >> np.uint64(8)
    word = ((word & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(6553601)) >> np.uint64(16)
    word = ((word & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(42949672960001)) >> np.uint64(32)
    return np.int64(word & np.uint64(0xFFFFFFFF))


@numba.njit(cache=True, nogil=True)
def fast_xyzrgb(buf, lo, hi, row, sep, xyz, rgb, pow10):  # pragma: no cover - compiled
    """The common case only: ``x<sep>y<sep>z<sep>r<sep>g<sep>b`` and a newline, plain
    decimals and 0-255 integers. Returns (rows, position of the first line it cannot take or -1);
    the general parser continues from there, and explains any error.
    """
    first_row = row
    i = lo
    decimals = np.zeros(3, np.int64)  # each coordinate's decimals on the line before
    while i < hi:
        line_start = i
        for j in range(3):
            negative = byte_at(buf, i) == 45
            if negative:
                i += 1
            start = i
            mantissa = 0
            c = byte_at(buf, i)
            while 48 <= c <= 57:
                mantissa = mantissa * 10 + (np.int64(c) - 48)
                i += 1
                c = byte_at(buf, i)
            scale = 0
            if c == 46:
                # Scanners write a fixed number of decimals: if the 8 bytes after the
                # point hold as many digits as last line's, convert them at once.
                d = decimals[j]
                word = _load8(buf, i + 1)
                odd = _non_digits(word) & _FIRST_BYTES[d]
                if d > 0 and odd >> np.uint64(8 * d) != 0 and odd << np.uint64(64 - 8 * d) == 0:
                    mantissa = mantissa * _POW10_INT[d] + _digits_value(word, d)
                    i += d + 1
                    c = byte_at(buf, i)
                    scale = d
                else:
                    i += 1
                    fraction_start = i
                    c = byte_at(buf, i)
                    while 48 <= c <= 57:
                        mantissa = mantissa * 10 + (np.int64(c) - 48)
                        i += 1
                        c = byte_at(buf, i)
                    scale = i - fraction_start
                    decimals[j] = scale if scale < 8 else 0
            digits = i - start - (1 if scale > 0 or byte_at(buf, i - 1) == 46 else 0)
            if c != sep or digits == 0 or digits > 18:
                return row - first_row, line_start
            value = mantissa / pow10[scale]
            xyz[row, j] = -value if negative else value
            i += 1
        for j in range(3):
            start = i
            value = 0
            c = byte_at(buf, i)
            while 48 <= c <= 57:
                value = value * 10 + (np.int64(c) - 48)
                i += 1
                c = byte_at(buf, i)
            end = sep if j < 2 else 10  # the last value ends the line
            if c != end or i == start or i - start > 3 or value > 255:
                return row - first_row, line_start
            rgb[row, j] = value
            i += 1
        row += 1
    return row - first_row, -1


@numba.njit(cache=True, nogil=True)
def fast_lines(buf, lo, hi, row, sep, dest, xyz, rgb, other, rgb_max, rgb_scale, pow10):
    """Parse the plain lines of ``byte_at(buf, lo:hi)`` into rows from `row`, any layout.

    Values are separated by exactly the byte `sep`; a line ends with LF or CRLF.
    Returns (rows, position of the first line it cannot take or -1).
    """  # pragma: no cover - compiled
    last = dest.shape[0] - 1
    first_row = row
    i = lo
    while i < hi:
        line_start = i
        for j in range(last + 1):
            negative = byte_at(buf, i) == 45
            if negative:
                i += 1
            start = i
            mantissa = 0
            c = byte_at(buf, i)
            while 48 <= c <= 57:
                mantissa = mantissa * 10 + (np.int64(c) - 48)
                i += 1
                c = byte_at(buf, i)
            n_digits = i - start
            decimals = 0
            if c == 46:
                i += 1
                c = byte_at(buf, i)
                while 48 <= c <= 57:
                    mantissa = mantissa * 10 + (np.int64(c) - 48)
                    i += 1
                    c = byte_at(buf, i)
                decimals = i - start - n_digits - 1
                n_digits += decimals
                if decimals == 0:
                    return row - first_row, line_start
            if n_digits == 0 or n_digits > 18:
                return row - first_row, line_start
            if j < last:
                if c != sep:
                    return row - first_row, line_start
            elif c == 13 and byte_at(buf, i + 1) == 10:
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
