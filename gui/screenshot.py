"""A screenshot of the whole window, the 3D view included, for docs and checks.

`QWidget.grab()` cannot read the OpenGL view (it comes out black under Xvfb and on some
drivers), and VTK's own screenshot holds only the view. So the window is grabbed and
VTK's rendered image is painted over the view's place in it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from core.atomic import atomic_path


def window_image(window: QWidget, view: QWidget, view_rgb: np.ndarray) -> QImage:
    """The window as a QImage with `view_rgb` (H, W, 3) uint8 drawn where `view` is."""
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.ascontiguousarray(view_rgb[:, :, :3], dtype=np.uint8)
    height, width = rgb.shape[:2]
    picture = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    corner = view.mapTo(window, view.rect().topLeft())
    painter = QPainter(image)
    try:
        # The rendered image is in device pixels; the view's place is in logical ones.
        painter.drawImage(corner.x(), corner.y(), picture.scaled(view.width(), view.height()))
    finally:
        painter.end()
    return image


def save_window(window: QWidget, view: QWidget, view_rgb: np.ndarray, path: str | Path) -> None:
    """Write the whole window with its 3D view to a PNG, atomically."""
    image = window_image(window, view, view_rgb)
    with atomic_path(path) as temporary:
        if not image.save(str(temporary)):  # the format from the suffix
            raise OSError(f"could not write the screenshot {path}")
