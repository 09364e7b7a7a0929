"""The one rule for turning a name into a slug that is free where it will be stored."""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify


def slug_from(name: str, *, max_length: int) -> str:
    """``name`` as a slug of at most ``max_length`` characters; empty when nothing is left."""
    return slugify(name)[:max_length].strip("-_")


def unique_slug(name: str, *, taken: Callable[[str], bool], fallback: str, max_length: int) -> str:
    """``name`` as a slug of at most ``max_length`` characters that ``taken`` says is free.

    A name with no letters or digits a slug can keep ("!!!", "¿¿", a name in a script
    slugify drops) gets ``fallback`` instead of an empty slug, so that such names never
    share one row. A taken slug gets a counter: ``stand-up``, ``stand-up-2``, ...
    """
    base = slug_from(name, max_length=max_length) or fallback
    candidate, counter = base, 2
    while taken(candidate):
        suffix = f"-{counter}"
        candidate = base[: max_length - len(suffix)].rstrip("-_") + suffix
        counter += 1
    return candidate


def slug_taken_in(queryset: QuerySet[Any], field: str = "slug") -> Callable[[str], bool]:
    """``taken`` for :func:`unique_slug`: the slug is used by a row of ``queryset``."""
    return lambda slug: queryset.filter(**{field: slug}).exists()


def slug_taken_among(slugs: Container[str]) -> Callable[[str], bool]:
    """``taken`` for :func:`unique_slug`: the slug is one of ``slugs`` (kept in memory)."""
    return lambda slug: slug in slugs
