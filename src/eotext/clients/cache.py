"""A persistent response cache in SQLite, so no answered request is ever sent twice.

The key is a hash of the endpoint and the full request body (model, messages and parameters);
the API key is never part of it. Every answer is committed as soon as it arrives, so a killed
build keeps all its answers, and several worker processes can share one file (WAL mode).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

#: The cache file inside a dataset folder.
CACHE_NAME = "llm-cache.sqlite"


def request_key(base_url: str, body: dict[str, Any]) -> str:
    """The cache key of a request: endpoint plus canonical JSON of the request body."""
    blob = json.dumps({"endpoint": base_url.rstrip("/"), "body": body}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _use_wal(db: sqlite3.Connection, timeout_s: float = 60.0) -> None:
    """Switch the file to WAL mode, waiting for other processes doing the same.

    Several workers may open a new cache at once; SQLite answers "database is locked" to the
    mode switch at once instead of waiting out the busy timeout, so it is retried here.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class ResponseCache:
    """Answers by request key, stored in an SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        _use_wal(self._db)
        # Survives a killed process (the point here); only a power cut may lose the last answers.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, endpoint TEXT, "
            "model TEXT, request TEXT, response TEXT, created REAL)"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT response FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, key: str, base_url: str, body: dict[str, Any], response: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
            (
                key,
                base_url,
                str(body.get("model")),
                json.dumps(body, sort_keys=True),
                json.dumps(response, sort_keys=True),
                time.time(),
            ),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        self._db.close()
