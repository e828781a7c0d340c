"""Token usage and cost, summed per unit and over the whole build into the manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Prices:
    """Price per 1,000 tokens, in the recipe's currency (``price_per_1k_*``)."""

    prompt_per_1k: float = 0.0
    completion_per_1k: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.prompt_per_1k + completion_tokens * self.completion_per_1k
        ) / 1000


@dataclass(frozen=True)
class Usage:
    """What the LLM calls of a unit (or a build) used.

    Attributes:
        requests_sent: HTTP requests sent, retries included.
        cache_hits: answers taken from the response cache instead of the endpoint.
        retries: requests sent again after a 429, 5xx, timeout, connection error or bad shape.
        failed: prompts that got no answer within the retries (recorded, per ``on_error``).
        flagged: texts stored with findings (``status = "flagged"``).
        prompt_tokens / completion_tokens / cost: of every answer the dataset holds, whether
            it came from the endpoint in this run or from the cache.
        seconds: wall time spent waiting for answers (summed over units, so over workers too).
    """

    requests_sent: int = 0
    cache_hits: int = 0
    retries: int = 0
    failed: int = 0
    flagged: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cost"] = round(self.cost, 6)
        d["seconds"] = round(self.seconds, 3)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Usage:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters per token), for dry runs only."""
    return max(1, (len(text) + 3) // 4)
