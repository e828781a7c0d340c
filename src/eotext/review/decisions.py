"""Decisions on texts: approve, reject, edit, with a version check and an audit row each.

The version of a text is the number of audit rows it has: every change (a verification, a fix,
a decision) adds one. A decision made on an older version is refused as a conflict, and the
refused proposal is itself kept as an audit row, so no one's edit is ever lost. An edit keeps
the original text in ``meta.original_text``; the status of the text in ``texts.parquet`` is
the decision.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.errors import EotextError
from eotext.verify import audit
from eotext.verify.folder import TABLE_LOCK, read_texts, write_texts

ACTIONS = {"approve": "approved", "reject": "rejected", "edit": "approved"}


class DecisionError(EotextError, ValueError):
    """A decision names an unknown text or action, or an empty edit."""


class ConflictError(EotextError, RuntimeError):
    """The text changed since the reviewer loaded it."""

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one text."""

    text_id: str
    action: str
    version: int
    who: str
    text: str | None = None


def state_of(row: dict[str, Any]) -> dict[str, Any]:
    return {"status": row.get("status"), "text": row.get("text"), "findings": row.get("findings")}


class Decisions:
    """Applies decisions to a dataset folder's ``texts.parquet`` and audit log."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.con: sqlite3.Connection = audit.connect(self.root)

    def close(self) -> None:
        self.con.close()

    def version(self, text_id: str) -> int:
        (n,) = self.con.execute(
            "SELECT COUNT(*) FROM audit WHERE text_id = ? AND action != 'conflict'", (text_id,)
        ).fetchone()
        return int(n)

    def history(self, text_id: str) -> list[dict[str, Any]]:
        cur = self.con.execute(
            "SELECT id, at, who, action, rule, before, after FROM audit WHERE text_id = ? "
            "ORDER BY id",
            (text_id,),
        )
        keys = ("id", "at", "who", "action", "rule", "before", "after")
        out = []
        for r in cur.fetchall():
            d = dict(zip(keys, r, strict=True))
            d["before"], d["after"] = json.loads(d["before"]), json.loads(d["after"])
            out.append(d)
        return out

    def apply(self, decision: Decision) -> dict[str, Any]:
        """Apply a decision; returns the text's new row.

        Raises:
            DecisionError: unknown text or action, or an empty edit.
            ConflictError: the text has changed since ``decision.version``.
        """
        if decision.action not in ACTIONS:
            raise DecisionError(f"action must be one of {sorted(ACTIONS)}, got {decision.action!r}")
        if decision.action == "edit" and not (decision.text or "").strip():
            raise DecisionError("an edit needs the new, non-empty text")
        with TABLE_LOCK:
            table = read_texts(self.root)
            rows = table.to_pylist()
            row = next((r for r in rows if r["text_id"] == decision.text_id), None)
            if row is None:
                raise DecisionError(f"no text {decision.text_id!r} in {self.root}")
            current = self.version(decision.text_id)
            before = state_of(row)
            new = dict(row)
            new["status"] = ACTIONS[decision.action]
            if decision.action == "edit":
                meta = json.loads(row.get("meta") or "{}")
                meta.setdefault("original_text", row["text"])
                meta["edited"] = True
                meta["edited_by"] = decision.who
                new["text"] = decision.text
                new["meta"] = json.dumps(meta, sort_keys=True)
            if decision.version != current:
                # Keep the refused proposal: nobody's work is lost.
                audit.record(
                    self.con,
                    [
                        (
                            decision.who,
                            decision.text_id,
                            "conflict",
                            decision.action,
                            before,
                            state_of(new),
                        )
                    ],
                )
                raise ConflictError(
                    f"{decision.text_id} changed since you loaded it (version {decision.version}, "
                    f"now {current}); your {decision.action} is kept in the audit log",
                    {**_public(row), "version": current},
                )
            row.clear()
            row.update(new)
            write_texts(self.root, rows, table.schema)
            audit.record(
                self.con,
                [(decision.who, decision.text_id, decision.action, None, before, state_of(new))],
            )
            return {**_public(new), "version": current + 1}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("text_id", "status", "text", "findings", "meta")}
