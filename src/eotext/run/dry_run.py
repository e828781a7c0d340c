"""A dry run: the prompts a build would send, with estimated tokens and cost, sending nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from eotext.clients.usage import Prices
from eotext.config.recipe import Recipe
from eotext.model import Text


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
    """Plan a build's LLM requests without sending any or writing anything.

    The scenes are resolved and the units planned, and each unit's patches are read, filtered
    and analysed as in a real build, all in memory, so the prompts are exactly those a real
    build would send; no file is written and the dataset folder is neither created nor touched.
    """
    from eotext.run.annotators import LlmCaptions
    from eotext.run.build import plan_build
    from eotext.run.unit import analyse_unit

    spec = dataclasses.replace(recipe.annotate.llm, dry_run=True)
    planned = dataclasses.replace(
        recipe, annotate=dataclasses.replace(recipe.annotate, kinds=("llm",), llm=spec)
    )
    scenes, units = plan_build(planned)
    texts: list[Text] = []
    for unit in units:
        analysed = analyse_unit(scenes[unit.scene_index], unit, planned)
        contexts = [p.ctx for p in analysed.patches]
        texts.extend(LlmCaptions(planned).annotate_unit(contexts, None))
    prompts = []
    for text in sorted(texts, key=lambda t: t.text_id):
        prompts.append(
            PlannedPrompt(
                text.patch_id,
                text.prompt or "",
                int(text.meta["est_prompt_tokens"]),
                int(text.meta["est_completion_tokens"]),
            )
        )
    p_tokens = sum(p.est_prompt_tokens for p in prompts)
    c_tokens = sum(p.est_completion_tokens for p in prompts)
    prices = Prices(spec.price_per_1k_prompt, spec.price_per_1k_completion)
    return DryRun(tuple(prompts), p_tokens, c_tokens, prices.cost(p_tokens, c_tokens))
