"""Evaluation views: stages."""

urlpatterns: list = []
