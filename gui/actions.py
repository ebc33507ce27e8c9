"""The menu commands and their shortcuts, as one table (not an if/elif chain on key codes).

Each row names the main window's method that runs it; `gui.main_window` builds the menus and
QActions from this table, so a shortcut is changed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    """One command.

    Attributes
    ----------
    key : str
        Identifier, e.g. "open"; the window keeps the QAction under it.
    text : str
        Menu text (with & for the mnemonic).
    menu : str
        Menu title it goes under.
    slot : str
        Name of the MainWindow method it calls.
    shortcut : str
        Qt key sequence ("Ctrl+O") or a standard key name ("StandardKey.Open"); "" for none.
    tip : str
        Status-bar tip.
    checkable : bool
        A toggle (its state is passed to the slot).
    """

    key: str
    text: str
    menu: str
    slot: str
    shortcut: str = ""
    tip: str = ""
    checkable: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open...", "&File", "open_dialog", "Ctrl+O", "Open a point cloud"),
    ActionSpec("sample_scene", "Open &Sample Scene", "&File", "open_sample_scene", "Ctrl+Shift+O",
               "Generate the bundled synthetic room scene (1M points, with labels)"),
    ActionSpec("open_project", "Open &Project...", "&File", "open_project_dialog",
               "Ctrl+Shift+P", "Open a DenseLabel project (.dlproj)"),
    ActionSpec("save_project", "&Save Project", "&File", "save_project", "Ctrl+S",
               "Save everything (sample, labels, settings, camera) in the project file"),
    ActionSpec("save_project_as", "Save Project &As...", "&File", "save_project_as",
               "Ctrl+Shift+S", "Save the project under a new name"),
    ActionSpec("include_cloud", "&Include the Cloud in Projects", "&File",
               "include_cloud_in_projects", "", "Copy the full cloud into the project file "
               "(bigger, but needs no source file)", checkable=True),
    ActionSpec("save_sample", "Save &Downsampled...", "&File", "save_downsampled", "Ctrl+E",
               "Write the downsampled cloud (xyz/txt, PLY, LAS/LAZ, npy)"),
    ActionSpec("screenshot", "Save Screens&hot...", "&File", "save_screenshot", "Ctrl+Alt+S",
               "Save the view as a PNG"),
    ActionSpec("quit", "&Quit", "&File", "close", "Ctrl+Q", "Close DenseLabel"),
    ActionSpec("view_top", "&Top", "&View", "view_top", "T",
               "Look down the z axis, orthographic"),
    ActionSpec("view_front", "&Front", "&View", "view_front", "F",
               "Look along the y axis, orthographic"),
    ActionSpec("view_side", "&Side", "&View", "view_side", "S",
               "Look along the x axis, orthographic"),
    ActionSpec("view_iso", "Is&o", "&View", "view_iso", "I",
               "Look from above at an angle, orthographic or not as View > Orthographic says"),
    # O: free in the table, in Label mode (class keys 0-9) and in pyvista's own keys.
    ActionSpec("orthographic", "O&rthographic", "&View", "toggle_orthographic", "O",
               "Parallel projection: no shrinking with distance, so sizes can be read and a "
               "rectangle crops a box. Top, Front and Side always switch to it; Iso and "
               "turning the view use this choice", checkable=True),
    ActionSpec("view_fit", "F&it", "&View", "view_fit", "R", "Fit the cloud in the view"),
    ActionSpec("show_full", "Show F&ull Cloud", "&View", "show_full", "1"),
    ActionSpec("show_sample", "Show &Downsampled", "&View", "show_sample", "2"),
    ActionSpec("show_both", "Show Side &by Side", "&View", "show_side_by_side", "3",
               "Full and downsampled clouds with linked cameras"),
    ActionSpec("bigger_points", "&Bigger Points", "&View", "bigger_points", "+"),
    ActionSpec("smaller_points", "S&maller Points", "&View", "smaller_points", "-"),
    ActionSpec("background", "Toggle Bac&kground", "&View", "toggle_background", "B",
               "Switch between a dark and a light background"),
    ActionSpec("axes", "&Axes", "&View", "show_axes", "A", "Orientation axes", checkable=True),
    ActionSpec("scale_bar", "Scale B&ar", "&View", "show_scale_bar", "", "A scale bar",
               checkable=True),
    ActionSpec("eye_dome", "&Eye-Dome Lighting", "&View", "eye_dome_lighting", "D",
               "Shade by depth so a dense cloud shows its shape (no normals needed)",
               checkable=True),
    ActionSpec("pick_point", "&Pick Point Under Mouse", "&View", "pick_point", "P",
               "Show the coordinates, fields and label of the point under the mouse"),
    ActionSpec("draw_tile", "Draw &Tile Rectangle", "&View", "draw_tile", "C",
               "Drag a rectangle on the view: the points under it become the tile (Esc cancels)",
               checkable=True),
    ActionSpec("cancel", "&Cancel Running Job", "&View", "cancel_job", "Esc"),
    ActionSpec("label_mode", "&Label Mode", "&Label", "toggle_label_mode", "L",
               "Paint classes with the tools of the Label panel", checkable=True),
    ActionSpec("undo_paint", "&Undo", "&Label", "undo_paint", "Ctrl+Z", "Undo the last stroke"),
    ActionSpec("redo_paint", "&Redo", "&Label", "redo_paint", "Ctrl+Shift+Z",
               "Redo the stroke last undone"),
)  # fmt: skip
