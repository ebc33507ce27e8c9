"""Jobs shown in the status bar whose loss costs nothing.

The previews and comparisons that show progress and Cancel run through
``gui.workers.LatestOnly(..., quiet=False)``; a preview is recomputed on the next change, so
closing the window does not ask about them.
"""

from __future__ import annotations

#: Jobs whose loss costs nothing: closing the window does not ask about them.
DISPOSABLE_TITLES = {"Previewing the downsample", "Comparing downsamples"}
