"""Server-rendered SVG charts of the city view (pygal, made self-contained as in
`app.web.staff.charts`: no JavaScript, named and described for screen readers; the page shows
the same numbers as tables).

- the caterpillar: per ranked unit a horizontal segment from the best to the worst rank of its
  95% rank interval, the median rank marked;
- the funnel: each scored unit's IKM (25 × ȳ) against its number of responses n, with the
  city target and the 95% and 99.8% limits of method suara-2026.2 drawn as curves over n;
- the trend: the city IKM, and each agency's index, over the last periods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pygal
from pygal.style import Style

from app.web.staff.charts import _STYLE, Chart, _finish
from feedback.performance.city import Funnel, TrendPoint, UnitRow

GREY = "#4a5561"
BLUE = "#0b4f8a"
ORANGE = "#a04a00"
RED = "#a3161b"
GREEN = "#1d6b2f"
PURPLE = "#5b2a86"
MAX_LABELLED = 60  # a caterpillar with more units shows no unit names (the table has them)
# Dark colours for the agencies' trend lines (each at least 4.5:1 on white).
PALETTE = (BLUE, ORANGE, GREEN, PURPLE, RED, "#00595e", "#6b4b00", "#8a1f5c", "#2f3f9e",
           "#3d5c1a", "#7a2e00", "#1a1a1a", "#005c8a", "#6e3f99", "#8c4a2f", "#2e5e4e")


def _style(*colors: str) -> Style:
    style = Style(**{k: getattr(_STYLE, k) for k in (
        "background", "plot_background", "foreground", "foreground_strong",
        "foreground_subtle", "opacity", "opacity_hover", "guide_stroke_color",
        "major_guide_stroke_color", "font_family", "label_font_size",
        "major_label_font_size", "title_font_size", "legend_font_size", "value_font_size",
        "tooltip_font_size")})
    style.colors = colors
    return style


def _base(**extra: object) -> dict[str, object]:
    return {"js": [], "disable_xml_declaration": True, "explicit_size": False,
            "print_values": False, "margin": 12, "margin_bottom": 28, "show_legend": True,
            "legend_at_bottom": True, "legend_at_bottom_columns": 2, "truncate_legend": -1,
            **extra}


def caterpillar_chart(rows: Sequence[UnitRow], n_ranked: int, *, title: str, description: str,
                      interval_label: str, median_label: str, rank_label: str) -> Chart:
    """Rank intervals of the ranked units, best at the top: x is the rank (1 = best), a
    segment per unit from `low` to `high`, a dot at the median."""
    count = len(rows)
    labelled = count <= MAX_LABELLED
    segments: list[tuple[float, float] | None] = []
    medians: list[tuple[float, float]] = []
    labels = []
    for i, row in enumerate(rows):
        y = count - i  # the first (best) unit on top
        if row.low is None or row.high is None:
            continue
        if segments:
            segments.append(None)
        segments += [(row.low, y), (row.high, y)]
        if row.median is not None:
            medians.append((row.median, y))
        labels.append({"label": row.name, "value": y})
    chart = pygal.XY(**_base(
        style=_style(BLUE, ORANGE), width=760,
        height=min(120 + (18 if labelled else 3) * count, 1400),
        allow_interruptions=True, xrange=(1, max(n_ranked, 2)), range=(0, count + 1),
        show_y_guides=False, show_x_guides=True, x_title=rank_label,
        y_labels=labels if labelled else [], show_y_labels=labelled, truncate_label=28,
        x_value_formatter=lambda v: f"{v:.0f}", value_formatter=lambda v: f"{v:.0f}",
        stroke_style={"width": 3}, dots_size=3))
    chart.add(interval_label, segments, show_dots=False, stroke_style={"width": 4})
    chart.add(median_label, medians, stroke=False, dots_size=4)
    return _finish(chart, title, description)


def funnel_chart(funnel: Funnel, *, title: str, description: str, n_label: str,
                 labels: dict[str, str], lang: str) -> Chart:
    """IKM (25 × ȳ) against n: the units (within, or outside the 95% band), the city target
    and the 95% and 99.8% limits as curves (upper and lower limit in one series each)."""
    curve = funnel.curve
    band95: list[tuple[float, float] | None] = [(p.n, p.high95) for p in curve]
    band95 += [None, *((p.n, p.low95) for p in curve)]
    band998: list[tuple[float, float] | None] = [(p.n, p.high998) for p in curve]
    band998 += [None, *((p.n, p.low998) for p in curve)]
    target = [(curve[0].n, funnel.target_ikm), (curve[-1].n, funnel.target_ikm)]
    inside = [(p.n, p.funnel_ikm) for p in funnel.points if p.funnel == "within"]
    outside = [(p.n, p.funnel_ikm) for p in funnel.points if p.funnel != "within"]
    ys = [y for _, y in inside + outside if y is not None]
    low = min([*ys, *(p.low998 for p in curve[len(curve) // 4:])], default=25)
    high = max([*ys, *(p.high998 for p in curve[len(curve) // 4:])], default=100)
    chart = pygal.XY(**_base(
        style=_style(GREY, GREY, BLUE, BLUE, RED), width=760, height=460,
        allow_interruptions=True, range=(max(25, low - 2), min(100, high + 2)),
        xrange=(0, curve[-1].n * 1.02), x_title=n_label, y_title="IKM",
        show_x_guides=False, show_y_guides=True,
        x_value_formatter=lambda v: f"{v:.0f}",
        value_formatter=lambda v: (f"{v:.2f}".replace(".", ",") if lang == "id"
                                   else f"{v:.2f}")))
    chart.add(labels["band998"], band998, show_dots=False,
              stroke_style={"width": 2, "dasharray": "2, 4"})
    chart.add(labels["band95"], band95, show_dots=False,
              stroke_style={"width": 2, "dasharray": "8, 4"})
    chart.add(labels["target"], target, show_dots=False, stroke_style={"width": 1.5})
    chart.add(labels["within"], inside, stroke=False, dots_size=3)
    chart.add(labels["outside"], outside, stroke=False, dots_size=5)
    return _finish(chart, title, description)


def trend_chart(points: Sequence[TrendPoint], series: Sequence[tuple[str, list[float | None]]],
                *, title: str, description: str, label: Callable[[TrendPoint], str],
                lang: str, value_range: tuple[float, float]) -> Chart:
    """Lines over the trend's periods, one per series (name, values per point)."""
    chart = pygal.Line(**_base(
        style=_style(*PALETTE), width=760, height=380, range=value_range,
        allow_interruptions=True, show_legend=len(series) > 1, truncate_label=-1,
        x_label_rotation=30 if len(points) > 4 else 0, dots_size=4,
        value_formatter=lambda v: (f"{v:.1f}".replace(".", ",") if lang == "id"
                                   else f"{v:.1f}")))
    chart.x_labels = [label(p) for p in points]
    for name, values in series:
        chart.add(name, values)
    return _finish(chart, title, description)
