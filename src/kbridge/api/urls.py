from django.urls import path

from kbridge.api import views_tokens, views_webhooks

app_name = "api"
urlpatterns: list = [
    path("api-tokens/", views_tokens.token_list, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("webhooks/", views_webhooks.webhook_list, name="webhooks"),
    path("webhooks/new/", views_webhooks.webhook_create, name="webhook_create"),
    path("webhooks/<int:pk>/", views_webhooks.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/edit/", views_webhooks.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/disable/", views_webhooks.webhook_disable, name="webhook_disable"),
    path("webhooks/<int:pk>/enable/", views_webhooks.webhook_enable, name="webhook_enable"),
    path("webhooks/<int:pk>/secret/", views_webhooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:pk>/test/", views_webhooks.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
         views_webhooks.webhook_redeliver, name="webhook_redeliver"),
]
