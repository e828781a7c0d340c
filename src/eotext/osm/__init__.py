"""OpenStreetMap data: reading extracts, visibility rules, joining objects to patches.

SkyScript (Wang et al., AAAI 2024) joined OSM objects to images by their coordinates and kept
only tags that can be seen from above. This package does the same for eotext's patches:

* :mod:`eotext.osm.reader`  — ``.osm.pbf`` / ``.osm`` files to shapely geometries with tags
* :mod:`eotext.osm.rules`   — which tags are visible from above, as data
* :mod:`eotext.osm.layer`   — one file's visible objects on a scene's grid (cached per process)
* :mod:`eotext.osm.join`    — the objects of one patch: a focus object and its surroundings
* :mod:`eotext.osm.preview` — a map preview of a patch drawn from the geometries

Only the reader needs pyosmium (the ``osm`` extra); everything else works without it.
"""

from __future__ import annotations

from types import ModuleType

from eotext.errors import MissingDependencyError

#: Attribution that every dataset built from OSM data must carry (ODbL 1.0, section 4.3).
OSM_LICENCE = "ODbL-1.0"
OSM_ATTRIBUTION = (
    "Contains information from OpenStreetMap, © OpenStreetMap contributors, made available "
    "under the Open Database License (ODbL) 1.0: https://www.openstreetmap.org/copyright"
)


def import_osmium() -> ModuleType:
    """Import pyosmium, or say how to install it.

    Raises:
        MissingDependencyError: pyosmium is not installed.
    """
    try:
        import osmium
    except ImportError as exc:
        raise MissingDependencyError(
            "reading OpenStreetMap data needs pyosmium, which is not installed; "
            "install it with: pip install 'eotext[osm]'"
        ) from exc
    return osmium
