"""Annotators: turn analysed patches into text annotations.

Each annotator is registered by name in :data:`ANNOTATORS` (grep here to see what exists) and
built once per unit of work from the recipe. The pipeline hands the kept patches of a unit, as
:class:`PatchContext` objects, to :meth:`Annotator.annotate_unit` of each annotator the recipe
asks for (``[annotate] kinds``, ``--annotate``); by default that calls :meth:`Annotator.annotate`
per patch, and an annotator that gains from seeing the whole unit (LLM requests sent
concurrently) overrides it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from eotext.model import Text
from eotext.semantics.patch import PatchContext
from eotext.verify.leakage import guard_leakage

if TYPE_CHECKING:
    from eotext.clients.usage import Usage
    from eotext.config.recipe import Recipe


class Annotator(ABC):
    """Writes texts for patches; must be deterministic given (seed, patch id)."""

    @abstractmethod
    def annotate(self, ctx: PatchContext) -> list[Text]:
        """The texts of one patch."""

    def annotate_unit(
        self, contexts: Sequence[PatchContext], cache_path: Path | None
    ) -> list[Text]:
        """The texts of all the kept patches of a unit (by default, patch by patch).

        Args:
            contexts: the unit's kept patches.
            cache_path: where an annotator that calls a model caches its answers.
        """
        return [t for ctx in contexts for t in self.annotate(ctx)]

    def usage(self) -> Usage | None:
        """Model usage (tokens, cost, requests) so far; None for annotators that call none."""
        return None


class TemplateCaptions(Annotator):
    """Template captions: a detailed description and a short one per labelled patch, or a
    caption from scene-level labels (BigEarthNet) when there is no label map."""

    def __init__(self, recipe: Recipe) -> None:
        self.spec = recipe.annotate.template

    def annotate(self, ctx: PatchContext) -> list[Text]:
        from eotext.text.templates import CaptionWriter, multilabel_caption

        scheme, pid = ctx.scene.scheme, ctx.patch_id
        if scheme is None:
            return []
        texts: list[tuple[str, str]] = []
        if ctx.stats is not None and ctx.layout is not None:
            writer = CaptionWriter(scheme, ctx.seed)
            if self.spec.detailed_captions:
                texts.append(("detailed", writer.detailed(pid, ctx.stats, ctx.layout)))
            if self.spec.short_captions:
                texts.append(("short", writer.short(pid, ctx.stats, ctx.layout)))
        elif ctx.scene.scene_labels is not None:
            codes = list(ctx.scene.scene_labels.codes)
            caption = multilabel_caption(
                scheme, codes, ctx.scene.acquired, ctx.where.season, ctx.seed, pid
            )
            texts.append(("multilabel", caption))
        return [
            Text(f"{pid}:caption:{style}", pid, "caption", "template", text, style=style)
            for style, text in texts
            if text
        ]


class VqaItems(Annotator):
    """Question-answer items computed from the statistics (presence, dominant, comparison,
    coverage, counting, location, adjacency, area, multiple choice)."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe

    def annotate(self, ctx: PatchContext) -> list[Text]:
        if ctx.scene.scheme is None:
            return []
        items = self._items(ctx)
        for item in items:
            guard_leakage(item)
        return items

    def _items(self, ctx: PatchContext) -> list[Text]:
        from eotext.text.vqa import VqaWriter

        assert ctx.scene.scheme is not None
        writer = VqaWriter(ctx.scene.scheme, ctx.seed)
        if ctx.stats is None or ctx.layout is None:
            if ctx.scene.scene_labels is None:
                return []
            codes = list(ctx.scene.scene_labels.codes)
            return writer.multilabel_items(ctx.patch_id, codes, ctx.where)
        return writer.items(ctx.patch_id, ctx.stats, ctx.layout, ctx.scene.grid.gsd_m, ctx.where)


class ReferringExpressions(Annotator):
    """Referring expressions that identify exactly one connected component, with its box."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe

    def annotate(self, ctx: PatchContext) -> list[Text]:
        from eotext.text.referring import ReferringWriter

        labels = ctx.data.labels
        if ctx.stats is None or labels is None or ctx.scene.scheme is None:
            return []
        writer = ReferringWriter(ctx.scene.scheme, ctx.seed)
        return writer.items(ctx.patch_id, labels, ctx.usable, ctx.stats, ctx.components)


class AnchoredTexts(Annotator):
    """BigEarthNet.txt-style texts: captions anchored in place and time (country, season,
    climate, elevation, and spatial relations from a label map) in several styles, and
    presence questions / multiple choice with negatives plausible in the patch's climate."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe

    def annotate(self, ctx: PatchContext) -> list[Text]:
        from eotext.text.bigearthnet import AnchoredWriter

        scheme, pid = ctx.scene.scheme, ctx.patch_id
        if scheme is None:
            return []
        if ctx.stats is not None:
            codes = [c for c, _ in ctx.stats.ranked()]
        elif ctx.scene.scene_labels is not None:
            codes = list(ctx.scene.scene_labels.codes)
        else:
            return []
        writer = AnchoredWriter(scheme, ctx.seed)
        captions = writer.captions(pid, codes, ctx.where, ctx.scene.acquired, ctx.layout)
        texts = [
            Text(f"{pid}:caption:{style}", pid, "caption", "template", text, style=style)
            for style, text in captions
        ]
        questions = writer.questions(pid, set(codes), ctx.where)
        for item in questions:
            guard_leakage(item)
        return texts + questions


class OsmCaptions(Annotator):
    """SkyScript-style captions from the OpenStreetMap objects visible in the patch: ``title``
    (the focus object) and ``title_multi_objects`` (the focus and its surroundings).

    The OSM file is read once per process and scene grid
    (:func:`eotext.semantics.osm.layer.load_layer`), not per patch.
    """

    def __init__(self, recipe: Recipe) -> None:
        self.spec = recipe.annotate.osm
        self.rules = self.spec.resolved_rules()

    def annotate(self, ctx: PatchContext) -> list[Text]:
        from eotext.semantics.osm.join import join_patch
        from eotext.semantics.osm.layer import load_layer
        from eotext.text.osm import OsmCaptionWriter

        path = ctx.scene.osm_path or self.spec.file
        if path is None:
            return []
        grid = ctx.scene.grid
        layer = load_layer(path, grid, self.rules, self.spec.location_index)
        found = join_patch(layer, grid.window_bounds(ctx.spec.window))
        writer = OsmCaptionWriter(self.rules, ctx.seed, self.spec.styles)
        box = ctx.footprint_wgs84.bounds
        return writer.texts(ctx.patch_id, found, box, ctx.scene.acquired, Path(path).name)


class LlmCaptions(Annotator):
    """LLM captions over an OpenAI-compatible endpoint (ChatEarthNet's prompts), validated.

    The pipeline calls :meth:`annotate_unit` once per unit, so all of a unit's patches go out
    as concurrent requests; :meth:`usage` is the unit's tokens and cost for the manifest.
    """

    def __init__(self, recipe: Recipe) -> None:
        import importlib.util

        from eotext.clients.usage import Usage
        from eotext.errors import RecipeError

        if importlib.util.find_spec("httpx") is None:
            raise RecipeError("the llm annotator needs httpx: pip install 'eotext[llm]'")
        self.spec = recipe.annotate.llm
        self._usage = Usage()

    def annotate(self, ctx: PatchContext) -> list[Text]:
        return self.annotate_unit([ctx], None)

    def annotate_unit(
        self, contexts: Sequence[PatchContext], cache_path: Path | None
    ) -> list[Text]:
        """Captions for every patch of a unit; answers are cached in ``cache_path``."""
        from eotext.text.llm.captions import caption_patches
        from eotext.verify.answers import ANSWER_CHECKS

        texts, usage = caption_patches(self.spec, list(contexts), cache_path, ANSWER_CHECKS)
        self._usage += usage
        return texts

    def usage(self) -> Usage:
        return self._usage


#: Built-in annotators by name. Grep here to see what exists.
ANNOTATORS: dict[str, Callable[[Recipe], Annotator]] = {
    "caption": TemplateCaptions,
    "vqa": VqaItems,
    "referring": ReferringExpressions,
    "anchored": AnchoredTexts,
    "osm": OsmCaptions,
    "llm": LlmCaptions,
}


def build_annotators(recipe: Recipe) -> list[Annotator]:
    """The annotators a recipe asks for, in its order."""
    return [ANNOTATORS[kind](recipe) for kind in recipe.annotate.kinds]
