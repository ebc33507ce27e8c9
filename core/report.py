"""Label-quality reports: scores, confusion matrix and sweeps written as JSON or CSV.

Written atomically, and readable back (`read_metrics`) so a report can be compared with a
later run. Rows of the confusion matrix are the known classes, columns the predicted ones.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numba
import numpy as np

from core.atomic import atomic_write
from core.classes import LabelClass
from core.cloud import UNLABELED
from core.errors import InputError

METRICS_EXTENSIONS = (".json", ".csv")
_CSV_HEAD = ["scope", "class_id", "class_name", "n_true", "n_predicted", "n_correct", "iou"]
_CSV_TAIL = ["accuracy", "n_unlabeled_predicted"]


def label_counts(labels: np.ndarray) -> dict[int, int]:
    """Points per class id, UNLABELED included, for legends and reports.

    Parameters
    ----------
    labels : (N,) uint8 or uint16

    Returns
    -------
    dict of int to int
        Only ids that occur, in increasing order.
    """
    values = np.asarray(labels).ravel()
    if values.dtype in (np.uint8, np.uint16) and len(values):
        # The legend recounts after every stroke: bincount's int64 copy of 20M labels took
        # 0.42 s of a 0.7 s lasso in the window; a histogram per thread takes milliseconds.
        counts = _histogram(values, 1 << (8 * values.dtype.itemsize), numba.get_num_threads())
    else:
        counts = np.bincount(values.astype(np.int64, copy=False))
    ids = np.flatnonzero(counts)
    return {int(i): int(counts[i]) for i in ids}


@numba.njit(parallel=True, cache=True, nogil=True)
def _histogram(values, size, n_parts):  # pragma: no cover - compiled
    """Occurrences of each value 0..size-1 in `values` (unsigned ints), (size,) int64."""
    parts = np.zeros((n_parts, size), np.int64)
    step = (len(values) + n_parts - 1) // n_parts
    for p in numba.prange(n_parts):
        for i in range(p * step, min((p + 1) * step, len(values))):
            parts[p, values[i]] += 1
    return parts.sum(axis=0)


def metrics_to_dict(
    scores: Any, classes: Sequence[LabelClass] | None = None, extra: dict | None = None
) -> dict[str, Any]:
    """Plain data for a `core.metrics.Scores`: overall scores, per-class rows, confusion.

    `extra` (e.g. the transfer settings and the files used) is stored as given. Per class,
    `n_true` and `n_predicted` are the confusion row and column sums: known points left
    unlabeled are in no column and are counted once, in `n_unlabeled_predicted`.
    """
    names = {c.id: c.name for c in classes or []}
    confusion = np.asarray(scores.confusion, dtype=np.int64)
    ids = [int(c) for c in scores.classes]
    rows = []
    for i, class_id in enumerate(ids):
        iou = scores.per_class_iou.get(class_id, float("nan"))
        rows.append(
            {
                "id": class_id,
                "name": names.get(class_id, f"class {class_id}"),
                "n_true": int(confusion[i].sum()),
                "n_predicted": int(confusion[:, i].sum()),
                "n_correct": int(confusion[i, i]),
                "iou": _finite_or_none(iou),
            }
        )
    return {
        "accuracy": float(scores.accuracy),
        "miou": float(scores.miou),
        "n_scored": int(scores.n_scored),
        "n_unlabeled_predicted": int(scores.n_unlabeled_predicted),
        "classes": rows,
        "confusion": {"classes": ids, "matrix": confusion.tolist()},
        "extra": dict(extra or {}),
    }


def write_metrics(
    path: str | Path,
    scores: Any,
    *,
    classes: Sequence[LabelClass] | None = None,
    extra: dict | None = None,
) -> None:
    """Write the scores as .json (everything) or .csv (one row a class, then 'overall')."""
    data = metrics_to_dict(scores, classes, extra)
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        with atomic_write(path, "w") as handle:
            json.dump(data, handle, indent=1, allow_nan=False)
    elif suffix == ".csv":
        _write_metrics_csv(path, data)
    else:
        raise InputError("save the metrics as .json or .csv.", path)


def _write_metrics_csv(path: str | Path, data: dict[str, Any]) -> None:
    ids = data["confusion"]["classes"]
    matrix = data["confusion"]["matrix"]
    header = _CSV_HEAD + _CSV_TAIL + [f"predicted_{i}" for i in ids]
    with atomic_write(path, "w") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row, counts in zip(data["classes"], matrix, strict=True):
            iou = "" if row["iou"] is None else repr(row["iou"])
            writer.writerow(
                ["class", row["id"], row["name"], row["n_true"], row["n_predicted"]]
                + [row["n_correct"], iou, "", ""]
                + list(counts)
            )
        writer.writerow(
            ["overall", "", "", data["n_scored"], "", "", repr(data["miou"])]
            + [repr(data["accuracy"]), data["n_unlabeled_predicted"]]
            + [""] * len(ids)
        )


def read_metrics(path: str | Path) -> dict[str, Any]:
    """Read a report written by `write_metrics` back into the same plain data.

    A CSV report has no 'extra' (it comes back empty).
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        return _read_metrics_csv(path)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise InputError(
            f"not a DenseLabel metrics report ({exc}); give a report saved from the window or "
            "'denselabel evaluate'.",
            path,
        ) from exc


def _read_metrics_csv(path: Path) -> dict[str, Any]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    class_rows = [r for r in records if r["scope"] == "class"]
    overall = next(r for r in records if r["scope"] == "overall")
    ids = [int(r["class_id"]) for r in class_rows]
    classes = [
        {
            "id": int(r["class_id"]),
            "name": r["class_name"],
            "n_true": int(r["n_true"]),
            "n_predicted": int(r["n_predicted"]),
            "n_correct": int(r["n_correct"]),
            "iou": float(r["iou"]) if r["iou"] else None,
        }
        for r in class_rows
    ]
    return {
        "accuracy": float(overall["accuracy"]),
        "miou": float(overall["iou"]),
        "n_scored": int(overall["n_true"]),
        "n_unlabeled_predicted": int(overall["n_unlabeled_predicted"]),
        "classes": classes,
        "confusion": {
            "classes": ids,
            "matrix": [[int(r[f"predicted_{j}"]) for j in ids] for r in class_rows],
        },
        "extra": {},
    }


def write_sweep(path: str | Path, result: Any) -> None:
    """Write a `core.sweep.SweepResult` as .json or .csv (one row a setting, best marked)."""
    rows = [dict(r.to_dict(), best=(r == result.best)) for r in result.rows]
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        with atomic_write(path, "w") as handle:
            json.dump({"n_points": result.n_points, "rows": rows}, handle, indent=1)
    elif suffix == ".csv":
        fields = ["method", "k", "weights", "accuracy", "miou", "n_scored", "best"]
        with atomic_write(path, "w") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    else:
        raise InputError("save the sweep as .json or .csv.", path)


def unlabeled_fraction(labels: np.ndarray) -> float:
    """Fraction of points still unlabeled (0 for an empty array)."""
    labels = np.asarray(labels)
    return float(np.mean(labels == UNLABELED)) if len(labels) else 0.0


def _finite_or_none(value: float) -> float | None:
    # JSON has no NaN: a class that never occurs has no IoU rather than a fake number.
    return float(value) if np.isfinite(value) else None
