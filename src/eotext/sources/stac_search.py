"""Finding STAC items: from an item, an ItemCollection, a static catalog or collection, or a
STAC API (``--stac URL``, ``[[sources]] stac = { url = ... }``).

:func:`find_items` yields :class:`pystac.Item` objects; reading one item's assets into bands is
:func:`eotext.sources.stac.read_stac_item`'s job, and :func:`read_stac_query` hands the scene
layer one :class:`~eotext.sources.item.SourceItem` per item found. The same filters
(collection, bbox, datetime, cloud cover, maximum count) apply to every kind of input: an API is
asked to filter, and every item is checked again here, so a server that ignores a parameter
cannot let a wrong item in.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eotext.errors import MissingDependencyError, RecipeError, SourceError
from eotext.sources.item import SourceItem
from eotext.sources.stac import read_stac_item

log = logging.getLogger(__name__)

#: The cloud-cover property STAC items carry (the ``eo`` extension).
CLOUD_COVER = "eo:cloud_cover"


@dataclass(frozen=True)
class StacQuery:
    """Where to find items and which to keep.

    Attributes:
        url: an item, ItemCollection, catalog or collection JSON (URL or file), or the root of
            a STAC API.
        collection: the API collection to search (needed for an API; ignored otherwise unless
            items name their collection).
        bbox: ``(west, south, east, north)`` in WGS84 degrees; items must intersect it.
        datetime: ``"A/B"`` (either side may be ``..``) or one instant, as in STAC API.
        max_items: keep at most this many items (in the order the source gives them).
        max_cloud_cover: drop items whose ``eo:cloud_cover`` is above this percentage.
    """

    # Hashed by its last part only, like a source's file paths (see eotext.config.fingerprint).
    url: str = field(metadata={"fingerprint": "path"})
    collection: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    datetime: str | None = None
    max_items: int | None = None
    max_cloud_cover: float | None = None

    def __post_init__(self) -> None:
        if not self.url:
            raise RecipeError("`url` is empty; give an item, catalog or STAC API URL")
        if self.bbox is not None:
            if len(self.bbox) != 4:
                raise RecipeError(f"bbox must be W,S,E,N (4 numbers), got {self.bbox}")
            w, s, e, n = self.bbox
            if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s < n <= 90):
                raise RecipeError(f"bbox {self.bbox} is not W,S,E,N in degrees (south below north)")
        if self.max_items is not None and self.max_items < 1:
            raise RecipeError(f"max_items must be ≥ 1, got {self.max_items}")
        if self.max_cloud_cover is not None and not 0 <= self.max_cloud_cover <= 100:
            raise RecipeError(
                f"max_cloud_cover is a percentage in [0, 100], got {self.max_cloud_cover}"
            )
        if self.datetime is not None:
            parse_interval(self.datetime)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"W,S,E,N"`` to four floats.

    Raises:
        RecipeError: not four comma-separated numbers.
    """
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise RecipeError(f"--bbox must be W,S,E,N in degrees, e.g. -12,24,-10,26; got {text!r}")
    w, s, e, n = values
    return w, s, e, n


def parse_interval(text: str) -> tuple[datetime | None, datetime | None]:
    """A STAC datetime ``"A/B"`` (open ends ``..`` or empty) or an instant, as UTC datetimes.

    Raises:
        RecipeError: a side is not an ISO 8601 date or date-time.
    """
    parts = text.split("/")
    if len(parts) > 2:
        raise RecipeError(f"datetime must be A/B or one date, got {text!r}")
    ends = [_instant(p, text) for p in parts]
    if len(ends) == 1:
        start = ends[0]
        if start is not None and len(parts[0]) == 10:  # a whole day
            return start, start.replace(hour=23, minute=59, second=59, microsecond=999999)
        return start, start
    start, end = ends
    if end is not None and len(parts[1]) == 10:
        end = end.replace(hour=23, minute=59, second=59, microsecond=999999)
    return start, end


def _instant(text: str, whole: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RecipeError(
            f"datetime {whole!r}: {text!r} is not an ISO 8601 date such as 2020-02-01 or "
            "2020-02-01T10:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_stac_query(query: StacQuery, bands: tuple[str, ...] | None) -> list[SourceItem]:
    """One source item per STAC item ``query`` finds, named after the item's id.

    Each item's assets are mapped to bands (``eo:bands`` names, common names, asset keys or
    file names) and its SCL found by :func:`eotext.sources.stac.read_stac_item`.

    Raises:
        SourceError: no item matches, or an item's assets cannot be read.
        RecipeError: an API root without ``collection``.
    """
    found = [
        SourceItem(read_stac_item(item, bands), name=_item_name(item.id))
        for item in find_items(query)
    ]
    if not found:
        raise SourceError(
            f"{query.url}: no STAC item matches the source's filters; widen --bbox, "
            "--datetime or --max-cloud-cover, or check --stac-collection"
        )
    return found


def _item_name(item_id: object) -> str:
    """A STAC item id as a scene id (letters, digits, '_', '-' and '.')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(item_id)).strip("-") or "item"


def find_items(query: StacQuery) -> Iterator[Any]:
    """The items ``query`` selects, as :class:`pystac.Item` objects.

    Raises:
        SourceError: the URL cannot be read or is not STAC.
        RecipeError: an API root without ``collection``.
    """
    try:
        import pystac
    except ImportError:
        raise MissingDependencyError("--stac needs pystac: pip install 'eotext[stac]'") from None
    doc = _read_json(query.url)
    kind = doc.get("type")
    count = 0
    for item in _candidates(query, doc, kind, pystac):
        if not matches(item, query):
            continue
        yield item
        count += 1
        if query.max_items is not None and count >= query.max_items:
            return
    if count == 0:
        log.warning("%s: no STAC item matches the filters", query.url)


def _candidates(query: StacQuery, doc: dict[str, Any], kind: Any, pystac: Any) -> Iterator[Any]:
    if kind == "Feature":
        yield pystac.Item.from_dict(doc, href=_href(query.url), preserve_dict=False)
    elif kind == "FeatureCollection":
        collection = pystac.ItemCollection.from_dict(doc, preserve_dict=False)
        for item in collection:
            _resolve_assets(item, query.url)
            yield item
    elif kind in ("Catalog", "Collection") and _is_api(doc):
        yield from _search_api(query)
    elif kind in ("Catalog", "Collection"):
        cat = pystac.read_file(_href(query.url))
        yield from cat.get_items(recursive=True)
    else:
        raise SourceError(
            f"{query.url}: not a STAC item, ItemCollection, catalog, collection or API "
            f"(type {kind!r}); check the URL"
        )


def _is_api(doc: dict[str, Any]) -> bool:
    conforms = doc.get("conformsTo") or []
    if any("item-search" in c for c in conforms):
        return True
    return any(link.get("rel") == "search" for link in doc.get("links", []))


def _search_api(query: StacQuery) -> Iterator[Any]:
    try:
        from pystac_client import Client
    except ImportError:
        raise MissingDependencyError(
            "searching a STAC API needs pystac-client: pip install 'eotext[stac]'"
        ) from None
    if query.collection is None:
        raise RecipeError(
            f"{query.url} is a STAC API: name the collection to search with "
            "--stac-collection (for example sentinel-2-l2a)"
        )
    client = Client.open(query.url)
    params: dict[str, Any] = {"collections": [query.collection]}
    if query.bbox is not None:
        params["bbox"] = list(query.bbox)
    if query.datetime is not None:
        params["datetime"] = query.datetime
    if query.max_cloud_cover is not None and client.conforms_to("QUERY"):
        params["query"] = {CLOUD_COVER: {"lte": query.max_cloud_cover}}
    if query.max_items is not None and query.max_cloud_cover is None:
        params["max_items"] = query.max_items
    try:
        yield from client.search(**params).items()
    except Exception as exc:  # pystac-client raises APIError, requests errors, ...
        if isinstance(exc, RecipeError | SourceError):
            raise
        raise SourceError(f"{query.url}: the STAC API search failed ({exc})") from exc


def matches(item: Any, query: StacQuery) -> bool:
    """Whether one item passes the query's collection, bbox, datetime and cloud filters."""
    if query.collection is not None and item.collection_id not in (None, query.collection):
        return False
    if query.bbox is not None and item.bbox is not None:
        w, s, e, n = query.bbox
        b = item.bbox
        iw, is_, ie, in_ = (b[0], b[1], b[3], b[4]) if len(b) == 6 else b
        if iw > e or ie < w or is_ > n or in_ < s:
            return False
    if query.datetime is not None:
        start, end = parse_interval(query.datetime)
        when = item.datetime or item.common_metadata.start_datetime
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            if (start is not None and when < start) or (end is not None and when > end):
                return False
    if query.max_cloud_cover is not None:
        cloud = item.properties.get(CLOUD_COVER)
        if cloud is not None and float(cloud) > query.max_cloud_cover:
            return False
    return True


def _href(url: str) -> str:
    return url if "://" in url else str(Path(url).resolve())


def _resolve_assets(item: Any, base: str) -> None:
    """Make relative asset hrefs of an ItemCollection's items absolute against its URL."""
    for asset in item.assets.values():
        if "://" not in asset.href and not asset.href.startswith("/"):
            if "://" in base:
                asset.href = base.rsplit("/", 1)[0] + "/" + asset.href
            else:
                asset.href = str(Path(base).resolve().parent / asset.href)


def _read_json(url: str) -> dict[str, Any]:
    try:
        if "://" in url and not url.startswith("file://"):
            import urllib.request

            with urllib.request.urlopen(url, timeout=60) as r:
                text = r.read().decode("utf-8")
        else:
            text = Path(url.removeprefix("file://")).read_text(encoding="utf-8")
        doc = json.loads(text)
    except FileNotFoundError:
        raise SourceError(f"{url}: no such file; check --stac") from None
    except (OSError, ValueError) as exc:
        raise SourceError(f"{url}: cannot be read as STAC JSON ({exc}); check --stac") from exc
    if not isinstance(doc, dict):
        raise SourceError(f"{url}: not a STAC JSON object; check --stac")
    return doc
