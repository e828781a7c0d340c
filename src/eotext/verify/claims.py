"""Claims that English land-cover text makes about a patch.

A text is split into sentences; in each, class mentions, places, size words, percentages and
trigger words are found, and combined into claims of these kinds:

``presence``, ``absence``, ``size``, ``percent``, ``dominance``, ``exclusivity``,
``only_place`` (a class only in a place), ``main_place`` (where a class has its largest share),
``component_place`` (where its largest patch lies), ``count``, ``adjacency``,
``not_adjacent``, ``direction``, ``cross_image``.

Each claim carries its character span in the text, so a finding can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from eotext.verify.facts import Rect
from eotext.verify.lexicon import PLACE_PATTERN, Lexicon, Mention, place_rect

CLAIM_KINDS: tuple[str, ...] = (
    "presence",
    "absence",
    "size",
    "percent",
    "dominance",
    "exclusivity",
    "only_place",
    "main_place",
    "component_place",
    "count",
    "adjacency",
    "not_adjacent",
    "direction",
    "cross_image",
)


@dataclass(frozen=True)
class Claim:
    """One checkable statement.

    Attributes:
        kind: one of ``CLAIM_KINDS``.
        start, end: character span of the claim's words in the text.
        codes: the class (or group of classes) the claim is about.
        other: the second class of a relation (adjacency, direction).
        scope: rectangles the claim is about; empty = the whole patch.
        scope_name: the place words, for messages.
        value: the claimed value: a size word, a percentage, a count, a direction, a place.
    """

    kind: str
    start: int
    end: int
    text: str
    codes: frozenset[int] = frozenset()
    other: frozenset[int] = frozenset()
    scope: tuple[Rect, ...] = ()
    scope_name: str = "image"
    value: str | float | int | None = None


_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
_WHOLE = re.compile(
    r"(?:fraction|part|portion|amount|quantity|share|proportion|percent|%) of the "
    r"(?:whole |entire |overall )?(?:scene|image|area|patch)\b|\bthe scene holds\b|"
    r"^\W*overall\b|\bthroughout the (?:image|scene)\b"
)
_CLAUSE_BREAK = re.compile(
    r"[,;:()]|\b(?:then|followed by|ahead of|while|whereas|(?<!nothing )(?<!all )but)\b", re.I
)
#: How a sentence opens when it goes on about the place of the sentence before it
#: ("The bottom left is mostly trees. Smaller shares go to grass."): it inherits that scope.
_CONTINUATION = re.compile(
    r"^\s*(?:smaller shares(?: there)?\b|the smaller shares\b|it (?:also|further) "
    r"(?:holds?|contains?|has|includes?)\b|there (?:is|are) also\b|(?:it|this part|this region)"
    r" is also\b|in addition(?: to (?:it|that|this))?,|besides(?: that| this| it)?,|"
    r"also (?:present|there|visible|found)\b|the rest (?:of it )?(?:is|goes)\b)",
    re.I,
)
_SIZE = re.compile(
    r"\b(extra[\s\-]+small|extra[\s\-]+large|(?:very|extremely) small|(?:very|extremely) large|"
    r"small|medium|large|tiny)\b",
    re.I,
)
_PART_NOUN = re.compile(
    r"^\s*(?:\w+\s+)?(?:fraction|part|portion|amount|quantity|share|proportion|extent|coverage"
    r"|percentage|area|expanse|section)s?\b(?! (?:in|on|at|to|towards?|near)\b)",
    re.I,
)
_PERCENT = re.compile(
    r"(?P<q>(?:about|around|roughly|approximately|nearly|almost|over|more than|less than|under|"
    r"at least|at most|just over|just under)\s+)?(?:(?P<n>\d{1,3}(?:\.\d+)?)\s*(?:%|per\s?cent\b)|"
    r"(?<!the )(?<!this )(?<!that )(?<!each )(?<!ern )(?<!top )(?<!bottom )(?<!upper )(?<!lower )"
    r"(?<!left )(?<!right )"
    r"(?P<f>half|a third|one third|a quarter|one quarter|two thirds|three quarters) of\b)",
    re.I,
)
_OPS = {"over": ">", "more than": ">", "at least": ">", "just over": ">", "less than": "<",
        "under": "<", "at most": "<", "just under": "<"}  # fmt: skip
_FRACTIONS = {
    "half": 50.0,
    "a third": 33.3,
    "one third": 33.3,
    "a quarter": 25.0,
    "one quarter": 25.0,
    "two thirds": 66.7,
    "three quarters": 75.0,
}
_HEDGE = re.compile(
    r"\b(?:almost|nearly|virtually|practically|mostly|largely|near|close to|"
    r"predominantly|mainly|primarily|chiefly|partly|partially)\s+$",
    re.I,
)
_NEG_BEFORE = re.compile(
    r"\b(?:no|without|neither|nor|lacks?|lacking|free of|absence of|devoid of|not any|"
    r"no signs? of|no visible|not contain|not include|not have|no trace of|isn't any|"
    r"aren't any|not a single|zero)\b[\w\s\-]{0,20}$",
    re.I,
)
_NEG_AFTER = re.compile(
    r"^\s*(?:is|are)?\s*(?:completely\s+|entirely\s+)?(?:absent|missing|not present|not visible|"
    r"nowhere to be seen|not found)\b|^\s*(?:do|does)\s+not\s+(?:appear|occur)",
    re.I,
)
_DOMINANT_FWD = re.compile(
    r"\b(?:dominated by|mostly(?: covered by| consists? of| contains?)?|mainly(?: covered by| "
    r"contains?| consists? of)?|predominantly|primarily|chiefly|largely(?: covered by)?|"
    r"the (?:main|dominant|predominant|prevailing|major) (?:land cover|class|cover)"
    r"(?: type)?(?: is| here is)?|most of (?:the |this )?(?:image|scene|area|patch)"
    r"(?: is)?(?: covered by| occupied by| taken up by)?|the majority of (?:the |this )?"
    r"(?:image|scene|area)(?: is)?(?: covered by)?|almost entirely(?: covered by)?|"
    r"the (?:largest|biggest|most (?:common|extensive|widespread)) "
    r"(?:land[\s\-]cover|class|cover)(?: type| class)? is|"
    r"(?:pre)?dominance of|nearly entirely(?: covered by)?)\s+",
    re.I,
)
_DOMINANT_BWD = re.compile(
    r"^\s*(?:\w+\s+)?(?:(?:continues? to |clearly )?(?:leads?\b|dominates?\b|prevails?\b|"
    r"predominates?\b)|(?:is|are) (?:still |also |clearly )?the (?:dominant|main|predominant|"
    r"prevailing|most common|largest|most extensive|most prevalent|most dominant|primary)\b|"
    r"covers? most\b|occup(?:ies|y) the largest\b|makes? up the (?:majority|bulk)\b|"
    r"accounts? for (?:most|the majority|the bulk)\b|takes? up most\b|"
    r"makes? up most\b|(?:is|are) most common\b)",
    re.I,
)
_EXCL_FWD = re.compile(
    r"\b(?:entirely|exclusively|solely|completely|fully|wholly|totally|purely|uniformly)"
    r"(?: covered by| made up of| consists? of| of| by)?\s+"
    r"|(?<!the )(?<!not )\b(?:only|nothing but|nothing except)\s+"
    r"(?!in\b|at\b|a few\b|some\b|a small\b|a little\b|small\b|one\b|a\b|an\b|\d)"
    r"|\b(?:the )?(?:whole|entire|complete) (?:[\w\-]+ ){0,2}?(?:image|scene|patch|area|picture|"
    r"quadrant|half|corner|part|section|region|cent(?:er|re)|middle|edge|side) (?:is|are)"
    r"(?: covered by| made up of| occupied by| taken up by)?\s+"
    r"|\bevery part of the (?:image|scene)[^.]*?\bonly\s+"
    r"|\bthe only (?:land[\s\-]cover|class|cover|thing)(?: type)?(?: (?:present|visible|here))? "
    r"(?:is|are)\s+",
    re.I,
)
_EXCL_BWD = re.compile(
    r"^\s*(?:alone\b|(?:\w+\s+)?(?:covers?|fills?|occupies|occupy|spans?|takes? up) the "
    r"(?:entire|whole|complete) (?:[\w\-]+ ){0,2}?(?:image|scene|patch|area|picture|quadrant|half|"
    r"corner|part|section|region|cent(?:er|re)|middle|edge|side)\b|"
    r"(?:is|are) the only (?:land[\s\-]cover(?: type| class)?|class|cover(?: type)?|thing)\b|"
    r"(?:is|are) everywhere\b)",
    re.I,
)
_ONLY_PLACE = re.compile(r"\bonly (?:in|at|along|on|within) (?:the )?$", re.I)
_NOT_SCOPE = re.compile(
    r"(?:largest share in|highest share in|densest in|concentrated in|concentrated toward|"
    r"largest in|biggest lies in|biggest in|centred in|centered in|compact area in|patch in|"
    r"strip in|only in|mostly in|"
    r"most of it in|lies in|located in|found in|largest one in|biggest one in|"
    r"part is in|towards?|the largest\b.*in|cluster in|area in)\s+(?:the\s+)?$",
    re.I,
)
_MAIN_PLACE = re.compile(
    r"(?:largest share in|highest share in|densest in|concentrated in|mostly in|"
    r"most of it (?:lies )?in|predominantly in|mainly in)\s+(?:the\s+)?$",
    re.I,
)
_COMPONENT_PLACE = re.compile(
    r"(?:the largest(?: one)?(?: patch| area)? (?:lies )?in|the biggest(?: one)?(?: patch)? "
    r"(?:lies )?in|compact area in|centred in|centered in|connected patch (?:centred |centered"
    r" )?in)\s+(?:the\s+)?$",
    re.I,
)
_NUMBERS = {
    "one": 1,
    "a single": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_COUNT = re.compile(
    r"\b(?P<n>\d+|one|a single|single|two|three|four|five|six|seven|eight|nine|ten|many"
    r"(?:\s*\((?P<k>\d+)\))?)\s+(?:(?:separate|distinct|compact|continuous|connected|"
    r"elongated|isolated|disconnected|large|small|individual)\s+){0,2}(?:patch|patches|areas?|"
    r"parts|regions?|clusters?|fragments?|pieces|blocks|strips?|parcels?)\b",
    re.I,
)
_COUNTABLE = ("areas", "bodies", "lakes", "ponds", "forests", "patches", "zones", "settlements")
_COUNT_BEFORE = re.compile(
    r"(?:^|\s)(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(?:(?:separate|distinct|"
    r"isolated|disconnected|individual|large|small|compact)\s+){0,2}$",
    re.I,
)
_ADJ = re.compile(
    r"\b(?P<neg>(?:does|do|did) not |never |doesn't |don't )?(?:directly |closely )?"
    r"(?:borders?|bordering|is bordered by|are bordered by|adjoins?|adjacent to|next to|"
    r"(?:is |are )?surrounded by|(?:is |are )?in contact with|beside|"
    r"share (?:a |an )?(?:long |common |short )?(?:border|boundary|edge)s?|"
    r"(?<!a )touch(?:es)?(?! of\b)|abuts?|meets?|meet along)\b",
    re.I,
)
_DIR = re.compile(
    r"\b(?:lies|lie|is|are|located|situated|sits|found|extends?)?\s*(?:mostly |mainly |largely "
    r")?(?:to the |further |farther )?(?P<d>(?:north|south)[\s\-]?(?:east|west)|north|south|east|"
    r"west|above|below)(?:(?:ward)? of|(?<=north|south|.east|.west) than)\b",
    re.I,
)
_CROSS = re.compile(
    r"\b(?:(?:the )?(?:first|second|third|fourth|other|previous|preceding|next|following|last)"
    r"\s+(?:image|picture|one|scene)s?|(?:the )?other images|"
    r"all four(?!\s+(?:quadrants|borders|edges|sides|corners|parts|regions))|"
    r"these (?:four )?images|both images|each of the images|all (?:the |of the )?images|"
    r"images? (?:[1-4]|one|two|three|four)\b|"
    r"(?:compared (?:to|with)|in comparison (?:to|with)|unlike|as in|than in|as with)"
    r"(?: \w+){0,3} (?:images?|pictures?|scenes?|ones)|similarly|likewise)\b",
    re.I,
)


#: For a pattern, words one of which every match holds (lower case): a sentence without any
#: of them is not scanned (each pattern tries every position of a sentence otherwise).
_HINTS: dict[re.Pattern[str], tuple[str, ...]] = {
    _CROSS: ("image", "picture", "one", "scene", "all four", "similarly", "likewise"),
    _SIZE: ("small", "medium", "large", "tiny"),
    _PERCENT: (*"0123456789", "half", "third", "quarter"),
    _EXCL_FWD: (
        "entire", "exclusively", "solely", "complete", "fully", "wholly", "totally", "purely",
        "uniformly", "only", "nothing", "whole",
    ),
    _COUNT: (
        "patch", "area", "part", "region", "cluster", "fragment", "piece", "block", "strip",
        "parcel",
    ),
    _ADJ: (
        "border", "adjoin", "adjacent", "next to", "surrounded", "contact", "beside", "share",
        "touch", "abut", "meet",
    ),
    _DIR: ("north", "south", "east", "west", "above", "below"),
    _DOMINANT_FWD: (
        "domina", "mostly", "main", "primarily", "chiefly", "largely", "prevailing", "major",
        "most ", "largest", "biggest", "entirely",
    ),
}  # fmt: skip
#: Words one of which a match of :data:`_WHOLE` holds (it is searched in lower case).
_WHOLE_HINTS = (" of the ", "the scene holds", "overall", "throughout the ")
#: Every part of the image named at once: "every part", "all four quadrants", "the whole scene".
_EVERY_PART = re.compile(
    r"\bevery part\b|\ball (?:four )?quadrants\b|\bfrom top left to "
    r"cent(?:er|re)\b|\b(?:whole|entire) (?:image|scene|patch|picture)\b"
)
_EVERY_PART_HINTS = ("every part", "quadrants", "from top left to cent", "whole ", "entire ")
#: How far before its end a negation of :data:`_NEG_BEFORE` can start: its longest word (12
#: characters) and the 20 it allows after it, with room to spare.
_NEG_REACH = 40


@dataclass(frozen=True)
class _Place:
    start: int
    end: int
    name: str
    rect: Rect
    role: str  # scope | main | component | only | direction


#: "Only trees are found in the ...": the place is the scope of the exclusivity claim.
_EXCL_FOUND = re.compile(
    r"\b(?:only|nothing but)\s+[\w\s\-]{1,40}?\s+(?:is|are)\s+(?:found|present|visible|seen|"
    r"located) in (?:the )?$",
    re.I,
)


def _places(sentence: str, offset: int) -> list[_Place]:
    out = []
    for m in PLACE_PATTERN.finditer(sentence):
        found = place_rect(m)
        if found is None:
            continue
        after = sentence[m.end() : m.end() + 30].lower()
        if re.match(r"\s*of\s+(?!the (?:image|scene|patch|picture|area)\b)", after) and not (
            m.group("n") or m.group("c")
        ):
            continue  # "north of X": a direction, not a place
        if re.match(r"\s*than\b", after) or re.search(
            r"\b(?:further|farther)\s+$", sentence[: m.start()]
        ):
            continue  # "further west than X": a direction, not a place
        before = sentence[: m.start()]
        role = "scope"
        if re.search(
            r"\b(?:except|apart from|other than|besides|but not|excluding|outside)"
            r"(?: in| of)? (?:the )?$",
            before,
            re.I,
        ):
            role = "other"
        elif _ONLY_PLACE.search(before):
            role = "only"
        elif _COMPONENT_PLACE.search(before):
            role = "component"
        elif _MAIN_PLACE.search(before):
            role = "main"
        elif _NOT_SCOPE.search(before) and not _EXCL_FOUND.search(before):
            role = "other"
        name, rect = found
        out.append(_Place(offset + m.start(), offset + m.end(), name, rect, role))
    return out


def _clause_bounds(sentence: str) -> list[int]:
    return [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]


def _same_clause(breaks: list[int], a: int, b: int) -> bool:
    lo, hi = min(a, b), max(a, b)
    return not any(lo <= x < hi for x in breaks)


def _nearest(
    mentions: list[Mention], pos: int, breaks: list[int], offset: int, direction: str
) -> Mention | None:
    """The mention nearest to ``pos`` (text offset) in the given direction, same clause first."""
    before = [m for m in mentions if m.end <= pos]
    after = [m for m in mentions if m.start >= pos]
    rel = pos - offset
    if direction in ("before", "any"):
        same = [m for m in before if _same_clause(breaks, m.end - offset, rel)]
        if same:
            return same[-1]
    if direction in ("after", "any"):
        same = [m for m in after if _same_clause(breaks, rel, m.start - offset)]
        if same:
            return same[0]
    if direction == "before" and before:
        return before[-1]
    if direction == "after" and after:
        return after[0]
    if direction == "any":
        return before[-1] if before else (after[0] if after else None)
    return None


_Scope = tuple[tuple[Rect, ...], str]


def extract_claims(text: str, lexicon: Lexicon) -> list[Claim]:
    """Every claim a text makes, in text order.

    A sentence without places of its own that opens by going on about the sentence before it
    ("Smaller shares go to grass.", "It also holds water.") is scoped to that sentence's place.
    """
    claims: list[Claim] = []
    previous: _Scope | None = None
    for sm in _SENTENCE.finditer(text):
        inherited = previous if _CONTINUATION.match(sm.group(0)) else None
        found, previous = _claims_of_sentence(sm.group(0), lexicon, inherited)
        off = sm.start()
        if off == 0:
            claims.extend(found)  # claims are frozen: the cached ones serve as they are
        else:
            claims.extend(_moved(c, off) for c in found)
    return claims


def _moved(c: Claim, off: int) -> Claim:
    """A claim with its span moved by ``off`` (a constructor call: ``replace`` costs more)."""
    return Claim(
        c.kind, c.start + off, c.end + off, c.text, c.codes, c.other, c.scope, c.scope_name,
        c.value,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _claims_of_sentence(
    sentence: str, lex: Lexicon, inherited: _Scope | None
) -> tuple[tuple[Claim, ...], _Scope | None]:
    """A sentence's claims with spans from its start; cached, since generated texts repeat
    many sentences word for word (a WorldCover tile's captions: 13,442 sentences, 3,119
    distinct)."""
    found, scope = _sentence_claims(sentence, 0, lex, inherited)
    return tuple(found), scope


def _sentence_claims(
    sentence: str, off: int, lex: Lexicon, inherited: _Scope | None = None
) -> tuple[list[Claim], _Scope | None]:
    """The claims of one sentence and the scope it ends with (None when it names no place)."""
    out: list[Claim] = []
    low = sentence.lower()
    plain = sentence.isascii()

    def matches(pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern``'s matches; none without a word each of them holds (on ASCII text,
        ignoring case is lower-casing, so the words are looked for in ``low``)."""
        words = _HINTS[pattern]
        if plain and not any(w in low for w in words):
            return iter(())
        return pattern.finditer(sentence)

    mentions = [
        Mention(m.start + off, m.end + off, m.text, m.codes) for m in lex.mentions(sentence)
    ]
    breaks = _clause_bounds(sentence)
    places = _places(sentence, off)
    scope_places = [p for p in places if p.role == "scope"]
    # Word look-ups first: on ASCII text, these searches cannot match without one of the words.
    every_part = (not plain or any(w in low for w in _EVERY_PART_HINTS)) and bool(
        _EVERY_PART.search(low)
    )
    whole = every_part
    if not plain or any(w in low for w in _WHOLE_HINTS):
        for wm in _WHOLE.finditer(low):
            # "the upper part of the image" is a place, not the whole image.
            if not any(p.start <= off + wm.start() <= p.end + 1 for p in places):
                whole = True

    def clause_of(pos: int) -> int:
        return sum(b < pos - off for b in breaks)

    def scope_at(pos: int) -> tuple[tuple[Rect, ...], str]:
        """Places of the claim's clause, else of the nearest earlier clause that has any."""
        if whole:
            return (), "image"
        if not scope_places:
            return inherited if inherited is not None else ((), "image")
        here = clause_of(pos)
        chosen = [p for p in scope_places if clause_of(p.start) == here]
        if not chosen:
            earlier = [p for p in scope_places if clause_of(p.start) < here]
            first = max((clause_of(p.start) for p in earlier), default=None)
            chosen = [p for p in earlier if clause_of(p.start) == first]
        if not chosen:
            return (), "image"
        rects = tuple(dict.fromkeys(p.rect for p in chosen))
        return rects, " and ".join(dict.fromkeys(p.name for p in chosen))

    def text_between(a: int, b: int) -> str:
        return sentence[a - off : b - off]

    def claim(kind: str, s: int, e: int, codes: frozenset[int], **kw: object) -> Claim:
        if "scope" not in kw:
            kw["scope"], kw["scope_name"] = scope_at(s)
        return Claim(kind, s, e, sentence[s - off : e - off], codes, **kw)  # type: ignore[arg-type]

    # Cross-image comparisons.
    for m in matches(_CROSS):
        out.append(claim("cross_image", off + m.start(), off + m.end(), frozenset()))
    # Presence / absence of each mention.
    negated: set[int] = set()
    last_negated: Mention | None = None
    for men in mentions:
        before = sentence[: men.start - off]
        after = sentence[men.end - off :]
        clause_start = max([b for b in breaks if b < men.start - off], default=0)
        local_before = before[clause_start:]
        # "no wetlands, mangroves or water bodies": the negation runs through the list.
        listed = last_negated is not None and re.fullmatch(
            r"\s*(?:,|or|nor|and|, or|, and|, nor)\s*",
            sentence[last_negated.end - off : men.start - off],
        )
        # A negation ends at most _NEG_REACH characters before the mention (the search from
        # there sees the text before it all the same); one after it starts right after it.
        near = max(0, len(local_before) - _NEG_REACH)
        if listed or _NEG_BEFORE.search(local_before, near) or _NEG_AFTER.match(after):
            negated.add(men.start)
            last_negated = men
            out.append(claim("absence", men.start, men.end, men.codes))
        else:
            last_negated = None
            if not re.search(r"\?\s*$", sentence):
                out.append(claim("presence", men.start, men.end, men.codes))
    positive = [m for m in mentions if m.start not in negated]
    # Size words.
    for m in matches(_SIZE):
        word = re.sub(r"[\s\-]+", " ", m.group(1).lower())
        word = {
            "very small": "extra small",
            "very large": "extra large",
            "extremely small": "extra small",
            "extremely large": "extra large",
            "tiny": "extra small",
        }.get(word, word)
        in_paren = bool(re.search(r"\(\s*$", sentence[: m.start()])) or bool(
            re.match(r"^\s*\)", sentence[m.end() :])
        )
        rest = sentence[m.end() :]
        noun = _PART_NOUN.match(rest)
        # "a small part of grass", "a small developed area": the class right after the words.
        lead = re.match(
            r"^\s*(?:\w+\s+of\s+|of\s+)?(?:the\s+)?", rest[noun.end() :] if noun else rest
        )
        at = off + m.end() + noun.end() + (lead.end() if lead else 0) if noun else -1
        right_after = off + m.end() + len(rest) - len(rest.lstrip())
        direct = next((x for x in positive if x.start == at), None)
        if direct is None:
            # "a small developed area" (a share), but not "a small settlement" (an object).
            direct = next(
                (
                    x
                    for x in positive
                    if x.start == right_after and x.text.lower().endswith(("area", "areas"))
                ),
                None,
            )
        if direct is None and not (in_paren or noun):
            continue
        target = direct
        if target is None:
            target = (
                _nearest(positive, off + m.start(), breaks, off, "before") if positive else None
            )
        if target is None or not _same_clause(breaks, target.end - off, m.start()):
            nxt = _nearest(positive, off + m.end(), breaks, off, "after")
            target = (
                nxt
                if nxt is not None and _same_clause(breaks, m.end(), nxt.start - off)
                else target
            )
        if target is None:
            continue
        out.append(claim("size", off + m.start(), off + m.end(), target.codes, value=word))
    # Percentages.
    for m in matches(_PERCENT):
        target = _nearest(positive, off + m.start(), breaks, off, "any")
        if target is not None:
            q = (m.group("q") or "").strip().lower()
            num = float(m.group("n")) if m.group("n") else _FRACTIONS[m.group("f").lower()]
            op = _OPS.get(q, "~")
            vague = "1" if m.group("f") else "0"
            pct_value = f"{op}:{num:g}:{vague}"
            pct = claim("percent", off + m.start(), off + m.end(), target.codes, value=pct_value)
            out.append(pct)
    # Dominance.
    for m in matches(_DOMINANT_FWD):
        if re.match(
            r"(?:to the |in the |along |across |(?:north|south|east|west)\b)",
            sentence[m.end() :],
            re.I,
        ):
            continue
        target = _nearest(positive, off + m.end(), breaks, off, "after")
        if target is not None and _same_clause(breaks, m.end(), target.start - off):
            out.append(claim("dominance", off + m.start(), target.end, target.codes))
    for men in positive:
        after = sentence[men.end - off :]
        dm = _DOMINANT_BWD.match(after)
        if dm:
            out.append(claim("dominance", men.start, men.end + dm.end(), men.codes))
    # Exclusivity.
    for m in matches(_EXCL_FWD):
        if _HEDGE.search(sentence[: m.start()]):
            continue
        target = _nearest(positive, off + m.end(), breaks, off, "after")
        if target is None or target.start - off - m.end() > 12:
            continue
        # "only trees and grass": every class of the list is allowed.
        codes, end = set(target.codes), target.end
        for x in positive:
            if x.start > end and re.fullmatch(
                r"\s*(?:,|and|, and|or)\s*", text_between(end, x.start)
            ):
                codes |= x.codes
                end = x.end
        out.append(claim("exclusivity", off + m.start(), end, frozenset(codes)))
    for men in positive:
        after = sentence[men.end - off :]
        em = _EXCL_BWD.match(after)
        if em and not _HEDGE.search(after[: em.end()].rsplit(" ", 3)[0] + " "):
            out.append(claim("exclusivity", men.start, men.end + em.end(), men.codes))
    # Places with a special role.
    for p in places:
        if p.role not in ("main", "component", "only"):
            continue
        target = _nearest(positive, p.start, breaks, off, "before")
        if target is None:
            continue
        kind = {"main": "main_place", "component": "component_place", "only": "only_place"}[p.role]
        out.append(
            claim(
                kind,
                target.start,
                p.end,
                target.codes,
                value=p.name,
                scope=(p.rect,),
                scope_name=p.name,
            )
        )
    # Counts of separate areas.
    for m in matches(_COUNT):
        n_word = m.group("n").lower()
        if n_word.startswith("many"):
            value: int | str = int(m.group("k")) if m.group("k") else "many"
        else:
            value = int(n_word) if n_word.isdigit() else _NUMBERS[n_word]
        if any(men.start <= off + m.end() - 1 and men.end > off + m.end() - 1 for men in mentions):
            continue  # "two fields": the noun is itself a class mention
        of = re.match(r"\s+of\s+(?:the\s+)?", sentence[m.end() :])
        target = None
        if of:
            target = next((x for x in positive if x.start == off + m.end() + of.end()), None)
        if target is None:
            target = _nearest(positive, off + m.start(), breaks, off, "before")
            if target is None or not _same_clause(breaks, target.end - off, m.start()):
                continue
        start, end = sorted((target.start, off + m.start()))[0], max(target.end, off + m.end())
        out.append(
            claim(
                "count",
                start,
                end,
                target.codes,
                value=value,
                scope=(),
                scope_name="image",
            )
        )
    # Counts of a plural class noun: "two water bodies", "three separate developed areas".
    for men in positive:
        if not men.text.lower().endswith(_COUNTABLE):
            continue
        cm = _COUNT_BEFORE.search(sentence[: men.start - off])
        if cm:
            n_word = cm.group("n").lower()
            value_n = int(n_word) if n_word.isdigit() else _NUMBERS[n_word]
            out.append(
                claim(
                    "count",
                    off + cm.start("n"),
                    men.end,
                    men.codes,
                    value=value_n,
                    scope=(),
                    scope_name="image",
                )
            )
    # Adjacency.
    for m in matches(_ADJ):
        phrase = m.group(0).lower()
        left = [x for x in positive if x.end <= off + m.start()]
        right = [x for x in positive if x.start >= off + m.end()]
        if "meet" in phrase or "share" in phrase:
            pair = (left[-2], left[-1]) if len(left) >= 2 else None
        else:
            pair = (left[-1], right[0]) if left and right else None
            if pair is None and len(left) >= 2:
                pair = (left[-2], left[-1])  # "water and trees are adjacent"
        if pair is None or pair[0].codes == pair[1].codes:
            continue
        kind = "not_adjacent" if m.group("neg") else "adjacency"
        out.append(
            claim(
                kind,
                pair[0].start,
                max(pair[1].end, off + m.end()),
                pair[0].codes,
                other=pair[1].codes,
                scope=(),
                scope_name="image",
            )
        )
    # Directions.
    for m in matches(_DIR):
        left = [x for x in positive if x.end <= off + m.start()]
        right = [x for x in positive if x.start >= off + m.end()]
        if not left or not right or left[-1].codes == right[0].codes:
            continue
        raw = re.sub(r"[\s\-]", "", m.group("d").lower())
        d = {"above": "north", "below": "south"}.get(raw, raw)
        out.append(
            claim(
                "direction",
                left[-1].start,
                right[0].end,
                left[-1].codes,
                other=right[0].codes,
                value=d,
                scope=(),
                scope_name="image",
            )
        )
    if whole:
        return out, None
    if not scope_places:
        return out, inherited
    return out, scope_at(max(p.start for p in scope_places))
