"""Writes of evaluation, one module per area; one function per state change."""
