"""Moving models between apps without losing what points at their content types.

Permissions, admin log entries and anything else that refers to a model by content type
refer to a row of ``django_content_type``. When a model moves to another app label, that
row is relabelled, so the same id keeps meaning the same model: granted permissions and
the admin history stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def _relabel(apps: Any, *, from_label: str, to_label: str, models: Sequence[str]) -> None:
    content_type_model = apps.get_model("contenttypes", "ContentType")
    for model in models:
        old = content_type_model.objects.filter(app_label=from_label, model=model).first()
        if old is None:
            continue  # a fresh database: post_migrate creates the row with the new label
        # A row under the new label exists only if post_migrate ran between the state move
        # and this migration; it is younger and nothing of value points at it yet.
        content_type_model.objects.filter(app_label=to_label, model=model).delete()
        old.app_label = to_label
        old.save(update_fields=["app_label"])
    # The process-wide cache may still hold the old label for these ids.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def content_types_relabel(
    *, from_label: str, to_label: str, models: Sequence[str]
) -> migrations.RunPython:
    """A reversible migration operation that moves ``models``' content types to ``to_label``."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, from_label=from_label, to_label=to_label, models=models)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, from_label=to_label, to_label=from_label, models=models)

    return migrations.RunPython(forwards, backwards, elidable=False)
