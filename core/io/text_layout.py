"""What a text point cloud looks like, from its first lines: header, separator, columns.

The layout is decided once from the head of the file, then the compiled parser applies
it to every line. Messages for bad lines are also written here, from the line's text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.io import text_kernel as kernel

#: Bytes read to decide the layout.
SNIFF_BYTES = 1 << 16
#: Column names a header may use (lower case), and where each goes: 0-2 xyz, 3-5 rgb,
#: 6 intensity, 7 label (the last two are columns of the parser's `other` output).
HEADER_NAMES = {
    "x": 0, "y": 1, "z": 2, "r": 3, "g": 4, "b": 5, "red": 3, "green": 4, "blue": 5,
    "i": 6, "intensity": 6, "scalar_intensity": 6,
    "label": 7, "labels": 7, "class": 7, "classification": 7, "scalar_label": 7,
}  # fmt: skip
#: Without a header, the number of values a line says what they are.
LAYOUTS = {3: [0, 1, 2], 4: [0, 1, 2, 6], 6: [0, 1, 2, 3, 4, 5], 7: [0, 1, 2, 6, 3, 4, 5]}
_NAN_WORDS = {"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity"}


@dataclass
class TextLayout:
    """How to read the data lines.

    Attributes
    ----------
    data_start : int
        Byte offset of the first data line.
    lines_before : int
        Lines before it (header, comments, a point count).
    comma : bool
        Values separated by commas (else spaces or tabs).
    columns : list of int
        What each column holds (see `HEADER_NAMES`).
    rgb_max : float
        255.0 for 0-255 colours, 1.0 for 0-1 floats.
    bytes_per_line : float
        Average data line length in the head, to size the outputs.
    tab : bool
        The first data line separates values with tabs (for the fast path).
    """

    data_start: int
    lines_before: int
    comma: bool
    columns: list[int]
    rgb_max: float
    bytes_per_line: float
    tab: bool = False

    @property
    def has(self) -> set[int]:
        return set(self.columns)

    @property
    def fast_sep(self) -> int:
        """The separator byte of the first data line, for the parser's fast path."""
        return ord(",") if self.comma else ord("\t") if self.tab else ord(" ")

    @property
    def others(self) -> list[int]:
        """Kinds (6 intensity, 7 label) of the parser's float32 `other` columns."""
        return [c for c in self.columns if c >= 6]

    @property
    def dest(self) -> np.ndarray:
        """Parser destination of each column: 0-2 xyz, 3-5 rgb, 6 + k the k-th other."""
        others = self.others
        return np.array([c if c < 6 else 6 + others.index(c) for c in self.columns], np.int64)


def split_values(line: str) -> list[str]:
    return line.replace(",", " ").split()


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _header_dest(tokens: list[str]) -> list[int] | None:
    names = [t.strip().lstrip("/#").strip().lower() for t in tokens]
    names = [n for n in names if n]
    if not names or any(n not in HEADER_NAMES for n in names):
        return None
    dest = [HEADER_NAMES[n] for n in names]
    if sorted(d for d in dest if d < 3) != [0, 1, 2] or len(set(dest)) != len(dest):
        return None
    return dest


def refuse_non_text(head: bytes, path: Path, expected: str = "a text point cloud") -> None:
    """InputError for UTF-16/UTF-32 text (named as such) and for binary data (NUL bytes)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        raise InputError(
            f"the file is UTF-16 text; save it as UTF-8 (or ASCII) text with {expected}.",
            path,
        )
    if b"\0" in head:
        line = head[: head.index(b"\0")].count(b"\n") + 1
        raise InputError(
            f"the file holds binary data (NUL bytes), not text; check it is {expected}.",
            path,
            line,
        )


def _looks_utf16(head: bytes) -> bool:
    """Text saved as UTF-16 without a byte-order mark: every other byte is NUL."""
    sample = head[:512]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return (even.count(0) > 0.9 * len(even)) != (odd.count(0) > 0.9 * len(odd))


def sniff_layout(path: Path) -> TextLayout:
    """Read the head of `path` and decide the layout; InputError for empty or binary files."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    refuse_non_text(head, path)
    if not head.strip():
        raise InputError("the file is empty; choose a file with points in it.", path)
    if len(head) == SNIFF_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n")]  # the last line may be cut
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0  # Windows tools start UTF-8 so
    try:
        texts = head[bom:].decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise InputError(
            "the line holds bytes that are not text (not UTF-8); save the file as UTF-8 text.",
            path,
            head[: exc.start].count(b"\n") + 1,
        ) from None
    layout = _layout_from_lines(texts, path)
    layout.data_start += bom
    return layout


def _layout_from_lines(texts: list[str], path: Path) -> TextLayout:
    index, offset, header = 0, 0, None
    while index < len(texts):
        stripped = texts[index].strip()
        tokens = split_values(stripped)
        next_tokens = split_values(texts[index + 1]) if index + 1 < len(texts) else []
        is_count = len(tokens) == 1 and tokens[0].isdigit() and len(next_tokens) >= 3
        is_comment = stripped.startswith(("#", "//"))
        if stripped and not is_count and all(_is_number(t) for t in tokens):
            break
        if stripped and not is_count:
            header = _header_dest(tokens) or header
        if stripped and not is_comment and not is_count and index > 0 and header is None:
            raise InputError(
                f"{stripped[:40]!r} is not a line of numbers; fix the value or remove the line.",
                path,
                index + 1,
            )
        offset += len(texts[index].encode("utf-8")) + 1
        index += 1
    if index == len(texts):
        raise InputError("the file has no lines of numbers; choose a point cloud file.", path)
    first = texts[index]
    n_values = len(split_values(first))
    dest = header if header is not None and len(header) == n_values else LAYOUTS.get(n_values)
    if dest is None:
        raise InputError(
            f"the line has {n_values} values; expected 3 (x y z), 4 (x y z intensity), "
            "6 (x y z r g b) or 7 (x y z intensity r g b), or a header naming the columns.",
            path,
            index + 1,
        )
    head = texts[index : index + 200]
    sample = [split_values(t) for t in head if t.strip()]
    data_bytes = sum(len(t) + 1 for t in head)
    return TextLayout(
        data_start=offset,
        lines_before=index,
        comma="," in first,
        columns=list(dest),
        rgb_max=_colour_scale(sample, dest),
        bytes_per_line=max(data_bytes / max(len(sample), 1), 6.0),
        tab="\t" in first.strip(),
    )


def _colour_scale(sample: list[list[str]], dest: list[int]) -> float:
    """1.0 when the colours in the head are all 0-1 decimals, else 255.0."""
    columns = [j for j, d in enumerate(dest) if 3 <= d <= 5]
    tokens = [row[j] for row in sample for j in columns if j < len(row)]
    if not tokens or not all(_is_number(t) for t in tokens):
        return 255.0
    values = [float(t) for t in tokens]
    decimal = any(("." in t or "e" in t.lower()) for t in tokens)
    return 1.0 if decimal and max(values) <= 1.0 else 255.0


def describe_bad_line(code: int, line: bytes, layout: TextLayout) -> str:
    """One sentence for the first bad line the parser met."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "the line holds bytes that are not text; check it is a text point cloud."
    if "\0" in text or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        return "the line holds binary data, not text; check it is a text point cloud."
    tokens = split_values(text)
    n = len(layout.columns)
    mixed = _mixed_separators(text, layout)
    if mixed:
        return mixed
    if code in (kernel.TOO_FEW, kernel.TOO_MANY) or len(tokens) != n:
        return (
            f"the line has {len(tokens)} values but the file's lines have {n}; "
            "every line needs the same number of values."
        )
    for token, target in zip(tokens, layout.columns, strict=False):
        if target < 3 and (token.lower() in _NAN_WORDS or not _finite(token)):
            return f"a coordinate is NaN or infinite ({token}); fix or remove the point."
        if not _is_number(token):
            return f"{token[:30]!r} is not a number; fix the value or remove the line."
        if 3 <= target <= 5 and not 0 <= float(token) <= layout.rgb_max:
            span = "0-255" if layout.rgb_max > 1 else "0-1 (the file's first colours are 0-1)"
            return f"the colour value {token} is outside {span}; fix the colour."
    return "the line is not a line of numbers; fix or remove it."


def _mixed_separators(text: str, layout: TextLayout) -> str:
    """A sentence when the line separates values differently from the file's first lines."""
    stripped = text.strip()
    has_comma = "," in stripped
    if layout.comma and not has_comma and len(stripped.split()) > 1:
        return (
            "the line separates values with spaces but the file's first lines use commas; "
            "use one separator throughout the file."
        )
    if not layout.comma and has_comma:
        return (
            "the line separates values with commas but the file's first lines use spaces or "
            "tabs; use one separator throughout the file."
        )
    return ""


def _finite(token: str) -> bool:
    try:
        return math.isfinite(float(token))
    except ValueError:
        return True  # not a number at all: reported as such
