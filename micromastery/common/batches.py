"""Reading rows for a batch of people (or anything else keyed by id) with a fixed number of
queries: the filter that keeps such queries on their index."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q


def among(field: str, ids: Collection[int]) -> Q:
    """``field`` is one of ``ids``: as the range from the smallest to the largest of them,
    plus the list itself unless the ids fill that range.

    The range says the same as the list, but the database's planner can estimate it: a
    batch of neighbouring ids (the planner walks people by primary key) becomes one index
    range, where a list of hundreds of ids alone can tip PostgreSQL into reading the whole
    table on every batch. A batch without gaps needs no list at all, which also spares
    building and sending hundreds of parameters.
    """
    if not ids:
        return Q(**{f"{field}__in": ()})
    unique = set(ids)
    low, high = min(unique), max(unique)
    # Two comparisons rather than ``__range``, which foreign keys do not offer.
    span = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    if high - low + 1 == len(unique):
        return span
    return span & Q(**{f"{field}__in": sorted(unique)})
