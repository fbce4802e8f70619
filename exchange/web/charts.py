"""Figures: numbers with a title, shown as a server-rendered SVG chart and as a table.

Charts are drawn by pygal with no JavaScript (`js=[]`) and served as images from the hub's own
address, so pages keep `default-src 'self'`; the table beside each chart carries the same
numbers for screen readers and for copying.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pygal
from pygal.style import Style

from catalog.i18n import _

__all__ = ["SVG_CSP", "Figure", "svg"]

# A chart is an image: it fetches nothing and runs nothing, and only its own <style> applies.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_STYLE = Style(font_family="'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
               background="white", plot_background="white",
               colors=("#1f5f8b", "#d9822b", "#3c8d5a", "#b03a48", "#6b5b95", "#7a7a7a"))
_KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "line": pygal.Line,
          "hbar": pygal.HorizontalBar}


@dataclass(frozen=True)
class Figure:
    """One chart's numbers: a value per label for each series (None where there is none)."""

    name: str
    title: str
    labels: list[str]
    series: dict[str, list[float | int | None]]
    kind: str = "bar"
    unit: str = ""
    note: str = ""
    links: dict[str, str] = field(default_factory=dict)  # label → page about it

    def rows(self) -> list[tuple[str, list[float | int | None]]]:
        """The table: one row per label, one column per series."""
        return [(label, [values[i] for values in self.series.values()])
                for i, label in enumerate(self.labels)]

    def count_scale(self) -> list[int] | None:
        """Whole-number axis labels for counts (a chart of counts has no 0.2 of an order)."""
        values = [v for values in self.series.values() for v in values if v is not None]
        if self.unit or not values or not all(isinstance(v, int) for v in values):
            return None  # (pygal draws "No data yet" itself, with no axis to label)
        columns = zip(*self.series.values(), strict=True)
        top = max((sum(v or 0 for v in column) for column in columns) if self.kind == "stacked"
                  else values, default=0)
        step = max(1, math.ceil(top / 8))
        return list(range(0, top + step, step)) if top else [0, 1]


def svg(figure: Figure) -> str:
    """The figure drawn as a standalone SVG document (no script runs in an <img>)."""
    many = len(figure.labels) > 12
    chart = _KINDS[figure.kind](
        js=[], style=_STYLE, width=760, height=340, title=figure.title,
        show_legend=len(figure.series) > 1, legend_at_bottom=True, legend_at_bottom_columns=4,
        x_label_rotation=30 if many or figure.kind != "hbar" and len(figure.labels) > 6 else 0,
        show_minor_x_labels=not many, x_labels_major_every=max(1, len(figure.labels) // 8),
        truncate_label=-1, print_values=False, no_data_text=_("No data yet"),
        value_formatter=lambda v: f"{v:g}{figure.unit}", include_x_axis=True)
    chart.x_labels = figure.labels
    scale = figure.count_scale()
    if scale is not None:
        chart.y_labels = scale
    for name, values in figure.series.items():
        chart.add(name, values)
    return chart.render(is_unicode=True)
