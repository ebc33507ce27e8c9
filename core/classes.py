"""Label classes: id, name and colour, shared by the legend, Ground Truth and the exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError

# A qualitative palette that stays distinguishable on dark and light backgrounds.
PALETTE: list[tuple[int, int, int]] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (188, 189, 34),
    (23, 190, 207),
    (174, 199, 232),
    (255, 187, 120),
    (152, 223, 138),
    (255, 152, 150),
    (197, 176, 213),
    (196, 156, 148),
    (247, 182, 210),
    (219, 219, 141),
    (158, 218, 229),
    (57, 59, 121),
    (99, 121, 57),
]
#: Colour of unlabeled points: a neutral grey.
UNLABELED_COLOR = (128, 128, 128)


@dataclass(frozen=True)
class LabelClass:
    """One class: the integer stored per point, its name and its display colour."""

    id: int
    name: str
    color: tuple[int, int, int]

    @property
    def hex_color(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.color)


def default_color(index: int) -> tuple[int, int, int]:
    """The palette colour for the `index`-th class."""
    return PALETTE[index % len(PALETTE)]


def make_classes(names: list[str], first_id: int = 0) -> list[LabelClass]:
    """Classes numbered from `first_id` with palette colours."""
    return [LabelClass(first_id + i, n, default_color(i)) for i, n in enumerate(names)]


def read_classes(path: str | Path) -> list[LabelClass]:
    """Read a class list: JSON (``[{"id", "name", "color"}]``) or text lines ``ID NAME``.

    Text lines may carry a trailing comment in parentheses, as in
    ``3 low_vegetation (ODM: any vegetation)``; it is kept as part of the name only
    when there is nothing else.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the class list ({exc}); check the file.", path) from exc
    if text.lstrip().startswith("["):
        return _classes_from_json(text, path)
    classes: list[LabelClass] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" ")
        if not head.isdigit():
            raise InputError(
                f"expected 'ID NAME' with a whole-number ID, found {line[:40]!r}; fix the line.",
                path,
                line_no,
            )
        name = rest.split("(")[0].strip() or rest.strip() or f"class {head}"
        classes.append(LabelClass(int(head), name, default_color(len(classes))))
    return classes


def _classes_from_json(text: str, path: Path) -> list[LabelClass]:
    try:
        items = json.loads(text)
        classes = [
            LabelClass(int(d["id"]), str(d["name"]), _color(d.get("color"), i))
            for i, d in enumerate(items)
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"the class list is not valid JSON of id/name/color ({exc}); give a list of "
            '{"id": INT, "name": TEXT, "color": [R, G, B]}.',
            path,
        ) from exc
    return classes


def _color(value: object, index: int) -> tuple[int, int, int]:
    """An (r, g, b) of 0-255 integers; ValueError for anything else."""
    if not value:
        return default_color(index)
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise ValueError(f"class {index + 1}: a colour needs 3 values 0-255, found {value!r}")
    r, g, b = (int(c) for c in value)
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise ValueError(f"class {index + 1}: colour values must be 0-255, found {value!r}")
    return (r, g, b)


def write_classes(classes: list[LabelClass], path: str | Path) -> None:
    """Write a class list as JSON (atomically)."""
    from core.atomic import atomic_write

    data = [{"id": c.id, "name": c.name, "color": list(c.color)} for c in classes]
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=1)


def classes_for(
    labels_present: list[int], known: list[LabelClass] | None = None
) -> list[LabelClass]:
    """Known classes for the ids present, plus generic entries for unknown ids."""
    by_id = {c.id: c for c in known or []}
    out = []
    for i, label in enumerate(sorted(set(labels_present))):
        out.append(by_id.get(label) or LabelClass(label, f"class {label}", default_color(i)))
    return out
