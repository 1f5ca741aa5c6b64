"""Abstract building blocks shared by every app. This app owns no tables."""

import uuid

from django.db import models


class BaseModel(models.Model):
    """UUID primary key plus creation and update times, for every table Attest owns.

    UUIDs keep identifiers stable across registries and safe to show in URLs and audit events
    (no guessable sequence); the timestamps are timezone-aware.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
