"""Labeling by hand, Qt-free: screen projection, selections, visibility, region growing,
the edit log (undo/redo), label layers with their origin, and where labels are unsure.

The GUI hands these functions the camera's 4x4 view-projection matrix and the screen
shape; a script can call them the same way without a window.
"""
