"""Evaluation views: pool."""

urlpatterns: list = []
