"""The audit log: every change to a text's status or wording, with its before and after.

One SQLite file inside the dataset folder (``.eotext/audit.sqlite``) holds it; verification
and the review app both append to it, and nothing ever deletes a row.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AUDIT_NAME = "audit.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    text_id TEXT NOT NULL,
    action TEXT NOT NULL,
    rule TEXT,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_text ON audit(text_id);
"""


def audit_path(root: Path) -> Path:
    """Where a dataset folder's audit log lives."""
    return Path(root) / ".eotext" / AUDIT_NAME


def connect(root: Path) -> sqlite3.Connection:
    """Open (creating when needed) the audit log of a dataset folder."""
    path = audit_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(_SCHEMA)
    return con


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def record(
    con: sqlite3.Connection,
    rows: list[tuple[str, str, str, str | None, dict[str, Any], dict[str, Any]]],
) -> None:
    """Append audit rows ``(who, text_id, action, rule, before, after)`` in one transaction."""
    at = now()
    with con:
        con.executemany(
            "INSERT INTO audit (at, who, text_id, action, rule, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    at,
                    who,
                    tid,
                    action,
                    rule,
                    json.dumps(b, sort_keys=True),
                    json.dumps(a, sort_keys=True),
                )
                for who, tid, action, rule, b, a in rows
            ],
        )


def history(root: Path, text_id: str | None = None) -> list[dict[str, Any]]:
    """Audit rows, oldest first (of one text when ``text_id`` is given)."""
    if not audit_path(root).exists():
        return []
    with closing(connect(root)) as con:
        con.row_factory = sqlite3.Row
        if text_id is None:
            cur = con.execute("SELECT * FROM audit ORDER BY id")
        else:
            cur = con.execute("SELECT * FROM audit WHERE text_id = ? ORDER BY id", (text_id,))
        out = []
        for r in cur.fetchall():
            d = dict(r)
            d["before"], d["after"] = json.loads(d["before"]), json.loads(d["after"])
            out.append(d)
        return out


#: Audit actions that are a person's decision (the review app's approve, reject and edit).
HUMAN_ACTIONS = ("approve", "reject", "edit")


def human_decisions(root: Path) -> dict[str, dict[str, Any]]:
    """The latest state a person gave each text (``{"status", "text", ...}``), by text id.

    Rebuilding a folder merges the texts again from its units; these states are put back
    afterwards, so no review is lost.
    """
    if not audit_path(root).exists():
        return {}
    marks = ",".join("?" for _ in HUMAN_ACTIONS)
    with closing(connect(root)) as con:
        cur = con.execute(
            f"SELECT text_id, after FROM audit WHERE action IN ({marks}) ORDER BY id",
            HUMAN_ACTIONS,
        )
        return {tid: json.loads(after) for tid, after in cur.fetchall()}
