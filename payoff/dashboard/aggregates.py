"""Aggregates and rounding the dashboard's figures share."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    FloatField,
    QuerySet,
)
from django.utils.translation import ngettext

ACTIVE_DAYS = 7


class Median(Aggregate):
    """PostgreSQL's exact median; other databases get the same number in Python."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def grouped_medians(
    queryset: QuerySet[Any], group_by: list[str], fields: list[str]
) -> dict[tuple[Any, ...], dict[str, float | None]]:
    """Median of each field per group, in one query on any database."""
    result: dict[tuple[Any, ...], dict[str, float | None]] = {}
    if connection.vendor == "postgresql":
        grouped = queryset.values(*group_by) if group_by else queryset
        if group_by:
            rows = grouped.annotate(**{f"median_{name}": Median(name) for name in fields})
            for row in rows:
                key = tuple(row[name] for name in group_by)
                result[key] = {name: row[f"median_{name}"] for name in fields}
        else:
            row = grouped.aggregate(**{f"median_{name}": Median(name) for name in fields})
            result[()] = {name: row[f"median_{name}"] for name in fields}
        return result
    values: dict[tuple[Any, ...], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in queryset.values_list(*group_by, *fields):
        key = tuple(row[: len(group_by)])
        for name, value in zip(fields, row[len(group_by) :], strict=True):
            if value is not None:
                values[key][name].append(float(value))
    for key, by_field in values.items():
        result[key] = {
            name: statistics.median(by_field[name]) if by_field[name] else None for name in fields
        }
    if not group_by and () not in result:
        result[()] = dict.fromkeys(fields)
    return result


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def share(part: int | float, whole: int | float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def learners_count(count: int) -> str:
    return ngettext("%(count)d learner", "%(count)d learners", count) % {"count": count}


def learners_own(count: int) -> str:
    return ngettext("%(count)d learner's", "%(count)d learners'", count) % {"count": count}
