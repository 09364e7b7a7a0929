from __future__ import annotations

from django.db import models

# Row ids are 64-bit; a larger number is not an id, and the database would choke on it.
MAX_ROW_ID = 2**63 - 1


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
