"""An async client for the OpenAI chat-completions protocol, with retries and a cache.

Works with any endpoint that speaks the protocol (OpenAI, vLLM, Ollama, llama.cpp's server)
through its ``base_url``. Requests run concurrently up to a limit; 429, 5xx, timeouts,
connection errors and answers of the wrong shape are retried with exponential backoff (a
``Retry-After`` header wins); a wrong key (401/403) or an unknown model (404) stops at once.
The API key goes only into the ``Authorization`` header: it is never logged or stored.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import json
import logging
import random
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from eotext.clients.cache import ResponseCache, request_key
from eotext.clients.limits import current_shared_limit
from eotext.clients.turns import turn_given_up
from eotext.errors import LlmError, LlmRefusedError

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ClientSettings:
    """How to reach the endpoint and how hard to try.

    Attributes:
        base_url: e.g. ``https://api.openai.com/v1`` or ``http://127.0.0.1:8080/v1``.
        model: the model name the endpoint knows.
        api_key: sent as a bearer token; never logged (hidden from ``repr``).
        concurrency: requests in flight at once.
        timeout_s: per-request timeout.
        retries: further attempts after the first for retryable failures.
        backoff_s / max_backoff_s: first wait, doubled per attempt, and the cap (also on
            ``Retry-After``).
    """

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 8
    timeout_s: float = 60.0
    retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0


@dataclass(frozen=True)
class ChatAnswer:
    """One answer: the text, why generation stopped, and its token usage."""

    content: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


class _Retryable(Exception):
    def __init__(self, reason: str, wait_s: float | None = None) -> None:
        super().__init__(reason)
        self.wait_s = wait_s


@dataclass
class ClientStats:
    """Counters of one client's life."""

    requests_sent: int = 0
    cache_hits: int = 0
    retries: int = 0


@dataclass
class _Pool:
    """An event loop's HTTP connection pool and how many calls are using it."""

    http: httpx.AsyncClient
    users: int = 0


class ChatClient:
    """Sends chat-completion requests concurrently; answers are cached when a cache is given."""

    def __init__(self, settings: ClientSettings, cache: ResponseCache | None = None) -> None:
        self.settings = settings
        self.cache = cache
        self.stats = ClientStats()
        self._url = settings.base_url.rstrip("/") + "/chat/completions"
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._semaphores = weakref.WeakKeyDictionary()
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool]
        self._pools = weakref.WeakKeyDictionary()

    def with_cache(self, cache: ResponseCache | None) -> ChatClient:
        """A client with its own cache and counters that shares this one's limit of requests
        in flight (callers running at the same time then share ``concurrency`` slots)."""
        other = ChatClient(self.settings, cache)
        other._semaphores = self._semaphores
        other._pools = self._pools
        return other

    def body(self, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """The request body: model, messages and the non-None parameters."""
        return {
            "model": self.settings.model,
            "messages": messages,
            **{k: v for k, v in params.items() if v is not None},
        }

    async def complete_many(self, bodies: Sequence[dict[str, Any]]) -> list[ChatAnswer | LlmError]:
        """Answer every request body; a request that fails past the retries gives its error.

        Calls running at the same time on one event loop share the client's limit of
        ``concurrency`` requests in flight, so a caller's slow last requests never leave the
        others' slots idle.

        Args:
            bodies: the request bodies.

        Raises:
            LlmRefusedError: the endpoint refused the key or does not know the model (no point in
                sending the other requests).
        """
        semaphore = self._semaphore()
        async with self._connections() as http:
            # After a refusal no new request starts, but those in flight finish and are
            # cached: every answered request is kept.
            refused = asyncio.Event()

            async def one(body: dict[str, Any]) -> ChatAnswer | LlmError:
                try:
                    return await self._complete(http, semaphore, body, refused)
                except LlmRefusedError:
                    refused.set()
                    raise
                except LlmError as exc:
                    return exc

            results = await asyncio.gather(*(one(b) for b in bodies), return_exceptions=True)
        for r in results:
            if isinstance(r, LlmRefusedError):
                raise r
        for r in results:
            if isinstance(r, BaseException) and not isinstance(r, LlmError):
                raise r
        return [r for r in results if isinstance(r, ChatAnswer | LlmError)]

    async def _complete(
        self,
        http: httpx.AsyncClient,
        semaphore: asyncio.Semaphore,
        body: dict[str, Any],
        refused: asyncio.Event,
    ) -> ChatAnswer:
        s = self.settings
        key = request_key(s.base_url, body)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.cache_hits += 1
                return ChatAnswer(**hit, cached=True)
        last = ""
        for attempt in range(s.retries + 1):
            if attempt:
                self.stats.retries += 1
            try:
                async with semaphore:
                    if refused.is_set():
                        raise LlmError("not sent: the endpoint refused an earlier request")
                    answer = await self._post_within_shared_limit(http, body)
            except _Retryable as exc:
                last = str(exc)
                if attempt == s.retries:
                    break
                wait_s = self._wait(attempt, exc.wait_s)
                log.warning(
                    "LLM request failed (%s); retry %d in %.1f s", last, attempt + 1, wait_s
                )
                await asyncio.sleep(wait_s)
                continue
            if self.cache is not None:
                self.cache.put(key, s.base_url, body, answer.to_dict())
            return answer
        raise LlmError(
            f"{self._url} gave no usable answer after {s.retries + 1} attempts (last: {last}); "
            "check that the endpoint is up and not rate-limiting, or raise `retries`/`timeout_s`"
        )

    async def _post_within_shared_limit(
        self, http: httpx.AsyncClient, body: dict[str, Any]
    ) -> ChatAnswer:
        """Send one request, holding a lease of the shared limit (if any) while it is in flight."""
        shared = current_shared_limit()
        if shared is None:
            self.stats.requests_sent += 1
            return await self._post(http, body)
        await asyncio.to_thread(shared.acquire)
        try:
            self.stats.requests_sent += 1
            return await self._post(http, body)
        finally:
            await asyncio.to_thread(shared.release)

    @contextlib.asynccontextmanager
    async def _connections(self) -> AsyncIterator[httpx.AsyncClient]:
        """The connection pool of this event loop, shared by the calls running on it.

        Units overlap on the request loop, so the pool stays open from one unit to the next
        and their requests reuse its keep-alive connections instead of each unit opening
        ``concurrency`` new ones; it is closed when the last call using it ends.
        """
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            s = self.settings
            limits = httpx.Limits(
                max_connections=s.concurrency, max_keepalive_connections=s.concurrency
            )
            headers = {"Authorization": f"Bearer {s.api_key}"} if s.api_key else {}
            http = httpx.AsyncClient(
                limits=limits, headers=headers, timeout=httpx.Timeout(s.timeout_s)
            )
            pool = self._pools[loop] = _Pool(http)
        pool.users += 1
        try:
            yield pool.http
        finally:
            pool.users -= 1
            if pool.users == 0:
                if self._pools.get(loop) is pool:
                    del self._pools[loop]
                await pool.http.aclose()

    def _semaphore(self) -> asyncio.Semaphore:
        """The limit of requests in flight, one per event loop the client is used on."""
        loop = asyncio.get_running_loop()
        found = self._semaphores.get(loop)
        if found is None:
            found = self._semaphores[loop] = asyncio.Semaphore(self.settings.concurrency)
        return found

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None:
            return min(max(retry_after, 0.0), s.max_backoff_s)
        return min(s.backoff_s * 2.0**attempt * (1 + 0.25 * random.random()), s.max_backoff_s)

    async def _post(self, http: httpx.AsyncClient, body: dict[str, Any]) -> ChatAnswer:
        s = self.settings
        try:
            r = await http.post(self._url, json=body)
        except httpx.TimeoutException:
            raise _Retryable(f"no answer within timeout_s={s.timeout_s}") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"cannot reach {self._url}: {type(exc).__name__} {exc}") from None
        if r.status_code in _RETRY_STATUS or r.status_code >= 500:
            raise _Retryable(f"HTTP {r.status_code}", _retry_after(r.headers.get("retry-after")))
        if r.status_code in (401, 403):
            raise LlmRefusedError(
                f"{self._url} refused the API key (HTTP {r.status_code}); set the environment "
                "variable named by `api_key_env` (default OPENAI_API_KEY) to a valid key"
            )
        if r.status_code == 404:
            raise LlmRefusedError(
                f"{self._url} answered HTTP 404 for model {s.model!r}: {_excerpt(r.text)}; check "
                "the model name (--llm-model) and that base_url ends in /v1"
            )
        if r.status_code >= 400:
            raise LlmRefusedError(
                f"{self._url} rejected the request (HTTP {r.status_code}): {_excerpt(r.text)}; "
                "check the model name and the parameters in [annotate.llm]"
            )
        return _parse(r.text)


def _parse(text: str) -> ChatAnswer:
    try:
        doc = json.loads(text)
        choice = doc["choices"][0]
        content = choice["message"]["content"]
        usage = doc.get("usage") or {}
        return ChatAnswer(
            content=content if isinstance(content, str) else "",
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise _Retryable(f"answer is not a chat completion: {_excerpt(text)}") from None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


def _excerpt(text: str, n: int = 200) -> str:
    text = " ".join(text.split())
    return text[:n] + ("…" if len(text) > n else "") or "(empty body)"


def image_data_url(data: bytes, media_type: str = "image/png") -> str:
    """An image as a ``data:`` URL, the form chat requests carry images in."""
    return f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")


class BackgroundLoop:
    """One event loop in a daemon thread, shared by every caller in the process.

    Units of work that run at the same time (in threads) hand their requests to this loop, so
    one client and its limit of requests in flight serve them all: a unit waiting for its last
    answers leaves its free slots to the next unit's requests, and the callers' CPU work runs
    while the loop waits for the endpoint.
    """

    _lock = threading.Lock()
    _shared: BackgroundLoop | None = None

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="eotext-llm-loop", daemon=True
        )
        self._thread.start()

    @classmethod
    def shared(cls) -> BackgroundLoop:
        """The process's loop, started on first use."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for its result (from any other thread); a caller
        that takes turns at the CPU (:mod:`eotext.clients.turns`) gives its turn up meanwhile."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        with turn_given_up():
            return future.result()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the loop's thread (for objects only that thread may use)."""

        async def call() -> T:
            return fn(*args)

        # Short: the caller keeps its turn at the CPU (if it takes turns).
        return asyncio.run_coroutine_threadsafe(call(), self.loop).result()
