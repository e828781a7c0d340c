"""Verify one text of any type against its patch: findings, the new status, certain fixes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eotext.semantics.stats import grid3_slices
from eotext.text.vqa import CELL_PLACES
from eotext.verify.answers import banned_words_in
from eotext.verify.checks import Finding, check_claim
from eotext.verify.claims import Claim, extract_claims
from eotext.verify.facts import VISIBLE_PX, PatchFacts
from eotext.verify.fixes import auto_fix
from eotext.verify.lexicon import HALVES, QUADRANTS, Lexicon, lexicon_for

#: Statuses a person set; verification never overrides them.
HUMAN_STATUSES = frozenset({"approved", "rejected"})
_CELL_RECT = {**QUADRANTS, **HALVES, "left side": HALVES["left"], "right side": HALVES["right"]}
_AREA = re.compile(r"([\d.]+)\s*(ha|km²|km2|m²|m2)", re.IGNORECASE)
_AREA_UNIT = {"ha": 1e4, "km²": 1e6, "km2": 1e6, "m²": 1.0, "m2": 1.0}


@dataclass(frozen=True)
class Verdict:
    """What verification says about one text."""

    findings: tuple[Finding, ...]
    status: str
    text: str  # the text after certain fixes (the original when nothing was fixed)
    fixes: tuple[str, ...] = ()
    claims: int = 0


def new_status(old: str, findings: tuple[Finding, ...], fixed: bool) -> str:
    """``flagged`` with findings, ``auto_fixed`` when fixed, else ``generated``; a person's
    decision (approved / rejected) is kept."""
    if old in HUMAN_STATUSES:
        return old
    if findings:
        return "flagged"
    # A generator's own fix (cross-image sentences removed when it wrote the text) stays marked.
    return "auto_fixed" if fixed or old == "auto_fixed" else "generated"


def verify_text(row: Mapping[str, Any], facts: PatchFacts | None, fix: bool = True) -> Verdict:
    """Check a text row (``type``, ``text``, optional ``question``/``answer``/``box``/``style``/
    ``category``) against its patch; ``facts`` None means no label map (only text checks)."""
    text = str(row.get("text") or "")
    kind = row.get("type") or "caption"
    old = str(row.get("status") or "generated")
    fixes: tuple[str, ...] = ()
    if fix and kind in ("caption", "osm_caption"):
        text, fixes = auto_fix(text)
    findings: list[Finding] = []
    # A style rule for LLM captions (ChatEarthNet's), not a fact: only model text is held to it.
    if kind == "caption" and str(row.get("generator") or "").startswith("llm"):
        findings = [
            Finding("banned_word", w, _span(text, w), "none of ChatEarthNet's banned words", w)
            for w in banned_words_in(text)
        ]
    n_claims = 0
    if facts is not None:
        lex = lexicon_for(facts.scheme)
        if kind == "vqa":
            claims, extra = _vqa(row, facts, lex)
            findings.extend(extra)
        elif kind == "referring":
            claims, extra = _referring(row, facts, lex)
            findings.extend(extra)
        else:
            claims = extract_claims(text, lex)
        n_claims = len(claims)
        for c in claims:
            f = check_claim(c, facts)
            if f is not None:
                findings.append(f)
    out = tuple(findings)
    return Verdict(out, new_status(old, out, bool(fixes)), text, fixes, n_claims)


def _span(text: str, word: str) -> tuple[int, int]:
    i = text.lower().find(word.lower())
    return (i, i + len(word)) if i >= 0 else (0, 0)


def _strip_choice(answer: str) -> str:
    return re.sub(r"^[A-D]\)\s*", "", answer.strip())


def _vqa(
    row: Mapping[str, Any], facts: PatchFacts, lex: Lexicon
) -> tuple[list[Claim], list[Finding]]:
    """Claims of a question and its answer, by the question's form."""
    q = str(row.get("question") or "")
    a = _strip_choice(str(row.get("answer") or ""))
    whole = f"{q} {a}"
    yes = a.lower().startswith("yes")
    no = a.lower().startswith("no")
    qm = lex.mentions(q)
    am = lex.mentions(a)
    span = (len(q) + 1, len(whole))
    ql = q.lower()

    def mk(kind: str, codes: frozenset[int], **kw: Any) -> Claim:
        return Claim(kind, span[0], span[1], whole, codes, **kw)

    if re.match(r"(is|are) there (any|some)\b", ql) and qm and (yes or no):
        return [mk("presence" if yes else "absence", qm[0].codes)], []
    if re.search(r"\b(dominant|largest part|most common|main)\b", ql) and am:
        return [mk("dominance", am[0].codes)], []
    if re.search(r"\bpresent\b", ql) and am:
        return [mk("presence", am[0].codes)], []
    if ql.startswith("is there more") and len(qm) >= 2 and (yes or no):
        ca = sum(facts.counts.get(c, 0) for c in qm[0].codes)
        cb = sum(facts.counts.get(c, 0) for c in qm[1].codes)
        if (ca > cb) != yes:
            return [], [
                Finding(
                    "comparison",
                    whole,
                    span,
                    f"{'more' if yes else 'not more'}",
                    f"{ca} px vs {cb} px",
                )
            ]
        return [], []
    if ql.startswith("how much of the image") and qm:
        share = sum(facts.counts.get(c, 0) for c in qm[0].codes) / max(facts.valid_px, 1)
        bounds = _tier_bounds(a)
        if bounds and not (bounds[0] - 0.01 <= share < bounds[1] + 0.01):
            return [], [Finding("coverage", whole, span, a, f"{share:.1%}")]
        return [], []
    if ql.startswith("how many") and qm and re.match(r"^\d+$", a):
        return [Claim("count", span[0], span[1], whole, qm[0].codes, value=int(a))], []
    if "which part of the image" in ql and qm:
        cells = _grid3(facts, qm[0].codes)
        if a.lower() in cells and cells[a.lower()] < 0.9 * max(cells.values()):
            best = max(cells, key=lambda k: cells[k])
            return [], [Finding("location", whole, span, f"most {a}", f"most in the {best}")]
        return [], []
    if re.match(r"does the .* border", ql) and len(qm) >= 2 and (yes or no):
        return [mk("adjacency" if yes else "not_adjacent", qm[0].codes, other=qm[1].codes)], []
    if ql.startswith("what area") and qm and facts.gsd_m:
        m = _AREA.search(a)
        if m:
            claimed = float(m.group(1)) * _AREA_UNIT[m.group(2).lower()]
            actual = sum(facts.counts.get(c, 0) for c in qm[0].codes) * facts.gsd_m**2
            if abs(claimed - actual) > 0.05 * max(actual, 1.0):
                return [], [Finding("area", whole, span, a, f"{actual / 1e4:.3g} ha")]
        return [], []
    ctx = re.search(r"\b(country|season|climate)\b", ql)
    if ctx:
        field = {"country": "country", "season": "season", "climate": "climate_zone"}[ctx.group(1)]
        value = facts.context.get(field)
        if value and str(value).lower() not in a.lower():
            return [], [Finding("context", whole, span, str(value), a)]
        return [], []
    # Free answers (an LLM's): the answer's own claims.
    return [
        Claim(
            c.kind,
            c.start + span[0],
            c.end + span[0],
            c.text,
            c.codes,
            c.other,
            c.scope,
            c.scope_name,
            c.value,
        )
        for c in extract_claims(a, lex)
    ], []


def _tier_bounds(answer: str) -> tuple[float, float] | None:
    a = answer.lower()
    nums = [float(x) / 100 for x in re.findall(r"(\d+(?:\.\d+)?)\s*%", a)]
    if a.startswith("more than") and nums:
        return nums[0], 1.01
    if a.startswith("less than") and nums:
        return 0.0, nums[0]
    if a.startswith("between") and len(nums) >= 2:
        return nums[0], nums[1]
    return None


def _grid3(facts: PatchFacts, codes: frozenset[int]) -> dict[str, int]:
    """Pixels of ``codes`` in each 3×3 cell, cut as the generator cuts them."""
    inside = facts.in_codes(codes)
    return {
        name: int(inside[rows, cols].sum())
        for name, (rows, cols) in zip(
            CELL_PLACES.values(), grid3_slices(facts.height, facts.width), strict=True
        )
    }


def _referring(
    row: Mapping[str, Any], facts: PatchFacts, lex: Lexicon
) -> tuple[list[Claim], list[Finding]]:
    """A referring expression (or region caption) and its box: the class is in the box, the
    box is where the words say, and "only" / "largest" hold."""
    box = row.get("box")
    words = str(row.get("text") or "")
    mentions = lex.mentions(words)
    if box is None or not mentions:
        return [], []
    x0, y0, x1, y1 = (int(v) for v in box)
    h, w = facts.height, facts.width
    codes = mentions[0].codes
    span = (mentions[0].start, mentions[0].end)
    findings = []
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        return [], [Finding("box", words, span, f"a box inside {w}×{h}", str(list(box)))]
    n = int(facts.in_codes(codes)[y0:y1, x0:x1].sum())
    if n < VISIBLE_PX:
        findings.append(
            Finding(
                "box_class",
                words,
                span,
                f"{lex.name_of(codes)} ≥ {VISIBLE_PX} px in the box",
                f"{n} px",
            )
        )
    comps = facts.components(codes, VISIBLE_PX + 1)
    low = words.lower()
    if re.search(r"\bthe only\b", low) and len(comps) != 1:
        findings.append(Finding("only", words, span, "exactly one visible area", str(len(comps))))
    if re.search(r"\bthe largest\b", low) and comps:
        _, cy, cx = comps[0]
        if not (y0 / h <= cy <= y1 / h and x0 / w <= cx <= x1 / w):
            findings.append(
                Finding(
                    "largest",
                    words,
                    span,
                    "the largest area in the box",
                    f"largest area centred at ({cx * w:.0f}, {cy * h:.0f})",
                )
            )
    for m in re.finditer(
        r"\b(?:in|on) the ((?:top|bottom) (?:left|right)|top|bottom|center|"
        r"left side|right side)\b",
        low,
    ):
        r0, r1, c0, c1 = _CELL_RECT[m.group(1)]
        cy, cx = (y0 + y1) / 2 / h, (x0 + x1) / 2 / w
        margin = 0.1
        if not (r0 - margin <= cy <= r1 + margin and c0 - margin <= cx <= c1 + margin):
            findings.append(
                Finding(
                    "box_place",
                    words,
                    (m.start(), m.end()),
                    m.group(1),
                    f"box centre at ({cx:.0%} across, {cy:.0%} down)",
                )
            )
    return [], findings
