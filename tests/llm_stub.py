"""A stub OpenAI chat-completions server on 127.0.0.1 for fault injection (tests, benchmark).

Each request takes the next fault from ``faults`` (``None`` = a good answer once they run out):
``"429"`` (with ``Retry-After``), ``"500"``, ``"slow"`` (answers after ``slow_s``),
``"malformed"`` (not JSON), ``"shape"`` (JSON without ``choices``), ``"empty"`` (empty content),
``"length"`` (``finish_reason = "length"``), ``"401"``, ``"404"``. A good answer echoes the
classes of the prompt's overall-distribution line, so it passes validation.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_OVERALL = re.compile(r"from most to least are: ([^\n]*)")


def echo_answer(body: dict[str, Any]) -> str:
    """A faithful caption naming exactly the classes listed in the prompt."""
    user = body["messages"][-1]["content"]
    m = _OVERALL.search(user)
    names = [n.strip() for n in m.group(1).split(";") if n.strip()] if m else []
    if not names:
        return "The image shows a landscape seen from above, with the land cover described."
    return (
        f"The image is dominated by {names[0]}, which covers the largest part of the scene. "
        + (f"It also holds {', '.join(names[1:])} in the other parts. " if names[1:] else "")
        + "Overall, this is a landscape of "
        + " and ".join(names[:2])
        + "."
    )


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) overflows when a client opens its ``concurrency``
    # connections at once: the kernel drops the extra handshakes and the client retries them
    # only after a second, so the stub, not the client, would cap the requests in flight.
    request_queue_size = 128
    daemon_threads = True


class StubLLM:
    """Start with ``with StubLLM(...) as stub:``; ``stub.base_url`` ends in ``/v1``."""

    def __init__(
        self,
        faults: list[str | None] | None = None,
        latency_s: float = 0.0,
        slow_s: float = 2.0,
        retry_after: str = "1",
        answer: Callable[[dict[str, Any]], str] = echo_answer,
        port: int = 0,
    ) -> None:
        self.faults = list(faults or [])
        self.latency_s = latency_s
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.answered: list[dict[str, Any]] = []  # bodies whose good answer was written out
        self.in_flight = 0
        self.max_in_flight = 0
        self.first_request_at: float | None = None  # time.perf_counter() of the first request
        self.last_answer_at: float | None = None  # ... and of the last answer written out
        #: (received, answered) perf_counter() times of every request, for timelines
        self.spans: list[tuple[float, float]] = []
        self.peers: set[tuple[str, int]] = set()  # the client ends of the connections used
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> StubLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _next_fault(self, body: dict[str, Any], headers: dict[str, str]) -> str | None:
        with self._lock:
            if self.first_request_at is None:
                self.first_request_at = time.perf_counter()
            self.bodies.append(body)
            self.headers.append(headers)
            return self.faults.pop(0) if self.faults else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
            disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs

            def handle(self) -> None:
                # A client killed mid-request (the resume benchmark) resets its connections.
                with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                    super().handle()

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                # The client may have given up already (timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                n = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(n)
                if len(raw) < n:  # the client was killed half-way through the request
                    return
                body = json.loads(raw)
                received = time.perf_counter()
                fault = stub._next_fault(body, dict(self.headers))
                with stub._lock:
                    stub.peers.add(self.client_address[:2])
                with stub._lock:
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                time.sleep(stub.slow_s if fault == "slow" else stub.latency_s)
                with stub._lock:
                    stub.in_flight -= 1
                status, extra, finish = 200, {}, "stop"
                content = stub.answer(body)
                if fault in ("429", "500", "401", "404"):
                    status = int(fault)
                    if fault == "429":
                        extra["Retry-After"] = stub.retry_after
                    payload = json.dumps({"error": {"message": f"stub fault {fault}"}})
                elif fault == "malformed":
                    payload = '{"choices": [ this is not json'
                elif fault == "shape":
                    payload = json.dumps({"result": content})
                else:
                    if fault == "empty":
                        content = ""
                    if fault == "length":
                        content, finish = content[: len(content) // 2], "length"
                    payload = json.dumps(
                        {
                            "id": "stub",
                            "object": "chat.completion",
                            "model": body.get("model"),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": content},
                                    "finish_reason": finish,
                                }
                            ],
                            "usage": {
                                "prompt_tokens": len(json.dumps(body["messages"])) // 4,
                                "completion_tokens": len(content) // 4,
                                "total_tokens": 0,
                            },
                        }
                    )
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                with stub._lock:
                    stub.spans.append((received, time.perf_counter()))
                if status == 200:
                    with stub._lock:
                        stub.answered.append(body)
                        stub.last_answer_at = time.perf_counter()

        return Handler
