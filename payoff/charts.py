"""Server-side SVG charts (pygal): no script, nothing from a CDN; a table sits beside each."""

from __future__ import annotations

from typing import Any

import pygal
from django.utils import formats
from django.utils.translation import gettext as _
from pygal.style import Style

from payoff.dashboard.enrolments import WeekPoint
from payoff.figures import localized_number

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4a5563",
    colors=("#1f4e79", "#0b6e4f"),
    font_family="system-ui, sans-serif",
)


XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _local_name(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def without_script(svg: Any) -> Any:
    """pygal always embeds its tooltip configuration as an inline <script>, which the
    Content-Security-Policy blocks (and reports) on every load. The chart is a picture
    whose numbers are in the table beside it, so every script and script link goes."""
    for parent in list(svg.iter()):
        for child in list(parent):
            if _local_name(child.tag) == "script":
                parent.remove(child)
    for element in svg.iter():
        for attribute in ("href", XLINK_HREF):
            if element.get(attribute, "").strip().lower().startswith("javascript:"):
                del element.attrib[attribute]
    return svg


def practice_by_week_svg(weeks: list[WeekPoint]) -> bytes:
    chart = pygal.Bar(
        style=CHART_STYLE,
        js=[],  # pygal's default tooltips load a script from a CDN
        width=720,
        height=320,
        show_legend=False,
        x_label_rotation=30,
        print_values=True,
        print_values_position="top",
        title=_("Attempts per active learner, by week"),
        disable_xml_declaration=False,
    )
    chart.x_labels = [formats.date_format(point.week, "MONTH_DAY_FORMAT") for point in weeks]
    # The printed values in the viewer's language: 1.5 in English, 1,5 in German.
    chart.value_formatter = lambda value: localized_number(value) if value is not None else ""
    chart.add(_("Attempts per active learner"), [point.per_learner for point in weeks])
    chart.add_xml_filter(without_script)
    return chart.render()
