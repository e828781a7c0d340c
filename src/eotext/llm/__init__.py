"""LLM captions over any OpenAI-compatible chat-completions endpoint.

``prompts`` builds ChatEarthNet's prompts, ``client`` sends them concurrently with retries,
``cache`` keeps every answer in SQLite so a rerun never asks twice, ``validate`` turns a bad
answer into findings, and ``usage`` sums tokens and cost.
"""
