from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django_stubs_ext import StrOrPromise

# Row ids are 64-bit; a larger number is not an id, and the database would choke on it.
MAX_ROW_ID = 2**63 - 1


class BoundedTextField(models.TextField):
    """Free text with a maximum that holds on every path.

    Django hands a ``TextField``'s ``max_length`` to form fields and DRF serializers but,
    unlike a ``CharField``, does not check it in ``full_clean()``: this field does, so that
    services refuse over-long text from the admin, import and demo data alike.
    """

    def __init__(
        self, verbose_name: StrOrPromise | None = None, *, max_length: int, **kwargs: Any
    ) -> None:
        super().__init__(verbose_name, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))


def max_length_of(model: type[models.Model], field_name: str) -> int:
    """The model field's maximum, for forms and serializers that are not built from it."""
    max_length = getattr(model._meta.get_field(field_name), "max_length", None)
    if not isinstance(max_length, int):
        raise TypeError(f"{model.__name__}.{field_name} has no max_length.")
    return max_length


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last time a named background process proved it was alive.

    The Celery beat schedule runs a heartbeat task every minute; ``/healthz`` reports how
    long ago a worker last ran it, which tells an operator that the whole chain
    beat -> broker -> worker -> database works, not only that each part answers.
    """

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class SubqueryCount(models.Subquery):
    """How many rows a queryset has, as an expression: a page folds a count into a query
    it makes anyway instead of asking the database once more."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = models.IntegerField()

    def __init__(self, queryset: models.QuerySet[Any], **extra: Any) -> None:
        super().__init__(queryset.order_by().values("pk"), **extra)
