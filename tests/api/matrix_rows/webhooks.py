"""Webhook subscriptions and delivery logs: the subscriptions of organisations one manages
(KISED's subscription: KISED's operator only); the list answers everyone signed in, with what
they manage (nothing for most)."""

from tests.api.matrix_rows import SIGNED_IN

ROWS = [
    ("GET", "/api/v1/webhooks", None, SIGNED_IN),
    ("GET", "/api/v1/webhooks/{webhook}", None, {"operator"}),
    ("GET", "/api/v1/webhooks/{webhook}/deliveries", None, {"operator"}),
    ("POST", "/api/v1/webhooks/{webhook}/deliveries/{webhook_delivery}/redeliver", None,
     {"operator"}),
]
