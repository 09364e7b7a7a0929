"""The shapes the dashboard is made of: a figure with the line that explains it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and, in a line, how it was computed."""

    key: str
    label: str
    value: float | int | None
    explanation: str
    unit: str = ""

    @property
    def display(self) -> str:
        if self.value is None:
            return "not measured yet"
        text = f"{self.value:,.2f}".rstrip("0").rstrip(".")
        if self.unit == "%":
            return f"{text}%"
        return f"{text} {self.unit}".strip()
