"""Evaluation views: scoring."""

urlpatterns: list = []
