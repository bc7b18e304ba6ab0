"""Evaluation views: assignment."""

urlpatterns: list = []
