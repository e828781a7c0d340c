"""Recipes: TOML files and CLI flags parsed into validated frozen dataclasses, and fingerprints."""
