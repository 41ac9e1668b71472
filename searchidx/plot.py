"""A timeline as a picture (PNG or SVG), drawn by matplotlib: the optional ``plot``
extra (``pip install 'searchidx[plot]'``), imported only when a picture is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SearchidxError

if TYPE_CHECKING:
    from .timeline import Timeline

KINDS = (".png", ".svg")
MAX_TICKS = 12  # period labels under the axis; the others are left out


def checked_plot_path(path: str) -> Path:
    """``path`` if it names a PNG or SVG file and matplotlib is installed, else a
    one-line error: checked before any counting."""
    target = Path(path)
    if target.suffix.lower() not in KINDS:
        raise SearchidxError(f"--plot {path}: give a .png or .svg file")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SearchidxError("--plot needs matplotlib: pip install 'searchidx[plot]'") from None
    return target


def plot_timeline(timeline: Timeline, path: str, title: str = "") -> Path:
    """Draw ``timeline`` into ``path`` (.png or .svg): bars for one series, lines for
    several; periods on the x axis, articles on the y axis."""
    target = checked_plot_path(path)
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    figure = Figure(figsize=(10, 4), layout="constrained")
    axes = figure.subplots()
    x = list(range(len(timeline.periods)))
    if len(timeline.series) == 1:
        axes.bar(x, timeline.series[0].counts, color="#3b6ea5")
    else:
        for series in timeline.series:
            axes.plot(x, series.counts, marker="o" if len(x) < 40 else None, label=series.name)
        axes.legend()
    step = max(1, -(-len(x) // MAX_TICKS))
    axes.set_xticks(x[::step], timeline.periods[::step], rotation=45, ha="right")
    axes.set_ylabel("articles")
    axes.set_title(title or f"articles by {timeline.by}")
    try:
        figure.savefig(target)
    except OSError as exc:
        raise SearchidxError(f"--plot {path}: cannot write it ({exc.strerror or exc})") from None
    return target
