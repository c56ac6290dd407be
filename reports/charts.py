"""Charts drawn on the server as SVG: horizontal bars, and a line for a trend.

Each chart reads one column of a report table, so the figures under it are the ones drawn.
The SVG is an image with a title and a description that says every figure in words; the
table after it is the accessible (and copyable) version."""

import itertools
from dataclasses import dataclass, field

from .tables import MONEY, PERCENT, display

_ids = itertools.count(1)

WIDTH = 720
LABEL_WIDTH = 260
VALUE_WIDTH = 110
BAR_HEIGHT = 22
GAP = 10
DEFAULT_COLOUR = "#1d4f91"


@dataclass
class Bar:
    label: str
    text: str
    y: int
    width: float
    colour: str

    @property
    def value_x(self):
        return LABEL_WIDTH + self.width + 6


@dataclass
class Point:
    label: str
    text: str
    x: float
    y: float


@dataclass
class DrawnChart:
    kind: str
    title: str
    description: str
    id: str
    width: int
    height: int
    bars: list = field(default_factory=list)
    points: list = field(default_factory=list)
    label_width: int = LABEL_WIDTH
    plot_width: int = 0
    baseline: float = 0
    gridlines: list = field(default_factory=list)  # (x or y, label)

    @property
    def polyline(self):
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _kind(unit):
    return {"money": MONEY, "percent": PERCENT}.get(unit, "decimal")


def _text(value, unit):
    if value is None:
        return "no figure"
    if unit == "":
        return f"{value:,}" if isinstance(value, int) else f"{value:.2f}"
    return display(value, _kind(unit))


def _describe(title, pairs):
    return f"{title}. " + "; ".join(f"{label}: {text}" for label, text in pairs) + "."


def draw(chart, table):
    """A DrawnChart for `chart` (services.Chart) over `table`, or None with nothing to draw."""
    labels = [str(v) for v in table.values(table.headings[0])]
    values = table.values(chart.value)
    if not labels:
        return None
    numbers = [float(v) if v is not None else 0.0 for v in values]
    top = chart.maximum or max([*numbers, 0.0]) or 1.0
    texts = [_text(v, chart.unit) for v in values]
    description = _describe(chart.title, zip(labels, texts, strict=True))
    chart_id = f"report-chart-{next(_ids)}"
    if chart.kind == "line":
        return _line(chart, labels, numbers, texts, top, description, chart_id)
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    colours = table.colours or [DEFAULT_COLOUR] * len(labels)
    bars = [
        Bar(
            label=label if len(label) <= 36 else label[:35] + "…",
            text=text,
            y=i * (BAR_HEIGHT + GAP),
            width=max(0.0, min(n, top)) * plot / top,
            colour=colour,
        )
        for i, (label, n, text, colour) in enumerate(
            zip(labels, numbers, texts, colours, strict=False)
        )
    ]
    return DrawnChart(
        kind="bar",
        title=chart.title,
        description=description,
        id=chart_id,
        width=WIDTH,
        height=len(bars) * (BAR_HEIGHT + GAP),
        bars=bars,
        plot_width=plot,
    )


def _line(chart, labels, numbers, texts, top, description, chart_id):
    height, left, right, bottom, top_pad = 260, 60, 30, 40, 20
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    step = plot_w / max(len(labels) - 1, 1)
    points = [
        Point(label, text, left + i * step, top_pad + plot_h - (min(n, top) / top) * plot_h)
        for i, (label, n, text) in enumerate(zip(labels, numbers, texts, strict=True))
    ]
    grid = [
        (top_pad + plot_h - share * plot_h, _text(top * share, chart.unit))
        for share in (0, 0.25, 0.5, 0.75, 1)
    ]
    return DrawnChart(
        kind="line",
        title=chart.title,
        description=description,
        id=chart_id,
        width=WIDTH,
        height=height,
        points=points,
        label_width=left,
        plot_width=plot_w,
        baseline=top_pad + plot_h,
        gridlines=grid,
    )
