"""LLM captions for all the patches of one unit of work, sent as concurrent requests.

Each patch gets ChatEarthNet's text prompt (or, in paraphrase mode, a request to rewrite its
template caption). Answers are validated; a failing answer is asked again up to
``validation_retries`` times (the attempt number is part of the request, as ``seed``, so the
cache does not hand back the same answer) and then stored flagged with its findings. A prompt
that gets no answer at all is skipped and counted, or stops the build (``on_error``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from eotext.clients.cache import ResponseCache
from eotext.clients.chat import BackgroundLoop, ChatAnswer, ChatClient, ClientSettings
from eotext.clients.usage import Prices, Usage, estimate_tokens
from eotext.errors import LlmError
from eotext.model import Text
from eotext.text.llm.prompts import paraphrase_messages, prompt_text, text_messages
from eotext.text.llm.vision import split_answer, vision_messages
from eotext.text.templates import text_rng

if TYPE_CHECKING:
    from eotext.schemes import Scheme
    from eotext.semantics.patch import PatchContext
    from eotext.text.spec import LlmSpec

log = logging.getLogger(__name__)


class AnswerChecks(Protocol):
    """The checks an answer goes through (:data:`eotext.verify.answers.ANSWER_CHECKS`)."""

    def findings(
        self, answer: str, finish_reason: str | None, scheme: Scheme | None, present: list[int]
    ) -> tuple[str, ...]:
        """Problems of one answer; empty when it is fit to keep."""
        ...

    def remove_cross_image(self, paragraph: str) -> tuple[str, list[str]]:
        """The paragraph without sentences that compare images, and those sentences."""
        ...


@dataclass(frozen=True)
class _Job:
    ctx: PatchContext
    messages: list[dict[str, Any]]
    seed: int
    template: str | None  # paraphrase mode: the template caption, also the fallback


def client_settings(spec: LlmSpec) -> ClientSettings:
    """Client settings from the recipe; the key is read from ``spec.api_key_env``."""
    key = os.environ.get(spec.api_key_env) or None
    if key is None:
        log.info("no API key in $%s; sending requests without one", spec.api_key_env)
    return ClientSettings(
        base_url=spec.base_url,
        model=spec.model,
        api_key=key,
        concurrency=spec.concurrency,
        timeout_s=spec.timeout_s,
        retries=spec.retries,
        backoff_s=spec.backoff_s,
        max_backoff_s=spec.max_backoff_s,
    )


def caption_patches(
    spec: LlmSpec, contexts: list[PatchContext], cache_path: Path | None, checks: AnswerChecks
) -> tuple[list[Text], Usage]:
    """LLM captions for the patches of one unit.

    Args:
        spec: the ``[annotate.llm]`` settings.
        contexts: the unit's kept patches.
        cache_path: the SQLite response cache (normally ``OUT/.eotext/llm-cache.sqlite``).
        checks: what an answer must pass; a failing answer is asked again, then flagged.

    Returns:
        The texts (one per patch that has land-cover statistics) and the unit's usage.

    Raises:
        LlmRefusedError: wrong key, unknown model or rejected parameters.
        LlmError: a prompt got no answer within the retries and ``on_error = "stop"``.
    """
    if spec.mode == "vision":
        usable = [c for c in contexts if _vision_ready(c)]
        jobs = [_Job(c, [], 0, None) for c in usable]
        groups = [usable[i : i + 4] for i in range(0, len(usable), 4)]
    else:
        jobs = [j for j in (_job(spec, ctx) for ctx in contexts) if j is not None]
        groups = []
    if not jobs:
        return [], Usage()
    if spec.dry_run:
        if groups:
            jobs = [_Job(g[0], vision_messages(g), 0, None) for g in groups]
        return [_dry_run_text(spec, j) for j in jobs], Usage()
    started = time.perf_counter()
    with _unit_client(client_settings(spec), cache_path) as client:
        if groups:
            texts, usage = _run_vision(spec, client, groups, checks)
        else:
            texts, usage = _run(spec, client, jobs, checks)
    return texts, replace(usage, seconds=time.perf_counter() - started)


#: One client per endpoint settings in this process: its limit of requests in flight is shared
#: by every unit that talks to the endpoint.
_CLIENTS: dict[ClientSettings, ChatClient] = {}
_CLIENTS_LOCK = threading.Lock()


def _shared_client(settings: ClientSettings) -> ChatClient:
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(settings)
        if client is None:
            client = _CLIENTS[settings] = ChatClient(settings)
        return client


@contextmanager
def _unit_client(settings: ClientSettings, cache_path: Path | None) -> Iterator[ChatClient]:
    """A client of the unit's own (cache, counters) that shares the process's slots for
    ``settings``; the cache is opened, used and closed on the request loop's thread alone."""
    loop = BackgroundLoop.shared()
    cache = loop.call(_open_cache, cache_path) if cache_path is not None else None
    try:
        yield _shared_client(settings).with_cache(cache)
    finally:
        if cache_path is not None:
            loop.call(_close_cache, cache_path)


@dataclass
class _OpenCache:
    cache: ResponseCache
    users: int = 0


#: Caches open by path, shared by the units using them (on the request loop's thread only):
#: overlapping units keep one open rather than each opening and closing (a checkpoint) its own.
_CACHES: dict[Path, _OpenCache] = {}


def _open_cache(path: Path) -> ResponseCache:
    entry = _CACHES.get(path)
    if entry is None:
        entry = _CACHES[path] = _OpenCache(ResponseCache(path))
    entry.users += 1
    return entry.cache


def _close_cache(path: Path) -> None:
    entry = _CACHES[path]
    entry.users -= 1
    if not entry.users:
        del _CACHES[path]
        entry.cache.close()


def _ask(client: ChatClient, bodies: list[dict[str, Any]]) -> list[ChatAnswer | LlmError]:
    """Send ``bodies`` on the process's one request loop and wait for every answer.

    Units captioned at the same time (in threads) share the endpoint's ``concurrency`` slots
    there, and no unit waits for another's slowest answer. Only the requests run on the loop:
    prompts, checks and texts are the caller's work, done in its own thread while the loop
    keeps the other units' requests going.
    """
    return BackgroundLoop.shared().run(client.complete_many(bodies))


def _vision_ready(ctx: PatchContext) -> bool:
    return (
        ctx.scene.scheme is not None
        and ctx.stats is not None
        and ctx.layout is not None
        and ctx.data.labels is not None
    )


def _run_vision(
    spec: LlmSpec, client: ChatClient, groups: list[list[PatchContext]], checks: AnswerChecks
) -> tuple[list[Text], Usage]:
    """ChatEarthNet's vision path: one request per four patches, the answer split in four."""
    texts: list[Text] = []
    usage = Usage()
    failed = 0
    pending = groups
    for attempt in range(spec.validation_retries + 1):
        messages = [vision_messages(g) for g in pending]
        seeds = [text_rng(g[0].seed, g[0].patch_id, "llm-seed").randrange(2**31) for g in pending]
        bodies = [
            client.body(
                m, max_tokens=spec.max_tokens, temperature=spec.temperature, seed=s + attempt
            )
            for m, s in zip(messages, seeds, strict=True)
        ]
        answers = _ask(client, bodies)
        again = []
        for group, msgs, answer in zip(pending, messages, answers, strict=True):
            if isinstance(answer, LlmError):
                log.warning("%s: no LLM caption: %s", group[0].patch_id, answer)
                failed += len(group)
                continue
            usage += Usage(
                prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens
            )
            parts = split_answer(answer.content, len(group))
            bad = parts is None or answer.finish_reason == "length" or not answer.content.strip()
            if bad and attempt < spec.validation_retries:
                again.append(group)
                continue
            texts.extend(_vision_texts(spec, group, msgs, answer, parts, attempt + 1, checks))
        pending = again
        if not pending:
            break
    if failed and spec.on_error == "stop":
        raise LlmError(f"{failed} patches got no answer (on_error = 'stop'); rerun to resume")
    return texts, _final_usage(spec, client, usage, texts, failed)


def _vision_texts(
    spec: LlmSpec,
    group: list[PatchContext],
    messages: list[dict[str, Any]],
    answer: ChatAnswer,
    parts: list[str] | None,
    attempts: int,
    checks: AnswerChecks,
) -> list[Text]:
    out = []
    for i, ctx in enumerate(group):
        job = _Job(ctx, messages, 0, None)
        meta = _meta(spec, job, answer, attempts) | {"image_index": i, "images": len(group)}
        removed: list[str] = []
        findings: tuple[str, ...]
        if parts is None:
            text, findings = answer.content.strip(), ("unsplittable_answer",)
        else:
            text, removed = checks.remove_cross_image(parts[i])
            findings = _findings(job, replace(answer, content=text), checks)
        if removed:
            meta["removed_sentences"] = removed
        status = "flagged" if findings else ("auto_fixed" if removed else "generated")
        if removed:
            findings = (*findings, f"cross_image_removed:{len(removed)}")
        out.append(
            Text(
                f"{ctx.patch_id}:caption:llm",
                ctx.patch_id,
                "caption",
                f"llm:{spec.model}",
                text,
                prompt=prompt_text(messages),
                status=status,
                findings=findings,
                style="vision",
                meta=meta,
            )
        )
    return out


def _job(spec: LlmSpec, ctx: PatchContext) -> _Job | None:
    scheme = ctx.scene.scheme
    if scheme is None or ctx.stats is None or ctx.layout is None:
        return None  # no label map: nothing for ChatEarthNet's prompt to say
    seed = text_rng(ctx.seed, ctx.patch_id, "llm-seed").randrange(2**31)
    if spec.mode == "paraphrase":
        from eotext.text.templates import CaptionWriter

        caption = CaptionWriter(scheme, ctx.seed).detailed(ctx.patch_id, ctx.stats, ctx.layout)
        if not caption:
            return None
        return _Job(ctx, paraphrase_messages(spec.prompts, caption), seed, caption)
    messages = text_messages(spec.prompts, scheme, ctx.stats, ctx.layout, ctx.seed, ctx.patch_id)
    return _Job(ctx, messages, seed, None)


def _body(client: ChatClient, spec: LlmSpec, job: _Job, attempt: int) -> dict[str, Any]:
    return client.body(
        job.messages,
        max_tokens=spec.max_tokens,
        temperature=spec.temperature,
        seed=job.seed + attempt,
    )


def _run(
    spec: LlmSpec, client: ChatClient, jobs: list[_Job], checks: AnswerChecks
) -> tuple[list[Text], Usage]:
    texts: list[Text] = []
    usage = Usage()
    failures: list[tuple[_Job, LlmError]] = []
    pending = jobs
    for attempt in range(spec.validation_retries + 1):
        answers = _ask(client, [_body(client, spec, j, attempt) for j in pending])
        again: list[_Job] = []
        for job, answer in zip(pending, answers, strict=True):
            if isinstance(answer, LlmError):
                failures.append((job, answer))
                continue
            usage += Usage(
                prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens
            )
            findings = _findings(job, answer, checks)
            if findings and attempt < spec.validation_retries:
                log.info("%s: answer rejected (%s); asking again", job.ctx.patch_id, findings)
                again.append(job)
                continue
            texts.append(_text(spec, job, answer, findings, attempt + 1))
        pending = again
        if not pending:
            break
    if failures and spec.on_error == "stop":
        job, exc = failures[0]
        raise LlmError(
            f"{job.ctx.patch_id}: {exc} (on_error = 'stop'; answers so far are cached, rerun "
            "to resume)"
        )
    for job, exc in failures:
        log.warning("%s: no LLM caption: %s", job.ctx.patch_id, exc)
        if job.template is not None:
            texts.append(_fallback(spec, job, (f"llm_failed:{exc}",), None))
    return texts, _final_usage(spec, client, usage, texts, len(failures))


def _final_usage(
    spec: LlmSpec, client: ChatClient, usage: Usage, texts: list[Text], failed: int
) -> Usage:
    """Token usage plus the client's counters, failures, flags and the cost."""
    prices = Prices(spec.price_per_1k_prompt, spec.price_per_1k_completion)
    stats = client.stats
    return replace(
        usage,
        requests_sent=stats.requests_sent,
        cache_hits=stats.cache_hits,
        retries=stats.retries,
        failed=failed,
        flagged=sum(t.status == "flagged" for t in texts),
        cost=prices.cost(usage.prompt_tokens, usage.completion_tokens),
    )


def _findings(job: _Job, answer: ChatAnswer, checks: AnswerChecks) -> tuple[str, ...]:
    stats = job.ctx.stats
    present = [c for c, n in stats.counts.items() if n > 0] if stats is not None else []
    return checks.findings(answer.content, answer.finish_reason, job.ctx.scene.scheme, present)


def _meta(spec: LlmSpec, job: _Job, answer: ChatAnswer | None, attempts: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "prompt_version": spec.prompts.version,
        "mode": spec.mode,
        "attempts": attempts,
        "base_url": spec.base_url,
    }
    if answer is not None:
        meta |= {
            "finish_reason": answer.finish_reason,
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
        }
    return meta


def _text(
    spec: LlmSpec, job: _Job, answer: ChatAnswer, findings: tuple[str, ...], attempts: int
) -> Text:
    if findings and job.template is not None:
        return _fallback(spec, job, tuple(f"paraphrase_rejected:{f}" for f in findings), answer)
    pid = job.ctx.patch_id
    return Text(
        f"{pid}:caption:llm",
        pid,
        "caption",
        f"llm:{spec.model}",
        answer.content.strip(),
        prompt=prompt_text(job.messages),
        status="flagged" if findings else "generated",
        findings=findings,
        style="paraphrase" if job.template is not None else "llm",
        meta=_meta(spec, job, answer, attempts),
    )


def _fallback(
    spec: LlmSpec, job: _Job, findings: tuple[str, ...], answer: ChatAnswer | None
) -> Text:
    """Paraphrase mode: the template caption stands in for a rejected or missing answer."""
    assert job.template is not None
    pid = job.ctx.patch_id
    meta = _meta(spec, job, answer, spec.validation_retries + 1)
    meta["fallback"] = "template"
    if answer is not None:
        meta["rejected_answer"] = answer.content
    return Text(
        f"{pid}:caption:llm",
        pid,
        "caption",
        "template",
        job.template,
        prompt=prompt_text(job.messages),
        findings=findings,
        style="paraphrase",
        meta=meta,
    )


def _dry_run_text(spec: LlmSpec, job: _Job) -> Text:
    prompt = prompt_text(job.messages)
    pid = job.ctx.patch_id
    return Text(
        f"{pid}:caption:llm",
        pid,
        "caption",
        f"llm:{spec.model}",
        "",
        prompt=prompt,
        status="flagged",
        findings=("dry_run",),
        style="llm",
        meta={
            "prompt_version": spec.prompts.version,
            "est_prompt_tokens": sum(estimate_tokens(m["content"]) + 4 for m in job.messages),
            "est_completion_tokens": spec.max_tokens,
        },
    )
