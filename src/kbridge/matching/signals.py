"""Embed profiles and tracks in the background whenever their text changes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from kbridge.accounts.models import Organisation
from kbridge.applications.models import StartupProfile
from kbridge.programs.models import Track


def _enqueue(key: str) -> None:
    from kbridge.matching.tasks import embed_documents

    transaction.on_commit(lambda: embed_documents.enqueue([key]))


@receiver(post_save, sender=Track)
def track_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _enqueue(f"track:{instance.pk}")


@receiver(post_save, sender=StartupProfile)
def profile_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _enqueue(f"startup:{instance.organisation_id}")


@receiver(post_save, sender=Organisation)
def organisation_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.kind == Organisation.Kind.STARTUP:
        _enqueue(f"startup:{instance.pk}")
