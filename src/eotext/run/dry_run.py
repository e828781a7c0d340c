"""A dry run: the prompts a build would send, with estimated tokens and cost, sending nothing."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass

from eotext.clients.usage import Prices
from eotext.config.recipe import Recipe


@dataclass(frozen=True)
class PlannedPrompt:
    """One request a build would send."""

    patch_id: str
    prompt: str
    est_prompt_tokens: int
    est_completion_tokens: int


@dataclass(frozen=True)
class DryRun:
    """The requests of a build, and their estimated tokens (4 characters each) and cost.

    Completion tokens are estimated as ``max_tokens``, an upper bound.
    """

    prompts: tuple[PlannedPrompt, ...]
    est_prompt_tokens: int
    est_completion_tokens: int
    est_cost: float


def dry_run(recipe: Recipe) -> DryRun:
    """Plan a build's LLM requests without sending any or writing the dataset folder.

    The patches are cut and analysed as in a real build (in a temporary folder, without image
    files), so the prompts are exactly those a real build would send.
    """
    import json

    import pyarrow.parquet as pq

    from eotext.run.build import build_dataset

    spec = dataclasses.replace(recipe.annotate.llm, dry_run=True)
    planned = dataclasses.replace(
        recipe,
        annotate=dataclasses.replace(recipe.annotate, kinds=("llm",), llm=spec),
        output=dataclasses.replace(recipe.output, write_images=False, write_previews=False),
    )
    with tempfile.TemporaryDirectory(prefix="eotext-dry-run-") as tmp:
        build_dataset(planned, tmp)
        rows = pq.read_table(f"{tmp}/texts.parquet").to_pylist()
    prompts = []
    for row in rows:
        meta = json.loads(row["meta"])
        prompts.append(
            PlannedPrompt(
                row["patch_id"],
                row["prompt"],
                meta["est_prompt_tokens"],
                meta["est_completion_tokens"],
            )
        )
    p_tokens = sum(p.est_prompt_tokens for p in prompts)
    c_tokens = sum(p.est_completion_tokens for p in prompts)
    prices = Prices(spec.price_per_1k_prompt, spec.price_per_1k_completion)
    return DryRun(tuple(prompts), p_tokens, c_tokens, prices.cost(p_tokens, c_tokens))
