"""Verify the texts of a dataset folder, or texts written elsewhere against its patches.

``verify_folder`` re-checks every text of ``texts.parquet``: findings and status are updated
in one atomic rewrite of the table, certain fixes replace the text while the original stays in
``meta.original_text``, and every change is an audit row (before, after, rule). A person's
decision (approved / rejected) is never overridden.

The tables are read and written with pyarrow directly, keeping whatever schema the folder has.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from eotext.errors import OutputError, SchemeError, VerifyError
from eotext.files import atomic_path, write_text_atomic
from eotext.schemes import get_scheme
from eotext.verify import audit
from eotext.verify.facts import PatchFacts, load_facts
from eotext.verify.texts import Verdict, verify_text

#: One writer of ``texts.parquet`` at a time within a process.
TABLE_LOCK = threading.RLock()
_CONTEXT_FIELDS = ("country", "season", "climate_zone")


@dataclass(frozen=True)
class VerifySummary:
    """Counts of one verification run."""

    texts: int
    claims: int
    flagged: int
    auto_fixed: int
    changed: int
    by_kind: dict[str, int]


#: How many patches' facts a :class:`FactsCache` keeps.
_RECENT_PATCHES = 32


class FactsCache:
    """Facts of a folder's patches, loaded on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        table = self.root / "patches.parquet"
        if not table.exists():
            raise OutputError(
                f"{self.root} has no patches.parquet; give a dataset folder written by eotext build"
            )
        cols = ["patch_id", "scheme", "label_path", "gsd_m", *_CONTEXT_FIELDS]
        have = pq.read_schema(table).names
        rows = pq.read_table(table, columns=[c for c in cols if c in have]).to_pylist()
        self.patches = {r["patch_id"]: r for r in rows}
        # Texts come patch by patch (text ids start with the patch id), so a few recent
        # patches are enough; keeping every label patch would grow with the dataset.
        self._facts: OrderedDict[str, PatchFacts | None] = OrderedDict()

    def get(self, patch_id: str) -> PatchFacts | None:
        if patch_id in self._facts:
            self._facts.move_to_end(patch_id)
            return self._facts[patch_id]
        row = self.patches.get(patch_id)
        if row is None:
            raise VerifyError(
                f"patch {patch_id!r} is not in {self.root / 'patches.parquet'}; "
                "give the patch_id of a patch of this dataset"
            )
        facts = self._facts[patch_id] = self._load(row)
        if len(self._facts) > _RECENT_PATCHES:
            self._facts.popitem(last=False)
        return facts

    def _load(self, row: dict[str, Any]) -> PatchFacts | None:
        label = row.get("label_path")
        if not label or not row.get("scheme") or not (self.root / label).exists():
            return None
        try:
            scheme = get_scheme(row["scheme"])
        except SchemeError:
            return None
        context = {k: row.get(k) for k in _CONTEXT_FIELDS if row.get(k)}
        return load_facts(self.root / label, scheme, row.get("gsd_m"), context)


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(row.get("meta") or "{}")
    except ValueError:
        meta = {}
    return meta if isinstance(meta, dict) else {}


def _foreign(findings: list[str] | None) -> list[str]:
    """Findings not written by verification (the generator's own checks), kept as they are."""
    return [f for f in findings or [] if not f.startswith("{")]


def _state(row: dict[str, Any]) -> dict[str, Any]:
    findings = row.get("findings")
    return {
        "status": row.get("status"),
        "text": row.get("text"),
        "findings": list(findings) if findings is not None else None,
    }


def read_texts(root: Path, columns: list[str] | None = None) -> pa.Table:
    path = Path(root) / "texts.parquet"
    if not path.exists():
        raise OutputError(f"{root} has no texts.parquet; give a dataset folder built by eotext")
    return pq.read_table(path, columns=columns)


def write_texts(root: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Rewrite ``texts.parquet`` atomically with the same schema."""
    table = pa.Table.from_pylist(rows, schema=schema)
    with atomic_path(Path(root) / "texts.parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd")


#: An audit row: (who, text_id, action, rule, before, after).
Change = tuple[str, str, str, str | None, dict[str, Any], dict[str, Any]]


@dataclass
class RowCheck:
    """What checking rows found: the audit rows to append, the claims checked, the findings
    by kind (the statuses are in the rows themselves)."""

    changes: list[Change] = field(default_factory=list)
    claims: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def check_rows(
    rows: Iterable[dict[str, Any]],
    facts_of: Callable[[str], PatchFacts | None],
    fix: bool = True,
    who: str = "eotext verify",
) -> RowCheck:
    """Check text rows (``texts.parquet`` rows, changed in place) against their patches'
    facts: findings, status and certain fixes; the audit rows of what changed."""
    out = RowCheck()
    for row in rows:
        meta = _meta(row)
        source = dict(row)
        if "original_text" in meta and not meta.get("edited"):
            source["text"] = meta["original_text"]  # re-fix from the original, not a fix
        verdict = verify_text(source, facts_of(row["patch_id"]), fix=fix)
        before = _state(row)
        new = _apply(row, meta, verdict)
        out.claims += verdict.claims
        for f in verdict.findings:
            out.by_kind[f.kind] = out.by_kind.get(f.kind, 0) + 1
        after = _state(new)
        if after != before:
            action = "auto_fix" if verdict.fixes and row["text"] != new["text"] else "verify"
            rule = ",".join(verdict.fixes) or None
            out.changes.append((who, row["text_id"], action, rule, before, after))
        row.clear()
        row.update(new)
    return out


def record_changes(root: Path, changes: list[Change]) -> None:
    """Append audit rows to a folder's audit log (nothing is opened when there are none)."""
    if changes:
        with closing(audit.connect(root)) as con:
            audit.record(con, changes)


def verify_folder(
    root: Path,
    fix: bool = True,
    who: str = "eotext verify",
    patch_ids: Collection[str] | None = None,
) -> VerifySummary:
    """Re-check the texts of a dataset folder; update findings, status and the audit log.

    ``patch_ids`` limits the check to the texts of those patches (a build verifies its texts
    as it writes them and passes the patches it could not check); the others keep what they
    have, and the summary counts only what was checked now, but ``flagged`` and
    ``auto_fixed`` of the whole table. Reviewers' decisions are put back on every text.
    """
    root = Path(root)
    with TABLE_LOCK:
        decided = audit.human_decisions(root)
        if patch_ids is not None and not patch_ids and not decided:
            # Nothing to check and nothing to put back: only the statuses are read.
            statuses = read_texts(root, columns=["status"]).column("status").to_pylist()
            return VerifySummary(
                len(statuses), 0, statuses.count("flagged"), statuses.count("auto_fixed"), 0, {}
            )
        facts = FactsCache(root)
        table = read_texts(root)
        rows = table.to_pylist()
        restored = _restore_decisions(decided, rows)
        chosen = [
            r for r in rows
            if patch_ids is None or r["patch_id"] in patch_ids or r["text_id"] in restored
        ]  # fmt: skip
        checked = check_rows(chosen, facts.get, fix=fix, who=who)
        if checked.changes or restored:
            write_texts(root, rows, table.schema)
        record_changes(root, checked.changes)
    statuses = [r.get("status") for r in rows]
    return VerifySummary(
        len(rows), checked.claims, statuses.count("flagged"), statuses.count("auto_fixed"),
        len(checked.changes), checked.by_kind,
    )  # fmt: skip


def _restore_decisions(decided: dict[str, dict[str, Any]], rows: list[dict[str, Any]]) -> set[str]:
    """Put back what reviewers decided (:func:`audit.human_decisions`), when a rebuild merged
    the texts from the units again; the ids of the texts put back."""
    restored = set()
    for row in rows:
        state = decided.get(row["text_id"])
        if state is None or row.get("status") in ("approved", "rejected"):
            continue
        restored.add(row["text_id"])
        row["status"] = state.get("status", row.get("status"))
        if state.get("text") is not None and state["text"] != row.get("text"):
            meta = _meta(row)
            meta.setdefault("original_text", row.get("text"))
            meta["edited"] = True
            row["text"] = state["text"]
            row["meta"] = json.dumps(meta, sort_keys=True)
    return restored


def _apply(row: dict[str, Any], meta: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    new = dict(row)
    foreign = _foreign(row.get("findings"))
    new["findings"] = foreign + [
        json.dumps(f.to_dict(), ensure_ascii=False)
        for f in verdict.findings
        if not (f.kind == "banned_word" and f"banned_word:{f.found}" in foreign)
    ]
    new["status"] = verdict.status
    if new["findings"] and verdict.status in ("generated", "auto_fixed"):
        new["status"] = "flagged"
    if verdict.fixes and not meta.get("edited"):
        meta.setdefault("original_text", row["text"])
        meta["fix_rules"] = list(verdict.fixes)
        new["text"] = verdict.text
        new["meta"] = json.dumps(meta, sort_keys=True)
    return new


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError as exc:
                raise VerifyError(
                    f"{path}:{i}: not a JSON object ({exc}); write one per line"
                ) from None
            if not isinstance(doc, dict) or not all(k in doc for k in ("id", "patch_id", "text")):
                raise VerifyError(f"{path}:{i}: each line needs the keys id, patch_id and text")
            yield i, doc


def verify_jsonl(root: Path, texts: Path, out: Path) -> VerifySummary:
    """Check texts written elsewhere against a folder's patches; one output line per input
    line: ``{"id", "findings": [...], "status": "generated" | "flagged"}``."""
    facts = FactsCache(root)
    lines = []
    n_claims = flagged = 0
    by_kind: dict[str, int] = {}
    for _, doc in _read_jsonl(Path(texts)):
        kind = "vqa" if "question" in doc and "answer" in doc else "caption"
        kind = "referring" if doc.get("box") is not None else kind
        row = {
            "type": doc.get("type", kind),
            "text": str(doc["text"]),
            "status": "generated",
            "generator": doc.get("generator", "external"),
        }
        for key in ("question", "answer", "box", "style"):
            if key in doc:
                row[key] = doc[key]
        verdict = verify_text(row, facts.get(str(doc["patch_id"])), fix=False)
        n_claims += verdict.claims
        status = "flagged" if verdict.findings else "generated"
        flagged += status == "flagged"
        for f in verdict.findings:
            by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
        lines.append(
            json.dumps(
                {
                    "id": doc["id"],
                    "findings": [f.to_dict() for f in verdict.findings],
                    "status": status,
                },
                ensure_ascii=False,
            )
        )
    write_text_atomic(out, "".join(line + "\n" for line in lines))
    return VerifySummary(len(lines), n_claims, flagged, 0, 0, by_kind)
