"""The matches-per-year bar chart, drawn on the server as inline SVG data.

The template draws what `year_chart` computes; each bar links to the search
filtered on that year, so the chart works without JavaScript.
"""
from __future__ import annotations

from dataclasses import dataclass

from index.schema import UNKNOWN

from .params import toggle_filter

WIDTH, PLOT_HEIGHT, LABEL_HEIGHT, GAP = 640, 120, 22, 2
MAX_LABELS = 12
# Up to this many years apart, missing years are shown as empty slots so the
# time axis stays honest; beyond it only years with matches get a bar.
FILL_SPAN = 40


@dataclass
class Bar:
    year: str
    count: int
    x: float
    y: float
    width: float
    height: float
    href: str
    active: bool
    label: bool
    minor: bool  # a label left out on narrow screens


@dataclass
class YearChart:
    bars: list[Bar]
    width: int
    height: int
    plot_height: int
    unknown: int
    maximum: int


def year_chart(year_counts: dict[str, int], args) -> YearChart | None:
    counts = {y: c for y, c in year_counts.items() if y != UNKNOWN and y.isdigit()}
    if len(counts) < 2:
        return None
    years = sorted(counts, key=int)
    first, last = int(years[0]), int(years[-1])
    if last - first < FILL_SPAN:
        years = [str(y) for y in range(first, last + 1)]
    maximum = max(counts.values())
    slot = WIDTH / len(years)
    every = max(1, -(-len(years) // MAX_LABELS))
    active = set(args.getlist("year"))
    bars = []
    for index, year in enumerate(years):
        count = counts.get(year, 0)
        height = round(PLOT_HEIGHT * count / maximum, 1) if count else 0
        bars.append(Bar(
            year=year, count=count, x=round(index * slot + GAP / 2, 1),
            y=round(PLOT_HEIGHT - height, 1), width=round(max(slot - GAP, 1), 1),
            height=height, href="?" + toggle_filter(args, "year", year),
            active=year in active,
            # Counted from the end, so the latest year always has its label.
            label=(len(years) - 1 - index) % every == 0,
            minor=(len(years) - 1 - index) % (2 * every) != 0))
    return YearChart(bars=bars, width=WIDTH, height=PLOT_HEIGHT + LABEL_HEIGHT,
                     plot_height=PLOT_HEIGHT, unknown=year_counts.get(UNKNOWN, 0),
                     maximum=maximum)
