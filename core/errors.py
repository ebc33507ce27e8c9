"""Errors a user can act on.

Every reader and command turns bad input into an `InputError` whose message is one
sentence naming the file, the line and the problem, and saying what to do. The GUI
shows that sentence in a dialog; the CLI prints it and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input, explained in one sentence for the user."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{Path(self.path).name}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)


class Cancelled(Exception):
    """Raised inside a long operation when its `cancel` callback returned True."""
