"""Webhook subscriptions and their delivery logs (scope ``webhooks``)."""

from ninja import Router

from kbridge.api.auth import TokenAuth

router = Router(auth=TokenAuth("webhooks"), tags=["webhooks"])
