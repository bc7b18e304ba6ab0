"""URLs of the portal pages. The outbox pages keep the namespace ``core`` (``core:delivery_list``,
``core:delivery_resend``), the names they had when they lived in the core app: the pages are
about core's outbox, and templates and tests reverse them."""

from django.urls import path

from kbridge.portal import views

deliveries = (
    [
        path("", views.delivery_list, name="delivery_list"),
        path("<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
    ],
    "core",
)
