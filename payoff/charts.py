"""Server-side SVG charts (pygal): no script, nothing from a CDN; a table sits beside each."""

from __future__ import annotations

import pygal
from pygal.style import Style

from payoff.dashboard.enrolments import WeekPoint

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4a5563",
    colors=("#1f4e79", "#0b6e4f"),
    font_family="system-ui, sans-serif",
)


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
        title="Attempts per active learner, by week",
        disable_xml_declaration=False,
    )
    chart.x_labels = [point.week.strftime("%-d %b") for point in weeks]
    chart.add("Attempts per active learner", [point.per_learner for point in weeks])
    return chart.render()
