"""Hypothesis runs derandomized so CI sees the same examples every time."""

from hypothesis import settings

settings.register_profile("scheduling", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("scheduling")
