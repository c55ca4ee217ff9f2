"""Server-rendered SVG charts of the staff dashboards (pygal), to be inlined in a page.

Each chart is an `<svg role="img">` named by its `<title>` and described by a `<desc>` (a text
summary of what it shows); the page also shows the same numbers as a table. pygal's output is
made self-contained: no JavaScript (neither the external tooltip script, `js=[]`, nor the
inline configuration script it still writes), no XML declaration, no comments, fonts of the
page. Colours: dark blue and dark orange on white (contrast above 4.5:1), the grade bounds
as labelled guide lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import count

import pygal
from markupsafe import Markup
from pygal.style import Style

from feedback.performance.dashboard import GRADE_BOUNDS, ElementRow, MonthPoint

BLUE = "#0b4f8a"
ORANGE = "#a04a00"
_STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1a1a1a",
    foreground_strong="#1a1a1a", foreground_subtle="#4a5561", opacity="1",
    opacity_hover="1", colors=(BLUE, ORANGE), guide_stroke_color="#8a96a3",
    major_guide_stroke_color="#4a5561",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13, major_label_font_size=13, title_font_size=16, legend_font_size=13,
    value_font_size=12, tooltip_font_size=13, value_colors=("#ffffff",),
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ids = count(1)


@dataclass(frozen=True)
class Chart:
    svg: Markup  # inline SVG
    title: str
    description: str


def _finish(chart: pygal.graph.graph.Graph, title: str, description: str) -> Chart:
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    # The chart's accessible name and description; pygal's own title stays for sighted
    # readers, its tooltip titles are hidden by role="img".
    n = next(_ids)
    head = (f'<svg role="img" aria-labelledby="chart-t{n} chart-d{n}" '
            f'preserveAspectRatio="xMidYMid meet" ')
    svg = svg.replace("<svg ", head, 1)
    close = svg.index(">", svg.index("<svg")) + 1
    svg = (svg[:close] + f'<title id="chart-t{n}">{escape(title)}</title>'
           f'<desc id="chart-d{n}">{escape(description)}</desc>' + svg[close:])
    return Chart(Markup(svg), title, description)


def _config(**extra: object) -> dict[str, object]:
    # Bars start at 25, the bottom of the IKM scale (25 × NRR, NRR ≥ 1).
    return {"js": [], "disable_xml_declaration": True, "style": _STYLE, "explicit_size": False,
            "print_values": False, "show_legend": False, "margin": 12, "zero": 25, **extra}


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "id" else text


def elements_chart(rows: Sequence[ElementRow], names: dict[str, str], *, title: str,
                   description: str, lang: str) -> Chart:
    """The nine elements on the IKM scale (25 × NRR), weakest first (at the top), with the
    grade bounds as labelled guide lines."""
    chart = pygal.HorizontalBar(**_config(
        width=760, height=60 + 38 * len(rows), range=(25, 100), print_values=True,
        show_y_guides=True, show_x_guides=False,
        y_labels=[{"label": "25", "value": 25}, *(
            {"label": f"{letter} {_num(bound, lang)}", "value": bound}
            for letter, bound in GRADE_BOUNDS if letter != "D"), {"label": "100", "value": 100}],
        value_formatter=lambda v: _num(v, lang),
    ))
    # pygal draws the first label at the bottom: reverse so the weakest is on top.
    ordered = list(reversed(rows))
    chart.x_labels = [names.get(r.code, r.code) for r in ordered]
    chart.add(title, [r.ikm for r in ordered])
    return _finish(chart, title, description)


def trend_chart(months: Sequence[MonthPoint], previous: Sequence[MonthPoint], *, title: str,
                description: str, this_label: str, previous_label: str, lang: str) -> Chart:
    """The monthly IKM (bars, n in the month labels) and the same months a year earlier."""
    has_previous = any(p.n for p in previous)
    chart = pygal.Bar(**_config(
        width=760, height=360, range=(25, 100), show_legend=has_previous,
        legend_at_bottom=True, x_label_rotation=35 if len(months) > 4 else 0,
        truncate_label=-1,
        y_labels=[{"label": "25", "value": 25}, *(
            {"label": f"{letter} {_num(bound, lang)}", "value": bound}
            for letter, bound in GRADE_BOUNDS if letter != "D"), {"label": "100", "value": 100}],
        value_formatter=lambda v: _num(v, lang),
    ))
    chart.x_labels = [f"{m.month} (n={m.n})" for m in months]
    chart.add(this_label, [m.ikm for m in months])
    if has_previous:
        chart.add(previous_label, [p.ikm for p in previous])
    return _finish(chart, title, description)
