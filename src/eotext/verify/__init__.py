"""Checks on texts: LLM answer checks, banned words, cross-image comparisons, the leakage guard."""
