"""The label category configuration: Ground Truth's class list, validated.

Semantic segmentation takes label names only (no colours); Ground Truth index i is the
i-th label, but the output's ``color-map`` is what maps indices to names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.classes import LabelClass, make_classes
from core.cloud import UNLABELED
from core.errors import InputError

MAX_LABELS = 30
MAX_LABEL_CHARS = 16
MAX_SHORT_INSTRUCTION = 254  # "< 255 characters"
MAX_FULL_INSTRUCTION = 2047  # "< 2,048 characters"
DOCUMENT_VERSION = "2020-03-01"
DEFAULT_SHORT_INSTRUCTION = "Paint every point with the class of the surface it lies on."
DEFAULT_FULL_INSTRUCTION = (
    "<p>Use the paint brush or polygon tool to give every point a class. Rotate the cloud to "
    "reach hidden surfaces. Leave points you cannot identify unpainted.</p>"
)
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "resources" / "label_config.json"


def check_classes(
    classes: list[LabelClass],
    short_instruction: str | None = None,
    full_instruction: str | None = None,
) -> list[str]:
    """Every problem with a class list as a Ground Truth label config, one sentence each."""
    problems = []
    if not 1 <= len(classes) <= MAX_LABELS:
        problems.append(
            f"Ground Truth needs 1 to {MAX_LABELS} classes, the list has {len(classes)}; "
            "add or remove classes."
        )
    for c in classes:
        if not c.name.strip():
            problems.append(f"class {c.id} has an empty name; give it a name.")
        elif len(c.name) > MAX_LABEL_CHARS:
            problems.append(
                f"class name {c.name!r} has {len(c.name)} characters, Ground Truth allows "
                f"{MAX_LABEL_CHARS}; shorten it."
            )
    names = [c.name for c in classes]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"class name {dup!r} is used more than once; make the names unique.")
    ids = [c.id for c in classes]
    for dup_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"class id {dup_id} is used more than once; make the ids unique.")
    if UNLABELED in ids:
        problems.append(f"class id {UNLABELED} means unlabeled; give that class another id.")
    if short_instruction is not None and len(short_instruction) > MAX_SHORT_INSTRUCTION:
        problems.append(
            f"the short instruction has {len(short_instruction)} characters, Ground Truth "
            f"allows fewer than {MAX_SHORT_INSTRUCTION + 1}; shorten it."
        )
    if full_instruction is not None and len(full_instruction) > MAX_FULL_INSTRUCTION:
        problems.append(
            f"the full instruction has {len(full_instruction)} characters, Ground Truth "
            f"allows fewer than {MAX_FULL_INSTRUCTION + 1}; shorten it."
        )
    return problems


def label_config(
    classes: list[LabelClass],
    short_instruction: str | None = None,
    full_instruction: str | None = None,
) -> dict[str, Any]:
    """The label category configuration for semantic segmentation (labels in list order)."""
    return {
        "document-version": DOCUMENT_VERSION,
        "labels": [{"label": c.name} for c in classes],
        "instructions": {
            "shortInstruction": short_instruction or DEFAULT_SHORT_INSTRUCTION,
            "fullInstruction": full_instruction or DEFAULT_FULL_INSTRUCTION,
        },
    }


def read_label_config(path: str | Path) -> tuple[list[LabelClass], str | None, str | None]:
    """Classes and instructions from a Ground Truth label config JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"not a Ground Truth label config ({exc}); it needs a 'labels' list of "
            '{"label": NAME} entries.',
            path,
        ) from exc
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, list) or not all(
        isinstance(item, dict) and isinstance(item.get("label"), str) for item in labels
    ):
        raise InputError(
            'must be a list of {"label": NAME} entries with text names; fix the label config.',
            path,
            field="labels",
        )
    instructions = data.get("instructions") or {}
    if not isinstance(instructions, dict) or not all(
        isinstance(v, str) for v in instructions.values()
    ):
        raise InputError(
            "must be an object of shortInstruction/fullInstruction texts; fix the label config.",
            path,
            field="instructions",
        )
    names = [item["label"] for item in labels]
    short = instructions.get("shortInstruction")
    full = instructions.get("fullInstruction")
    return make_classes(names), short, full


def load_default_classes() -> list[LabelClass]:
    """The default class list shipped in resources/label_config.json."""
    if DEFAULT_CONFIG.exists():
        return read_label_config(DEFAULT_CONFIG)[0]
    return make_classes(["Floor", "Wall", "Ceiling", "Furniture", "Plant", "Other"])


def check_label_config(config: dict) -> list[str]:
    """Every problem with a label config dict (as uploaded), one sentence each."""
    try:
        names = [str(item["label"]) for item in config["labels"]]
    except (KeyError, TypeError):
        return ["the label config needs a 'labels' list of {\"label\": NAME} entries; fix it."]
    instructions = config.get("instructions") or {}
    if not isinstance(instructions, dict):
        return ["the label config's 'instructions' must be an object of texts; fix it."]
    return check_classes(
        make_classes(names),
        instructions.get("shortInstruction"),
        instructions.get("fullInstruction"),
    )


def choose_classes(
    classes_file: str | Path | None = None,
    names: list[str] | None = None,
    config_file: str | Path | None = None,
) -> tuple[list[LabelClass], str | None, str | None]:
    """(classes, short instruction, full instruction) from the first source given.

    A class list file (JSON or ``ID NAME`` lines), a list of names (ids from 0), a Ground
    Truth label config file, else the defaults in resources/label_config.json.
    """
    from core.classes import read_classes

    for path in (classes_file, config_file):
        if path is not None and not Path(path).is_file():
            raise InputError("the file does not exist; check the path.", path)
    if classes_file:
        return read_classes(classes_file), None, None
    if names:
        return make_classes(list(names)), None, None
    if config_file:
        return read_label_config(config_file)
    return load_default_classes(), None, None
