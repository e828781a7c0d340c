"""The leakage guard: an item's input never gives its answer away."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eotext.model import Text


class LeakageError(AssertionError):
    """An item's input contains its own answer (a bug in a template, never user input)."""


def guard_leakage(item: Text) -> None:
    """Refuse an item whose question gives its answer away (the leakage guard).

    Binary answers ("yes"/"no") and multiple-choice options are exempt by nature; every other
    answer must not appear in the question.
    """
    answer = (item.answer or "").lower()
    if item.style in ("binary", "mcq") or not answer or item.question is None:
        return
    if re.search(rf"(?<![\w.]){re.escape(answer)}(?![\w])", item.question.lower()):
        raise LeakageError(f"the question {item.question!r} contains its answer {answer!r}")


def guard_context_leakage(item_id: str, text_input: str, patch: Mapping[str, Any]) -> None:
    """Refuse a training input that mentions a context field its patch answers elsewhere.

    Raises:
        LeakageError: ``text_input`` names the patch's country, climate zone or season.
    """
    for field in ("country", "climate_zone", "season"):
        value = patch.get(field)
        # Climate codes are case-sensitive ("As" is a zone, "as" a word).
        flags = 0 if field == "climate_zone" else re.IGNORECASE
        if value and re.search(rf"\b{re.escape(str(value))}\b", text_input, flags):
            raise LeakageError(
                f"{item_id}: its input mentions the patch's {field} ({value!r}), an answer field"
            )
