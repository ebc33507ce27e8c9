"""Errors a user can act on.

Every reader and command turns bad input into an `InputError` whose message is one
sentence naming the file, the line (or the field) and the problem, and saying what to
do. The GUI shows that sentence in a dialog; the CLI prints it and exits with status 2.
`core.failure.describe` turns any other exception into such a sentence as well.
"""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input, explained in one sentence for the user.

    Parameters
    ----------
    message : str
        What is wrong and what to do, e.g. "the label 300 is outside 0-255; ...".
    path : str or Path, optional
        The file; its name starts the sentence.
    line : int, optional
        1-based line of the file where the problem is.
    field : str, optional
        The JSON field or header entry at fault (for files without useful lines).
    """

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ):
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.message = message
        where = ""
        if self.path is not None:
            where = Path(self.path).name or self.path or "(an empty file name)"
            if line is not None:
                where += f", line {line}"
            if field is not None:
                where += f", field {field!r}"
            where += ": "
        elif field is not None:
            where = f"field {field!r}: "
        super().__init__(where + message)


class Cancelled(Exception):
    """Raised inside a long operation when its `cancel` callback returned True."""
