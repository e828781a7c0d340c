"""Scenes: every layer of one source on one grid, read window by window, and cut into units."""
