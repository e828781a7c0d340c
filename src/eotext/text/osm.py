"""SkyScript-style captions from OpenStreetMap objects: ``title`` and ``title_multi_objects``.

A ``title`` names the patch's focus object with its attributes ("a satellite image of a football
pitch with artificial turf"); a ``title_multi_objects`` adds the surrounding objects ("... next
to a parking lot and two apartment buildings"). Every word comes from the objects' tags through
the rules' vocabulary (:mod:`eotext.semantics.osm.rules`); the sentence pattern is chosen by a
generator seeded from (recipe seed, patch id), so a rebuild writes the same captions.

Each text carries SkyScript's metadata in ``Text.meta``: the focus object's element type and id,
the patch's box (west, south, east, north), the acquisition time, ``center_tags`` and
``surrounding_tags``, plus which objects the caption names (``named``) and their shares.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eotext.model import Text
from eotext.semantics.osm.join import PatchObjects, Sighting
from eotext.semantics.osm.rules import Feature, OsmRules
from eotext.text.grammar import article, join_words
from eotext.text.templates import text_rng

TITLE_TEMPLATES: tuple[str, ...] = (
    "a satellite image of {focus}",
    "an aerial image of {focus}",
    "a satellite photo of {focus}",
    "an aerial view of {focus}",
    "a remote sensing image of {focus}",
)
MULTI_TEMPLATES: tuple[str, ...] = (
    "{title} next to {others}",
    "{title}, with {others} nearby",
    "{title} beside {others}",
    "{title} near {others}",
)
_A_WORD = re.compile(r"(^|\s)a (\w[\w-]*)")
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
STYLES = ("title", "title_multi_objects")


@dataclass(frozen=True)
class Phrase:
    """How one object (or a group of alike objects) is named: ``pre noun post``."""

    pre: tuple[str, ...]
    noun: str
    post: tuple[str, ...]
    mass: bool

    @property
    def bare(self) -> str:
        return _words(self.pre, self.noun, self.post)

    def short(self) -> Phrase:
        """Without the attributes after the noun (how surrounding objects are named)."""
        return Phrase(self.pre, self.noun, (), self.mass)

    def render(self, count: int = 1, countable: bool = True, other: bool = False) -> str:
        """With an article or a number: "a tennis pitch", "three tennis pitches", "footways"."""
        if self.mass:
            return self.bare
        if count == 1:
            return ("another " + self.bare) if other else article(self.bare)
        plural = _words(self.pre, pluralise(self.noun), self.post)
        if other:
            plural = "other " + plural
        if not countable:
            return plural
        number = _NUMBERS[count] if count < len(_NUMBERS) else "many"
        return f"{number} {plural}"


def phrase_of(feature: Feature, rules: OsmRules) -> Phrase:
    """The words for an object, from its feature and the rules' vocabulary."""
    noun = _noun(feature, rules)
    pre: list[str] = []
    post: list[str] = []
    for key, items in feature.modifiers:
        form = rules.modifiers[key]
        raw = feature.tags.get(key, "")
        fixed = rules.modifier_phrases.get(f"{key}={raw}")
        if form.strip() == "{value}":
            word = fixed or " and ".join(items)
            if word not in noun and not any(word in p for p in pre):
                pre.append(word)
        elif len(post) < 2:
            post.append(_articles(fixed or form.format(value=" and ".join(items))))
    return Phrase(tuple(pre), noun, tuple(post), noun in rules.mass_nouns and not pre)


def _words(pre: Sequence[str], noun: str, post: Sequence[str]) -> str:
    """``pre noun post``; attributes go before the last part of "row of trees"."""
    if pre and " of " in noun:
        head, rest = noun.rsplit(" of ", 1)
        return " ".join([f"{head} of", *pre, rest, *post])
    return " ".join([*pre, noun, *post])


def _articles(text: str) -> str:
    """Each "a" takes the article its next word needs ("with a asphalt" → "with an asphalt")."""
    return _A_WORD.sub(lambda m: m.group(1) + article(m.group(2)), text)


def pluralise(noun: str) -> str:
    """English plural of a noun phrase's head: "row of trees" → "rows of trees"."""
    for link in (" of ", " under "):  # "rows of trees", "roads under construction"
        if link in noun:
            head, rest = noun.split(link, 1)
            return f"{pluralise(head)}{link}{rest}"
    words = noun.split(" ")
    last = words[-1]
    if (last.endswith("s") and not last.endswith("ss")) or last in ("works", "grass"):
        plural = last  # already plural ("allotment gardens") or invariant ("works")
    elif last.endswith(("ss", "sh", "ch", "x", "z")):
        plural = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return " ".join([*words[:-1], plural])


class OsmCaptionWriter:
    """Writes a patch's ``title`` and ``title_multi_objects`` captions and their metadata."""

    def __init__(self, rules: OsmRules, seed: int, styles: Sequence[str] = STYLES) -> None:
        self.rules = rules
        self.seed = seed
        self.styles = tuple(styles)

    def texts(
        self,
        patch_id: str,
        found: PatchObjects,
        box_wgs84: tuple[float, float, float, float],
        acquired: str | None = None,
        source: str | None = None,
    ) -> list[Text]:
        """The patch's captions (none when it has no focus object)."""
        if found.focus is None:
            return []
        focus_phrase = phrase_of(found.focus.placed.feature, self.rules)
        focus_words = self._focus_words(found.focus, focus_phrase)
        rng = text_rng(self.seed, patch_id, "osm")
        title = rng.choice(TITLE_TEMPLATES).format(focus=focus_words)
        multi_pattern = rng.choice(MULTI_TEMPLATES)
        others, named_others = self._others(found.surrounding, focus_phrase)
        base = _meta(found, box_wgs84, acquired, source)
        out = []
        if "title" in self.styles:
            meta = dict(base, named=[_ref(found.focus)])
            out.append(self._text(patch_id, "title", title, meta))
        if "title_multi_objects" in self.styles and others:
            text = multi_pattern.format(title=title, others=others)
            meta = dict(base, named=[_ref(found.focus), *(_ref(s) for s in named_others)])
            out.append(self._text(patch_id, "title_multi_objects", text, meta))
        return out

    def _focus_words(self, focus: Sighting, phrase: Phrase) -> str:
        words = phrase.render()
        # An object that is mostly outside the patch is only partly in view; say so.
        if focus.share < self.rules.focus_min_share and not phrase.mass:
            return f"part of {words}"
        return words

    def _others(
        self, surrounding: Sequence[Sighting], focus_phrase: Phrase
    ) -> tuple[str, list[Sighting]]:
        """The surroundings as words (alike objects grouped), and the objects they name."""
        groups: dict[str, tuple[Phrase, list[Sighting]]] = {}
        for s in surrounding:  # largest first, so groups come in order of their largest member
            phrase = phrase_of(s.placed.feature, self.rules).short()
            groups.setdefault(phrase.bare, (phrase, []))[1].append(s)
        words: list[str] = []
        named: list[Sighting] = []
        for bare, (phrase, members) in groups.items():
            if len(words) >= self.rules.max_named:
                break
            if phrase.mass and bare == focus_phrase.short().bare:
                continue  # "grass next to grass" says nothing
            countable = all(m.placed.kind != "line" for m in members)  # ways split roads up
            words.append(
                phrase.render(len(members), countable, other=bare == focus_phrase.short().bare)
            )
            named.extend(members)
        return join_words(words, serial_comma=False), named

    def _text(self, patch_id: str, style: str, text: str, meta: dict[str, Any]) -> Text:
        return Text(
            f"{patch_id}:osm:{style}",
            patch_id,
            "osm_caption",
            "osm",
            text,
            style=style,
            meta=meta,
        )


def _noun(feature: Feature, rules: OsmRules) -> str:
    if feature.refined is not None:
        return rules.nouns[f"{feature.refined[0]}={feature.refined[1]}"]
    value0 = feature.words.split(" and ")[0].replace(" ", "_")
    pattern = rules.nouns.get(f"{feature.key}={value0}")
    if pattern is None:
        pattern = rules.nouns.get(feature.key, "{value}").replace("{value}", feature.words)
    if feature.key != "building" and "building" in feature.tags and "building" not in pattern:
        pattern += " building"
    return pattern


def _ref(s: Sighting) -> dict[str, Any]:
    return {"element": s.placed.element, "id": s.placed.osm_id}


def _meta(
    found: PatchObjects,
    box: tuple[float, float, float, float],
    acquired: str | None,
    source: str | None,
) -> dict[str, Any]:
    """SkyScript's metadata for the patch, plus the shares that decided the focus."""
    assert found.focus is not None
    focus = found.focus
    return {
        "element": focus.placed.element,
        "id": focus.placed.osm_id,
        "box": [round(v, 7) for v in box],
        "time": _time_tuple(acquired),
        "center_tags": dict(focus.placed.feature.tags),
        "surrounding_tags": [dict(s.placed.feature.tags) for s in found.surrounding],
        "focus": _describe(focus),
        "surrounding": [_describe(s) for s in found.surrounding],
        "osm_file": source,
    }


def _describe(s: Sighting) -> dict[str, Any]:
    return {
        "element": s.placed.element,
        "id": s.placed.osm_id,
        "kind": s.placed.kind,
        "share": round(s.share, 4),
        "cover": round(s.cover, 4),
    }


def _time_tuple(acquired: str | None) -> list[int] | None:
    """``2022-10-05T11:21:09Z`` → [2022, 10, 5, 11, 21], SkyScript's (year, month, day, h, min)."""
    if not acquired or len(acquired) < 10:
        return None
    try:
        parts = [int(acquired[0:4]), int(acquired[5:7]), int(acquired[8:10])]
        if len(acquired) >= 16:
            parts += [int(acquired[11:13]), int(acquired[14:16])]
    except ValueError:
        return None
    return parts
