"""Checks of claims against a patch's statistics, with ChatEarthNet's definitions.

Definitions and tolerances (documented here, used everywhere):

- *visible*: at least ``VISIBLE_PX`` (20) pixels of the class in the claim's scope.
- *size words*: ChatEarthNet's ``int(round(share, 2) * 100)`` binned 0/10/20/50/80; the
  floor-based word and the words of shares within ±1 percentage point are accepted too (bin edges).
- *percentages*: within ``PERCENT_TOLERANCE`` (5) percentage points.
- *dominance*: the class holds the largest share of the scope, or within 1 point of it.
- *exclusivity*: no other class is visible (≥ 20 px) in the scope.
- *counts*: 8-connected components with ≥ 20 px (ChatEarthNet) or > 20 px (eotext's layout);
  either count is accepted; "many" means more than five.
- *adjacency*: at least ``ADJACENT_EDGES`` shared pixel edges; "does not border": none.
- *direction*: the subject's centroid lies further in the named direction than the object's,
  by at least ``DIRECTION_MIN_OFFSET`` (3 %) of the patch side.
- *main place*: the named quadrant's share of the class is within 5 points of its best quadrant.
- *component place*: the centroid of the class's largest component lies in the named place,
  with a margin of 5 % of the patch side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eotext.verify.claims import Claim
from eotext.verify.facts import VISIBLE_PX, PatchFacts, accepted_size_words, size_word
from eotext.verify.lexicon import HALVES, QUADRANTS

PERCENT_TOLERANCE = 5.0
DOMINANCE_TOLERANCE = 0.01
ADJACENT_EDGES = 10
MAIN_PLACE_TOLERANCE = 0.05
PLACE_MARGIN = 0.05
DIRECTION_MIN_OFFSET = 0.03


@dataclass(frozen=True)
class Finding:
    """A claim the data contradicts: what was claimed, where, what was expected and found."""

    kind: str
    claim: str
    span: tuple[int, int]
    expected: str
    found: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "claim": self.claim,
            "span": list(self.span),
            "expected": self.expected,
            "found": self.found,
        }


def _name(facts: PatchFacts, codes: frozenset[int]) -> str:
    return " or ".join(facts.scheme.by_code(c).short_name for c in sorted(codes))


def _describe(facts: PatchFacts, counts: dict[int, int], limit: int = 4) -> str:
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    return ", ".join(f"{facts.scheme.by_code(c).short_name} {n} px" for c, n in ranked) or "nothing"


def check_claim(claim: Claim, facts: PatchFacts) -> Finding | None:
    """A finding when the patch contradicts the claim, else None."""
    fn = _CHECKS.get(claim.kind)
    if fn is None:
        return None
    result = fn(claim, facts)
    if result is None:
        return None
    expected, found = result
    return Finding(claim.kind, claim.text, (claim.start, claim.end), expected, found)


_Result = tuple[str, str] | None


def _scope_counts(claim: Claim, facts: PatchFacts) -> dict[int, int]:
    return facts.counts_in_many(claim.scope)


def _check_presence(claim: Claim, facts: PatchFacts) -> _Result:
    counts = _scope_counts(claim, facts)
    n = sum(counts.get(c, 0) for c in claim.codes)
    if n >= VISIBLE_PX:
        return None
    return (
        f"{_name(facts, claim.codes)} visible (≥ {VISIBLE_PX} px) in the {claim.scope_name}",
        f"{n} px",
    )


def _check_absence(claim: Claim, facts: PatchFacts) -> _Result:
    counts = _scope_counts(claim, facts)
    n = sum(counts.get(c, 0) for c in claim.codes)
    if n < VISIBLE_PX:
        return None
    return f"no visible {_name(facts, claim.codes)} in the {claim.scope_name}", f"{n} px"


def _share(claim: Claim, facts: PatchFacts) -> float:
    counts = _scope_counts(claim, facts)
    total = sum(counts.values())
    return sum(counts.get(c, 0) for c in claim.codes) / total if total else 0.0


def _check_size(claim: Claim, facts: PatchFacts) -> _Result:
    share = _share(claim, facts)
    if str(claim.value) in accepted_size_words(share):
        return None
    return (
        f"{size_word(share)} ({_name(facts, claim.codes)} in the {claim.scope_name})",
        f"{share:.1%}",
    )


def _check_percent(claim: Claim, facts: PatchFacts) -> _Result:
    """``value`` is ``"op:number:vague"``: op ``~`` (about), ``>`` or ``<``; vague = a fraction
    word ("a third"), checked with twice the tolerance."""
    share = _share(claim, facts) * 100
    op, raw, vague = str(claim.value).split(":")
    number = float(raw)
    tol = PERCENT_TOLERANCE * (2 if vague == "1" else 1)
    if op == ">":
        ok, words = share >= number - 1.0, "more than"
    elif op == "<":
        ok, words = share <= number + 1.0, "less than"
    else:
        ok, words = abs(share - number) <= tol, "about"
    if ok:
        return None
    return f"{words} {number:g}% (tolerance {tol if op == '~' else 1.0:g} points)", f"{share:.1f}%"


def _check_dominance(claim: Claim, facts: PatchFacts) -> _Result:
    counts = _scope_counts(claim, facts)
    total = sum(counts.values())
    if not total:
        return None
    mine = sum(counts.get(c, 0) for c in claim.codes)
    best_code, best = max(counts.items(), key=lambda kv: kv[1])
    if mine >= best - DOMINANCE_TOLERANCE * total:
        return None
    return (
        f"{_name(facts, claim.codes)} the largest class in the {claim.scope_name}",
        f"{facts.scheme.by_code(best_code).short_name} {best / total:.1%}, "
        f"{_name(facts, claim.codes)} {mine / total:.1%}",
    )


def _check_exclusivity(claim: Claim, facts: PatchFacts) -> _Result:
    counts = _scope_counts(claim, facts)
    others = {c: n for c, n in counts.items() if c not in claim.codes and n >= VISIBLE_PX}
    mine = sum(counts.get(c, 0) for c in claim.codes)
    if not others and mine >= VISIBLE_PX:
        return None
    return (
        f"only {_name(facts, claim.codes)} visible in the {claim.scope_name}",
        _describe(facts, counts),
    )


def _check_only_place(claim: Claim, facts: PatchFacts) -> _Result:
    inside = sum(facts.counts_in_many(claim.scope).get(c, 0) for c in claim.codes)
    total = sum(facts.counts.get(c, 0) for c in claim.codes)
    if total - inside < VISIBLE_PX and inside >= VISIBLE_PX:
        return None
    return (
        f"{_name(facts, claim.codes)} only in the {claim.scope_name}",
        f"{inside} px inside, {total - inside} px outside",
    )


def _check_main_place(claim: Claim, facts: PatchFacts) -> _Result:
    """The named place against the places of its own family: a quadrant against the four
    quadrants, a half against the four halves, the centre against all five regions."""
    rect = claim.scope[0]
    if rect in HALVES.values():
        family = dict(HALVES)
    elif rect == QUADRANTS["center"]:
        family = dict(QUADRANTS)
    else:
        family = {k: v for k, v in QUADRANTS.items() if k != "center"}
    shares = {}
    for name, r in family.items():
        c = facts.counts_in(r)
        t = sum(c.values())
        shares[name] = sum(c.get(k, 0) for k in claim.codes) / t if t else 0.0
    named = _share(claim, facts)
    best_name = max(shares, key=lambda n: shares[n])
    if named >= shares[best_name] - MAIN_PLACE_TOLERANCE:
        return None
    return (
        f"{_name(facts, claim.codes)} has its largest share in the {claim.scope_name}",
        f"{named:.1%} there, {shares[best_name]:.1%} in the {best_name}",
    )


def _check_component_place(claim: Claim, facts: PatchFacts) -> _Result:
    comps = facts.components(claim.codes, VISIBLE_PX)
    if not comps:
        return f"a visible patch of {_name(facts, claim.codes)}", "none"
    _, cy, cx = comps[0]
    r0, r1, c0, c1 = claim.scope[0]
    m = PLACE_MARGIN
    if r0 - m <= cy <= r1 + m and c0 - m <= cx <= c1 + m:
        return None
    return (
        f"the largest patch of {_name(facts, claim.codes)} in the {claim.scope_name}",
        f"its centre at {cy:.0%} down, {cx:.0%} across",
    )


def _check_count(claim: Claim, facts: PatchFacts) -> _Result:
    n_ge = facts.count_components(claim.codes, VISIBLE_PX)
    n_gt = facts.count_components(claim.codes, VISIBLE_PX + 1)
    if claim.value == "many":
        if max(n_ge, n_gt) > 5:
            return None
        return f"many (> 5) patches of {_name(facts, claim.codes)}", f"{n_ge}"
    if claim.value in (n_ge, n_gt):
        return None
    return (
        f"{claim.value} patch(es) of {_name(facts, claim.codes)} (≥ {VISIBLE_PX} px each)",
        f"{n_ge}" if n_ge == n_gt else f"{n_gt}–{n_ge}",
    )


def _check_adjacency(claim: Claim, facts: PatchFacts) -> _Result:
    edges = facts.shared_edges(claim.codes, claim.other)
    if claim.kind == "adjacency" and edges >= ADJACENT_EDGES:
        return None
    if claim.kind == "not_adjacent" and edges == 0:
        return None
    a, b = _name(facts, claim.codes), _name(facts, claim.other)
    expected = (
        f"{a} and {b} share ≥ {ADJACENT_EDGES} pixel edges"
        if claim.kind == "adjacency"
        else f"{a} and {b} share no pixel edge"
    )
    return expected, f"{edges} shared edges"


def _check_direction(claim: Claim, facts: PatchFacts) -> _Result:
    a, b = facts.centroid(claim.codes), facts.centroid(claim.other)
    if a is None or b is None:
        return f"both {_name(facts, claim.codes)} and {_name(facts, claim.other)} present", "absent"
    dy, dx = a[0] - b[0], a[1] - b[1]
    axes = {"north": -dy, "south": dy, "east": dx, "west": -dx}
    value = str(claim.value)
    # A diagonal ("northeast") needs both of its directions.
    offset = min(axes[d] for d in axes if d in value)
    if offset >= DIRECTION_MIN_OFFSET:
        return None
    return (
        f"{_name(facts, claim.codes)} {claim.value} of {_name(facts, claim.other)}",
        f"centroid offset {offset:+.2f} of the patch side in that direction",
    )


def _check_cross_image(claim: Claim, facts: PatchFacts) -> _Result:
    return "a text about this image alone", f"a comparison with other images ({claim.text!r})"


_CHECKS: dict[str, Any] = {
    "presence": _check_presence,
    "absence": _check_absence,
    "size": _check_size,
    "percent": _check_percent,
    "dominance": _check_dominance,
    "exclusivity": _check_exclusivity,
    "only_place": _check_only_place,
    "main_place": _check_main_place,
    "component_place": _check_component_place,
    "count": _check_count,
    "adjacency": _check_adjacency,
    "not_adjacent": _check_adjacency,
    "direction": _check_direction,
    "cross_image": _check_cross_image,
}
