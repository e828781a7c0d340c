"""The report's numbers: counts, class distributions, caption lengths, words, diversity, VQA.

Pure functions of the table rows (see :mod:`eotext.report.tables`); the figures and the HTML
only draw and print what these return, so tests check the numbers here against the tables.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from eotext.model import finding_kind
from eotext.store.records import key_values

CAPTION_TYPES = ("caption", "osm_caption")
WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
# Words left out of the word-frequency figure (ChatEarthNet's Fig. 10 shows content words).
_STOP = """a an the and or but of in on at to from by with without for as is are was were be been
    being this that these those it its there here which who whom whose what where when while
    into onto over under than then so such also very more most less least some any each other
    can may might will would could should has have had do does did not no nor only own same
    too just about above below up down out off again further once all both few image patch
    shows show shown seen"""
STOP_WORDS = frozenset(_STOP.split())
WINDOW_TOKENS = 500  # the largest window for the type/token ratio; smaller when groups are small


@dataclass(frozen=True)
class ClassShare:
    """One class of one scheme: how many patches hold it and how many pixels it covers."""

    scheme: str
    name: str
    patches: int
    pixels: int
    dominant: int


@dataclass(frozen=True)
class Diversity:
    """Lexical diversity of one group of texts (``type`` or ``type (style)``).

    Attributes:
        distinct: distinct n-grams / all n-grams for n = 1, 2, 3 (n-grams within a text).
        ttr: mean type/token ratio over consecutive windows of ``window`` tokens, None when
            the group has fewer tokens than one window.
    """

    group: str
    texts: int
    tokens: int
    vocabulary: int
    distinct: tuple[float, float, float]
    ttr: float | None
    window: int


@dataclass(frozen=True)
class Counts:
    """Patches and texts counted by split, type, style, status, finding and generator."""

    patches: int
    texts: int
    by_split: dict[str, int]
    texts_by_split: dict[str, dict[str, int]]
    by_type: dict[str, int]
    by_style: dict[str, int]
    by_status: dict[str, int]
    by_finding: dict[str, int]
    by_generator: dict[str, int]


@dataclass(frozen=True)
class Stats:
    """Everything the report counts."""

    counts: Counts
    classes: list[ClassShare]
    patches_by_scheme: dict[str, int]
    caption_words: dict[str, list[int]]
    top_words: list[tuple[str, int]]
    diversity: list[Diversity]
    vqa_answers: dict[str, dict[str, int]]


def compute_counts(patches: list[dict[str, Any]], texts: list[dict[str, Any]]) -> Counts:
    """The cheap part of the statistics (no tokenising): for ``eotext info`` and the card."""
    split_of = {p["patch_id"]: p.get("split") or "none" for p in patches}
    texts_by_split: dict[str, Counter[str]] = defaultdict(Counter)
    for t in texts:
        texts_by_split[split_of.get(t["patch_id"], "none")][t["type"]] += 1
    findings = Counter(finding_kind(f) for t in texts for f in t.get("findings") or [])
    return Counts(
        patches=len(patches),
        texts=len(texts),
        by_split=_sorted(Counter(split_of.values())),
        texts_by_split={k: _sorted(v) for k, v in sorted(texts_by_split.items())},
        by_type=_sorted(Counter(t["type"] for t in texts)),
        by_style=_sorted(Counter(group_of(t) for t in texts)),
        by_status=_sorted(Counter(t.get("status") or "generated" for t in texts)),
        by_finding=_sorted(findings),
        by_generator=_sorted(Counter(t.get("generator") or "unknown" for t in texts)),
    )


def compute_stats(patches: list[dict[str, Any]], texts: list[dict[str, Any]]) -> Stats:
    """Count everything the report shows from the rows of the two tables."""
    captions = [t for t in texts if t["type"] in CAPTION_TYPES and t.get("text")]
    caption_words: dict[str, list[int]] = defaultdict(list)
    for t in captions:
        caption_words[group_of(t)].append(len(tokens(t["text"])))
    return Stats(
        counts=compute_counts(patches, texts),
        classes=class_shares(patches),
        patches_by_scheme=_sorted(Counter(p.get("scheme") or "none" for p in patches)),
        caption_words=dict(sorted(caption_words.items())),
        top_words=word_frequencies(t["text"] for t in captions).most_common(30),
        diversity=diversity(texts),
        vqa_answers=vqa_answers(texts),
    )


def group_of(text: dict[str, Any]) -> str:
    """``type (style)``, or the type alone for texts without a style."""
    return f"{text['type']} ({text['style']})" if text.get("style") else str(text["type"])


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, inner hyphens and apostrophes kept)."""
    return WORD.findall(text.lower())


def class_shares(patches: list[dict[str, Any]]) -> list[ClassShare]:
    """Per scheme and class: patches holding it, pixels it covers, patches it dominates.

    A patch holds a class when its ``class_fractions`` name it or, for patch-level labels
    (BigEarthNet), its ``multilabels`` do. Pixels are the class's fraction of the pixels the
    statistics used (the sum of ``class_pixels``), so patch-level labels add none.
    """
    held: dict[tuple[str, str], int] = Counter()
    pixels: dict[tuple[str, str], int] = Counter()
    dominant: dict[tuple[str, str], int] = Counter()
    for p in patches:
        scheme = p.get("scheme") or "none"
        fractions = key_values(p.get("class_fractions"))
        used = sum(key_values(p.get("class_pixels")).values())
        names = set(fractions) | set(p.get("multilabels") or [])
        for name in names:
            held[scheme, name] += 1
            pixels[scheme, name] += round(fractions.get(name, 0.0) * used)
        if p.get("dominant_class"):
            dominant[scheme, p["dominant_class"]] += 1
    return sorted(
        (ClassShare(s, n, held[s, n], pixels[s, n], dominant[s, n]) for s, n in held),
        key=lambda c: (c.scheme, -c.patches, -c.pixels, c.name),
    )


def word_frequencies(texts: Any) -> Counter[str]:
    """Content-word counts over texts (stop words and numbers left out)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in tokens(text) if w not in STOP_WORDS and not w.isdigit())
    return counts


def diversity(texts: list[dict[str, Any]]) -> list[Diversity]:
    """Distinct n-grams and windowed type/token ratio per group of texts.

    Every group is measured over windows of the same number of tokens, so groups of
    different sizes compare: the window is ``WINDOW_TOKENS`` or the smallest group's
    token count, whichever is less (at least 10 tokens).
    """
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for t in texts:
        body = t.get("text") if t["type"] != "vqa" else t.get("question")
        if body:
            groups[group_of(t)].append(tokens(body))
    if not groups:
        return []
    sizes = [sum(map(len, g)) for g in groups.values()]
    window = max(10, min(WINDOW_TOKENS, min(sizes)))
    out = []
    for name, docs in sorted(groups.items()):
        stream = [w for d in docs for w in d]
        distinct = tuple(_distinct(docs, n) for n in (1, 2, 3))
        out.append(
            Diversity(
                group=name,
                texts=len(docs),
                tokens=len(stream),
                vocabulary=len(set(stream)),
                distinct=(distinct[0], distinct[1], distinct[2]),
                ttr=_windowed_ttr(stream, window),
                window=window,
            )
        )
    return out


def vqa_answers(texts: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Answer counts per question type (``category (style)``), most frequent first."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for t in texts:
        if t["type"] == "vqa" and t.get("answer") is not None:
            key = f"{t.get('category') or 'other'} ({t.get('style') or 'open'})"
            out[key][str(t["answer"]).strip().lower()] += 1
    return {k: dict(v.most_common()) for k, v in sorted(out.items())}


def _distinct(docs: list[list[str]], n: int) -> float:
    grams = [tuple(d[i : i + n]) for d in docs for i in range(len(d) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _windowed_ttr(stream: list[str], window: int) -> float | None:
    chunks = [stream[i : i + window] for i in range(0, len(stream) - window + 1, window)]
    if not chunks:
        return None
    return sum(len(set(c)) / window for c in chunks) / len(chunks)


def _sorted(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
