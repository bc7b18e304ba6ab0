"""Evaluation views: ranking."""

urlpatterns: list = []
