"""Pure algorithms of K-Bridge.

Nothing under ``kbridge.engine`` imports Django: dataclasses or arrays in, dataclasses or
arrays out, so every algorithm can be unit-tested and benchmarked on its own.
"""
