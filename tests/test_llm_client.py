"""The chat-completions client against a local stub server: one test per fault."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest

from eotext.clients.cache import ResponseCache
from eotext.clients.chat import ChatAnswer, ChatClient, ClientSettings
from eotext.errors import LlmError, LlmRefusedError
from tests.llm_stub import StubLLM

MESSAGES = [
    {"role": "system", "content": "Describe."},
    {
        "role": "user",
        "content": "The overall land cover distributions from most to least are: tree; ",
    },
]


def _ask(
    stub: StubLLM, n: int = 1, cache: ResponseCache | None = None, **settings: float
) -> list[ChatAnswer | LlmError]:
    opts = {"retries": 3, "backoff_s": 0.01, "timeout_s": 5.0, **settings}
    client = ChatClient(ClientSettings(stub.base_url, "stub-model", "sk-secret", **opts), cache)  # type: ignore[arg-type]
    bodies = [client.body(MESSAGES, max_tokens=50, seed=i) for i in range(n)]
    return asyncio.run(client.complete_many(bodies))


def _answer(results: list[ChatAnswer | LlmError]) -> ChatAnswer:
    assert isinstance(results[0], ChatAnswer), results[0]
    return results[0]


def test_good_answer_with_usage_and_key_in_header() -> None:
    with StubLLM() as stub:
        answer = _answer(_ask(stub))
    assert answer.content.startswith("The image is dominated by tree")
    assert answer.finish_reason == "stop" and answer.prompt_tokens > 0
    assert stub.headers[0]["Authorization"] == "Bearer sk-secret"
    assert stub.bodies[0]["model"] == "stub-model" and stub.bodies[0]["max_tokens"] == 50


def test_429_waits_as_retry_after_says(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), StubLLM(["429"], retry_after="1") as stub:
        _answer(_ask(stub))
    assert len(stub.bodies) == 2
    assert "HTTP 429" in caplog.text and "retry 1 in 1.0 s" in caplog.text


def test_retry_after_is_capped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), StubLLM(["429"], retry_after="3600") as stub:
        _answer(_ask(stub, max_backoff_s=0.2))
    assert "retry 1 in 0.2 s" in caplog.text


def test_500_is_retried() -> None:
    with StubLLM(["500", "500"]) as stub:
        _answer(_ask(stub))
    assert len(stub.bodies) == 3


def test_slow_answer_past_the_timeout_is_retried() -> None:
    with StubLLM(["slow"], slow_s=1.5) as stub:
        _answer(_ask(stub, timeout_s=0.3))
    assert len(stub.bodies) == 2


def test_malformed_json_and_wrong_shape_are_retried() -> None:
    with StubLLM(["malformed", "shape"]) as stub:
        _answer(_ask(stub))
    assert len(stub.bodies) == 3


def test_empty_content_and_length_cut_come_back_for_validation() -> None:
    with StubLLM(["empty"]) as stub:
        assert _answer(_ask(stub)).content == ""
    with StubLLM(["length"]) as stub:
        assert _answer(_ask(stub)).finish_reason == "length"


def test_retries_are_bounded() -> None:
    with StubLLM(["500"] * 10) as stub:
        results = _ask(stub, retries=2)
    assert isinstance(results[0], LlmError)
    assert "after 3 attempts" in str(results[0]) and "HTTP 500" in str(results[0])
    assert len(stub.bodies) == 3


def test_wrong_key_and_wrong_model_stop_at_once() -> None:
    with StubLLM(["401"]) as stub, pytest.raises(LlmRefusedError, match="api_key_env") as exc:
        _ask(stub)
    assert "sk-secret" not in str(exc.value)
    with StubLLM(["404"] * 5) as stub, pytest.raises(LlmRefusedError, match="stub-model"):
        _ask(stub, n=3)


def test_endpoint_down_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    settings = ClientSettings(f"http://127.0.0.1:{port}/v1", "m", retries=1, backoff_s=0.01)
    client = ChatClient(settings)
    results = asyncio.run(client.complete_many([client.body(MESSAGES)]))
    assert isinstance(results[0], LlmError) and "cannot reach" in str(results[0])


def test_cache_answers_a_repeated_request_without_sending(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    try:
        with StubLLM(latency_s=0.05) as stub:
            first = _ask(stub, n=5, cache=cache)
            second = _ask(stub, n=5, cache=cache)
        assert len(stub.bodies) == 5 and len(cache) == 5
        assert [a.content for a in second] == [a.content for a in first]  # type: ignore[union-attr]
        assert all(isinstance(a, ChatAnswer) and a.cached for a in second)
    finally:
        cache.close()
    assert b"sk-secret" not in (tmp_path / "c.sqlite").read_bytes()


def test_requests_run_concurrently_up_to_the_limit() -> None:
    with StubLLM(latency_s=0.2) as stub:
        client = ChatClient(ClientSettings(stub.base_url, "m", concurrency=4))
        asyncio.run(client.complete_many([client.body(MESSAGES, seed=i) for i in range(12)]))
    assert stub.max_in_flight == 4


def test_overlapping_calls_share_one_connection_pool() -> None:
    """Calls overlapping on one loop (units in flight) reuse the same keep-alive connections:
    at most ``concurrency`` of them, not that many per call; the pool closes with the last."""
    with StubLLM(latency_s=0.05) as stub:
        client = ChatClient(ClientSettings(stub.base_url, "m", concurrency=2))

        async def both() -> None:
            calls = [
                c.complete_many([client.body(MESSAGES, seed=10 * k + i) for i in range(6)])
                for k, c in enumerate((client, client.with_cache(None), client.with_cache(None)))
            ]
            await asyncio.gather(*calls)

        asyncio.run(both())
    assert len(stub.answered) == 18 and stub.max_in_flight == 2
    assert len(stub.peers) == 2


def test_background_loop_turn_is_given_up_only_while_waiting() -> None:
    """A thread taking turns at the CPU lets another work while it waits for requests on the
    loop, and gets its turn back afterwards; a short call on the loop keeps the turn."""
    import threading

    from eotext.clients.chat import BackgroundLoop
    from eotext.clients.turns import CpuTurns, taking_turns

    turns, loop = CpuTurns(), BackgroundLoop.shared()
    other_ran = threading.Event()

    def other() -> None:
        with taking_turns(turns):
            other_ran.set()

    async def wait_for_other() -> bool:
        return await asyncio.to_thread(other_ran.wait, 30)

    with taking_turns(turns):
        worker = threading.Thread(target=other)
        worker.start()
        assert loop.call(other_ran.is_set) is False  # kept the turn: the other still waits
        assert loop.run(wait_for_other()) is True  # gave it up: the other ran meanwhile
    worker.join()


def test_turns_are_first_come_first_served() -> None:
    import threading
    import time

    from eotext.clients.turns import CpuTurns, taking_turns

    turns, order = CpuTurns(), []

    def work(i: int) -> None:
        with taking_turns(turns):
            order.append(i)

    turns.acquire()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for i, t in enumerate(threads):
        t.start()
        while len(turns._queue) < i + 1:  # thread i is queued before the next starts
            time.sleep(0.001)
    turns.release()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3]


def test_retry_after_as_seconds_or_http_date() -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    from eotext.clients.chat import _retry_after

    assert _retry_after("7") == 7.0 and _retry_after(None) is None
    assert _retry_after("soon") is None
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (_retry_after(when) or 0) <= 30
