"""Clients of outside services, used by the LLM text code and by ``bench``: an OpenAI-compatible
chat client (``chat``), its SQLite answer cache (``cache``) and token/cost accounting (``usage``).

A leaf: imports only :mod:`eotext.errors`.
"""
