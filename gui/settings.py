"""What the app remembers between runs, over QSettings with typed getters and setters.

Tests pass a file path so they never read or write the user's real settings.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10
DEFAULT_DISPLAY_BUDGET = 1_500_000
DEFAULT_AUTOSAVE_S = 180.0  # three minutes of changes between recovery files


class Settings:
    """Typed access to the app's QSettings.

    Parameters
    ----------
    path : str or Path, optional
        An INI file to use instead of the platform's store (tests, portable installs).
    """

    def __init__(self, path: str | Path | None = None):
        self.path = None if path is None else Path(path)
        if path is None:
            self._store = QSettings("DenseLabel", "DenseLabel")
        else:
            self._store = QSettings(str(path), QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._store.sync()

    # -- files ------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value: Any = self._store.value("files/recent", [])
        if isinstance(value, str):  # QSettings gives back a str for a one-item list
            value = [value]
        return [str(v) for v in value or []]

    def add_recent_file(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self._store.setValue("files/recent", files[:MAX_RECENT])

    def clear_recent_files(self) -> None:
        self._store.setValue("files/recent", [])

    # -- projects and recovery --------------------------------------------------------
    def recent_projects(self) -> list[str]:
        value: Any = self._store.value("projects/recent", [])
        return [value] if isinstance(value, str) else [str(v) for v in value or []]

    def add_recent_project(self, path: str) -> None:
        path = str(Path(path).resolve())
        projects = [path] + [p for p in self.recent_projects() if p != path]
        self._store.setValue("projects/recent", projects[:MAX_RECENT])

    def include_cloud(self) -> bool:
        """Whether projects copy the full cloud in (off: they refer to the source file)."""
        return str(self._store.value("projects/include_cloud", "false")).lower() == "true"

    def set_include_cloud(self, on: bool) -> None:
        self._store.setValue("projects/include_cloud", bool(on))

    def autosave_seconds(self) -> float:
        """How long changes wait before a recovery file is written (at least 1 s)."""
        return max(_as_float(self._store.value("autosave/seconds"), DEFAULT_AUTOSAVE_S), 1.0)

    def data_folder(self) -> Path:
        """Where recovery files of unsaved sessions go: beside an INI file given for tests,
        else the platform's per-user data folder (AppDataLocation)."""
        if self.path is not None:
            return self.path.parent / "data"
        from PySide6.QtCore import QStandardPaths

        location = QStandardPaths.StandardLocation.AppDataLocation
        return Path(QStandardPaths.writableLocation(location))

    def last_folder(self) -> str:
        return str(self._store.value("files/last_folder", str(Path.home())))

    def set_last_folder(self, folder: str) -> None:
        self._store.setValue("files/last_folder", folder)

    def output_root(self) -> Path:
        """Where outputs go, one folder per scan: never beside the input unless chosen."""
        value = self._store.value("files/output_root")
        return Path(str(value)) if value else Path.home() / "DenseLabel"

    def set_output_root(self, folder: str | Path) -> None:
        self._store.setValue("files/output_root", str(folder))

    def scan_output_folder(self, scan_path: str | None) -> Path:
        """The output folder of one scan: the output root / the scan's name."""
        return self.output_root() / (Path(scan_path).stem if scan_path else "sample-scene")

    def remember_output(self, scan_path: str | None, written: str | Path) -> None:
        """The user saved `written` elsewhere than suggested: that choice is the root now."""
        folder = Path(written).parent
        if folder != self.scan_output_folder(scan_path):
            stem = Path(scan_path).stem if scan_path else "sample-scene"
            self.set_output_root(folder.parent if folder.name == stem else folder)

    # -- window -----------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._store.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def set_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._store.setValue("window/geometry", geometry)
        self._store.setValue("window/state", state)

    # -- downsampling and display -----------------------------------------------------
    def voxel_size(self, default: float) -> float:
        return _as_float(self._store.value("downsample/voxel_size"), default)

    def set_voxel_size(self, metres: float) -> None:
        self._store.setValue("downsample/voxel_size", float(metres))

    def method(self, default: str) -> str:
        return str(self._store.value("downsample/method", default))

    def set_method(self, method: str) -> None:
        self._store.setValue("downsample/method", method)

    def scan_downsample(self, path: str) -> dict[str, Any] | None:
        """What the user last chose for the scan at `path` (method, voxel size, ...)."""
        value = self._store.value(f"scans/{_scan_key(path)}")
        try:
            loaded = json.loads(str(value)) if value else None
        except ValueError:
            return None
        return loaded if isinstance(loaded, dict) else None

    def set_scan_downsample(self, path: str, values: dict[str, Any]) -> None:
        """Remember `values` for this scan only: another scan has another scale."""
        self._store.setValue(f"scans/{_scan_key(path)}", json.dumps(values))

    def display_budget(self) -> int:
        return int(_as_float(self._store.value("view/display_budget"), DEFAULT_DISPLAY_BUDGET))

    def set_display_budget(self, n_points: int) -> None:
        self._store.setValue("view/display_budget", int(n_points))

    def background(self) -> str:
        return str(self._store.value("view/background", "#1e1e24"))

    def set_background(self, color: str) -> None:
        self._store.setValue("view/background", color)

    def orthographic(self) -> bool:
        """The View menu's projection choice (Iso and turning the view use it)."""
        return str(self._store.value("view/orthographic", "false")).lower() == "true"

    def set_orthographic(self, on: bool) -> None:
        self._store.setValue("view/orthographic", bool(on))


def _scan_key(path: str) -> str:
    """A settings key for a scan's resolved path (paths hold characters keys cannot)."""
    return hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]


def _as_float(value: object, default: float) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
