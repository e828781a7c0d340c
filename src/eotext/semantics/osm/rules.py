"""Which OpenStreetMap tags can be seen from above, what they are called, and how big is visible.

SkyScript kept only *visually groundable* tags: a ``building``, a ``landuse`` or a ``highway`` can
be seen in an image taken from above; an ``opening_hours`` or a ``cuisine`` cannot. The rules
are data, in ``default_rules.toml`` next to this module (:data:`DEFAULT_RULES`); a recipe
overrides any field in ``[annotate.osm.rules]`` — tables are merged entry by entry, lists and
numbers replace the default:

.. code-block:: toml

    [annotate.osm.rules]
    min_area_px = 100                       # a stricter size test
    keys = ["building", "leisure"]          # caption only buildings and leisure objects
    nouns = { "building=yes" = "house" }    # call every plain building a house
    exclude = { highway = ["footway"] }     # never name footways

Tags are ``key=value``; in tables a ``key`` alone is the default for every value of that key.
Values are normalised before use: lower case, ``_`` to a space, ``;`` lists split; a value that
is too long or holds characters other than letters, digits, spaces, ``-``, ``'``, ``.`` or
``&`` is not used (and counted).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.errors import RecipeError

_SANE = re.compile(r"^[a-z0-9][a-z0-9 .'&-]*$")
_WORDY = re.compile(r"[a-z]")


@dataclass(frozen=True)
class OsmRules:
    """Visibility rules for OSM objects. Defaults: :data:`DEFAULT_RULES` (``default_rules.toml``).

    Attributes:
        keys: groundable keys, most telling first: the first key an object has names it.
        values: allowed values per key; a key not listed here takes any value not excluded.
        exclude: values per key that cannot be seen from above (street lamps, manholes, ...).
        hidden: tags that hide an object from view (tunnels, underground parking, indoor).
            A negative ``layer`` or ``level`` hides an object too.
        modifiers: attribute keys that describe the named object, with how they read:
            ``"{value}"`` before the noun (``sport`` → "tennis pitch"), anything else after it
            (``surface`` → "with a paved surface").
        modifier_phrases: ``key=value`` → the phrase to use instead of the form
            (``surface=artificial_turf`` → "with artificial turf"; ``sport=soccer`` → "football").
        nouns: ``key=value`` (or ``key`` with ``{value}``) → the noun phrase naming an object.
        refine: ``key=value`` → a key whose value names the object more precisely when
            ``nouns`` knows it (``natural=water`` + ``water=pond`` → "pond").
        mass_nouns: nouns that take no article and no plural ("grass", "farmland").
        linear: keys or ``key=value`` whose ways are lines even when closed (roads, walls);
            ``area=yes`` makes a closed one an area.
        widths_m: typical width of a line (``key=value`` or ``key``), metres.
        sizes_m: typical size of a feature mapped as a single node, metres; a node whose tag is
            not listed has no size and is never visible.
        min_area_px: an area's part inside the patch must cover this many pixels.
        min_width_px: an area must be at least this many pixels wide somewhere.
        min_line_width_px: a line's typical width must be at least this many pixels.
        min_length_px: a line's part inside the patch must be at least this long.
        min_point_px: a node's typical size must be at least this many pixels.
        background: tags (``key=value`` or ``key``) of districts rather than objects
            (residential or commercial land): the focus only when no other object qualifies.
        focus_min_share: a focus object has at least this share of itself inside the patch,
        focus_min_cover: ... or covers at least this share of the patch.
        max_named: surrounding objects (distinct phrases) a ``title_multi_objects`` names.
        max_surrounding: surrounding objects kept in the metadata, largest first.
        max_value_chars: longer values are not used in captions.
    """

    keys: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]]
    exclude: Mapping[str, tuple[str, ...]]
    hidden: Mapping[str, tuple[str, ...]]
    modifiers: Mapping[str, str]
    modifier_phrases: Mapping[str, str]
    nouns: Mapping[str, str]
    refine: Mapping[str, str]
    mass_nouns: tuple[str, ...]
    linear: tuple[str, ...]
    widths_m: Mapping[str, float]
    sizes_m: Mapping[str, float]
    background: tuple[str, ...]
    min_area_px: float
    min_width_px: float
    min_line_width_px: float
    min_length_px: float
    min_point_px: float
    focus_min_share: float
    focus_min_cover: float
    max_named: int
    max_surrounding: int
    max_value_chars: int

    def __post_init__(self) -> None:
        if not self.keys:
            raise RecipeError("osm rules: `keys` is empty; list at least one groundable key")
        for name in ("min_area_px", "min_width_px", "min_line_width_px", "min_length_px"):
            if getattr(self, name) < 0:
                raise RecipeError(f"osm rules: {name} must be ≥ 0, got {getattr(self, name)}")
        for name in ("focus_min_share", "focus_min_cover"):
            if not 0 <= getattr(self, name) <= 1:
                raise RecipeError(f"osm rules: {name} must lie in [0, 1]")
        if self.max_named < 0 or self.max_surrounding < 0 or self.max_value_chars < 1:
            raise RecipeError("osm rules: max_named, max_surrounding, max_value_chars must be ≥ 0")
        for form in self.modifiers.values():
            if "{value}" not in form:
                raise RecipeError(f"osm rules: modifier form {form!r} must contain {{value}}")

    # ---- derived sets -------------------------------------------------------------------

    @property
    def tag_keys(self) -> frozenset[str]:
        """Every key the rules look at (what a reader must keep)."""
        return frozenset(
            {*self.keys, *self.modifiers, *self.hidden, *self.refine.values()}
            | {"area", "layer", "level"}
        )

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of every rule (computed once; the rules are frozen)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        blob = json.dumps(fields, sort_keys=True, default=list).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any]) -> OsmRules:
        """These rules with some fields changed: tables merge, lists and numbers replace.

        Raises:
            RecipeError: an unknown field, or a value of the wrong kind.
        """
        names = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise RecipeError(
                f"[annotate.osm.rules] has unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(names))}"
            )
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            current = getattr(self, name)
            if isinstance(current, Mapping):
                if not isinstance(value, Mapping):
                    raise RecipeError(f"[annotate.osm.rules] {name} must be a table")
                merged = dict(current)
                for k, v in value.items():
                    merged[str(k)] = tuple(str(x) for x in v) if isinstance(v, list) else v
                changes[name] = merged
            elif isinstance(current, tuple):
                if not isinstance(value, list | tuple):
                    raise RecipeError(f"[annotate.osm.rules] {name} must be a list")
                changes[name] = tuple(str(v) for v in value)
            else:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise RecipeError(f"[annotate.osm.rules] {name} must be a number")
                changes[name] = type(current)(value)
        return dataclasses.replace(self, **changes)

    # ---- look-ups -----------------------------------------------------------------------

    def lookup(self, table: Mapping[str, Any], key: str, value: str) -> Any:
        """``table["key=value"]``, else ``table["key"]``, else None."""
        hit = table.get(f"{key}={value}")
        return hit if hit is not None else table.get(key)

    def is_linear(self, key: str, value: str) -> bool:
        return f"{key}={value}" in self.linear or key in self.linear

    def is_background(self, key: str, value: str) -> bool:
        return f"{key}={value}" in self.background or key in self.background


def normalise_value(value: str, max_chars: int = 48) -> tuple[str, ...]:
    """The words of a tag value, one string per item of a ``;`` list; ``()`` when unusable.

    ``"artificial_turf"`` → ``("artificial turf",)``; ``"paved;cobblestone"`` →
    ``("paved", "cobblestone")``. An item that is too long, holds odd characters or no letter
    makes the whole value unusable, so a caption never carries half a list.
    """
    items = []
    for raw in value.split(";"):
        item = " ".join(raw.replace("_", " ").strip().lower().split())
        if not item:
            continue
        if len(item) > max_chars or not _SANE.match(item) or not _WORDY.search(item):
            return ()
        items.append(item)
    return tuple(items)


@dataclass(frozen=True)
class Feature:
    """What an object is, by the rules: its naming tag, its visible tags and its modifiers.

    Attributes:
        key / value: the tag that names the object (``leisure``, ``pitch``).
        words: the normalised value (``"pitch"``).
        tags: the object's groundable tags, raw, as SkyScript's ``center_tags``.
        modifiers: (key, normalised value items) of its attribute tags, in rule order.
        refined: (key, value) of the tag that names it more precisely (``water=pond``).
        linear: ways with this tag are lines.
        width_m / size_m: typical width of a line / size of a node, when the rules know it.
    """

    key: str
    value: str
    words: str
    tags: dict[str, str]
    modifiers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    refined: tuple[str, str] | None = None
    linear: bool = False
    width_m: float | None = None
    size_m: float | None = None


def classify(
    tags: Mapping[str, str], rules: OsmRules, tally: Counter[str] | None = None
) -> Feature | None:
    """The visible feature a set of tags describes, or None (with the reason tallied).

    Reasons: ``hidden`` (tunnel, underground, indoor), ``odd_value`` (a groundable tag whose
    value cannot be used), ``not_groundable`` (no groundable tag at all).
    """
    if _is_hidden(tags, rules):
        if tally is not None:
            tally["hidden"] += 1
        return None
    main: tuple[str, str, tuple[str, ...]] | None = None
    visible: dict[str, str] = {}
    odd = False
    for key in rules.keys:
        raw = tags.get(key)
        if raw is None:
            continue
        items = normalise_value(raw, rules.max_value_chars)
        if not items:
            odd = True
            continue
        allowed = rules.values.get(key)
        excluded = rules.exclude.get(key, ())
        if any(i.replace(" ", "_") in excluded for i in items):
            continue
        if allowed is not None and not all(i.replace(" ", "_") in allowed for i in items):
            continue
        visible[key] = raw
        if main is None:
            main = (key, raw, items)
    if main is None:
        if tally is not None:
            tally["odd_value" if odd else "not_groundable"] += 1
        return None
    key, raw, items = main
    modifiers = []
    for mkey in rules.modifiers:
        mraw = tags.get(mkey)
        if mraw is None or mkey == key:
            continue
        mitems = normalise_value(mraw, rules.max_value_chars)
        if not mitems:
            if tally is not None:
                tally["odd_modifier_value"] += 1
            continue
        visible[mkey] = mraw
        modifiers.append((mkey, mitems))
    value0 = items[0].replace(" ", "_")
    refined = None
    refine_key = rules.refine.get(f"{key}={value0}")
    if refine_key and f"{refine_key}={tags.get(refine_key)}" in rules.nouns:
        refined = (refine_key, tags[refine_key])
        visible[refine_key] = tags[refine_key]
    linear = rules.is_linear(key, value0) and tags.get("area") != "yes"
    return Feature(
        key=key,
        value=raw,
        words=" and ".join(items),
        tags=visible,
        modifiers=tuple(modifiers),
        refined=refined,
        linear=linear,
        width_m=_number(rules.lookup(rules.widths_m, key, value0)),
        size_m=_number(rules.lookup(rules.sizes_m, key, value0)),
    )


def _is_hidden(tags: Mapping[str, str], rules: OsmRules) -> bool:
    for key, values in rules.hidden.items():
        if tags.get(key) in values:
            return True
    for key in ("layer", "level"):
        raw = tags.get(key, "").split(";")[0].strip()
        try:
            if raw and float(raw) < 0:
                return True
        except ValueError:
            continue
    return False


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def rules_from_dict(doc: Mapping[str, Any]) -> OsmRules:
    """Rules from a parsed TOML document with every field (lists become tuples).

    Raises:
        RecipeError: a field is missing or unknown.
    """
    names = {f.name for f in dataclasses.fields(OsmRules)}
    unknown, missing = (
        sorted(set(doc) - names),
        sorted(
            f.name
            for f in dataclasses.fields(OsmRules)
            if f.name not in doc and f.default is dataclasses.MISSING
        ),
    )
    if unknown or missing:
        raise RecipeError(
            f"osm rules: unknown setting(s) {unknown or 'none'}, missing {missing or 'none'}"
        )
    fields: dict[str, Any] = {}
    for name, value in doc.items():
        if isinstance(value, list):
            value = tuple(str(v) for v in value)
        elif isinstance(value, Mapping):
            value = {
                str(k): tuple(str(x) for x in v) if isinstance(v, list) else v
                for k, v in value.items()
            }
        fields[name] = value
    return OsmRules(**fields)


def load_rules(path: str | Path) -> OsmRules:
    """Rules from a TOML file holding every field (as ``default_rules.toml`` does).

    Raises:
        RecipeError: the file is missing, not TOML, or incomplete.
    """
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RecipeError(f"{path}: cannot read OSM rules ({exc})") from exc
    return rules_from_dict(doc)


#: The built-in rules, from ``default_rules.toml`` next to this module: SkyScript's visually
#: groundable keys; values, names and typical sizes from the OSM wiki's map features.
DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.toml")
DEFAULT_RULES = load_rules(DEFAULT_RULES_FILE)
