"""Benchmarks: scripts that print figures (not tests; nothing here asserts)."""
