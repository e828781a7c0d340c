"""Settings of the annotators: ``[annotate]`` and its tables, owned by the text layer.

Field metadata tells the recipe layer how to fingerprint a setting (see
:mod:`eotext.config.fingerprint`): fields marked ``"run"`` decide how requests are sent, not what
the dataset holds, so changing them lets a folder resume.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from eotext.errors import RecipeError
from eotext.text.llm.prompts import PromptSpec

#: The annotators a recipe can ask for (``[annotate] kinds``); each has a step in
#: :data:`eotext.run.annotators.ANNOTATORS`.
ANNOTATOR_KINDS = ("caption", "vqa", "referring", "anchored", "osm", "llm")
_RESOLVED_RULES: dict[str, Any] = {}


@dataclass(frozen=True)
class TemplateSpec:
    """Template captions: ``[annotate.template]``."""

    detailed_captions: bool = True
    short_captions: bool = True


LLM_MODES = ("text", "paraphrase", "vision")
LLM_ERROR_POLICIES = ("skip", "stop")
_RUN: dict[str, Any] = {"fingerprint": "run"}


@dataclass(frozen=True)
class LlmSpec:
    """LLM captions: ``[annotate.llm]``.

    Attributes:
        base_url: an OpenAI-compatible endpoint (``endpoint`` is accepted as an alias).
        model: the model name, stored as ``generator = "llm:<model>"``.
        mode: ``text`` (ChatEarthNet's prompt from the statistics) or ``paraphrase`` (rewrite
            the template caption, which stays as the fallback) or ``vision`` (ChatEarthNet's
            GPT-4V path: four label-map images per request; needs a multimodal model).
        concurrency: requests in flight for the whole build, across all its workers.
        max_tokens / temperature: generation parameters (ChatEarthNet used 300 tokens).
        retries: further attempts after 429, 5xx, timeouts, connection errors, bad shapes.
        validation_retries: further attempts when an answer fails validation.
        timeout_s: per-request timeout.
        backoff_s / max_backoff_s: first retry wait (doubled each time) and its cap.
        price_per_1k_prompt / price_per_1k_completion: for the cost in the manifest.
        api_key_env: the environment variable that holds the API key (never stored).
        on_error: a prompt that gets no answer is ``skip``-ped (counted) or ``stop``-s the build.
        dry_run: build prompts and estimate tokens and cost without sending anything.
        prompts: the prompt templates (ChatEarthNet's by default).
    """

    base_url: str = field(
        default="http://127.0.0.1:8080/v1", metadata={**_RUN, "aliases": ("endpoint",)}
    )
    model: str = ""
    mode: str = "text"
    concurrency: int = field(default=8, metadata=_RUN)
    max_tokens: int = 300
    temperature: float = 1.0
    retries: int = field(default=5, metadata=_RUN)
    validation_retries: int = 1
    timeout_s: float = field(default=60.0, metadata=_RUN)
    backoff_s: float = field(default=1.0, metadata=_RUN)
    max_backoff_s: float = field(default=60.0, metadata=_RUN)
    price_per_1k_prompt: float = field(default=0.0, metadata=_RUN)
    price_per_1k_completion: float = field(default=0.0, metadata=_RUN)
    api_key_env: str = field(default="OPENAI_API_KEY", metadata=_RUN)
    on_error: str = field(default="skip", metadata=_RUN)
    dry_run: bool = field(default=False, metadata=_RUN)
    prompts: PromptSpec = field(default_factory=PromptSpec)

    def __post_init__(self) -> None:
        if self.mode not in LLM_MODES:
            raise RecipeError(f"annotate.llm.mode must be one of {LLM_MODES}, got {self.mode!r}")
        if self.on_error not in LLM_ERROR_POLICIES:
            raise RecipeError(
                f"annotate.llm.on_error must be one of {LLM_ERROR_POLICIES}, got {self.on_error!r}"
            )
        if "://" not in self.base_url:
            raise RecipeError(
                f"annotate.llm.base_url must be a URL such as http://127.0.0.1:8080/v1, "
                f"got {self.base_url!r}"
            )
        for name in ("concurrency", "max_tokens"):
            if getattr(self, name) < 1:
                raise RecipeError(f"annotate.llm.{name} must be ≥ 1, got {getattr(self, name)}")
        for name in ("retries", "validation_retries"):
            if getattr(self, name) < 0:
                raise RecipeError(f"annotate.llm.{name} must be ≥ 0, got {getattr(self, name)}")
        if self.timeout_s <= 0:
            raise RecipeError(f"annotate.llm.timeout_s must be positive, got {self.timeout_s}")


@dataclass(frozen=True)
class OsmSpec:
    """OpenStreetMap captions: ``[annotate.osm]``.

    Attributes:
        file: the OSM extract joined to every source that has no ``osm`` of its own.
        styles: which SkyScript captions to write: ``title`` (the focus object) and
            ``title_multi_objects`` (the focus and its surroundings).
        location_index: where node locations are kept while reading: ``memory``, ``disk`` or
            ``auto`` (disk for extracts over 512 MB).
        rules: overrides of the visibility rules (:data:`eotext.semantics.osm.rules.DEFAULT_RULES`):
            tables merge entry by entry, lists and numbers replace.
    """

    file: str | None = field(default=None, metadata={"fingerprint": "path"})
    styles: tuple[str, ...] = ("title", "title_multi_objects")
    location_index: str = field(default="auto", metadata=_RUN)
    rules: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        styles = ("title", "title_multi_objects")
        bad = [s for s in self.styles if s not in styles]
        if bad or not self.styles:
            raise RecipeError(
                f"annotate.osm.styles must be a non-empty list of {styles}, got {list(self.styles)}"
            )
        if self.location_index not in ("auto", "memory", "disk"):
            raise RecipeError(
                "annotate.osm.location_index must be 'auto', 'memory' or 'disk', "
                f"got {self.location_index!r}"
            )
        self.resolved_rules()  # raises RecipeError on a bad override

    def resolved_rules(self) -> Any:
        """The default rules with this recipe's overrides (:class:`~.rules.OsmRules`)."""
        from eotext.semantics.osm.rules import DEFAULT_RULES

        if not self.rules:
            return DEFAULT_RULES
        key = json.dumps(self.rules, sort_keys=True, default=str)
        if key not in _RESOLVED_RULES:  # merged once per process, not per patch
            _RESOLVED_RULES[key] = DEFAULT_RULES.with_overrides(self.rules)
        return _RESOLVED_RULES[key]


@dataclass(frozen=True)
class AnnotateSpec:
    """Which annotators run (``[annotate] kinds``), and their settings.

    The ``osm`` and ``llm`` tables count for the fingerprint only when ``kinds`` names them.
    """

    kinds: tuple[str, ...] = ("caption",)
    template: TemplateSpec = field(default_factory=TemplateSpec)
    osm: OsmSpec = field(default_factory=OsmSpec, metadata={"fingerprint": "annotator"})
    llm: LlmSpec = field(default_factory=LlmSpec, metadata={"fingerprint": "annotator"})

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in ANNOTATOR_KINDS]
        if unknown:
            raise RecipeError(
                f"annotate.kinds has unknown annotator(s) {', '.join(unknown)}; "
                f"choose from {', '.join(ANNOTATOR_KINDS)}"
            )
        if "llm" in self.kinds and not self.llm.model:
            raise RecipeError(
                "the llm annotator needs a model: set `model` in [annotate.llm] or --llm-model"
            )
