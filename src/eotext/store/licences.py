"""Licence strings as eotext writes them into manifests, and their Hugging Face Hub ids.

The data card (``report/card.py``) and the Hub export (``export/hf.py``) both name a dataset's
licences in front matter the Hub reads; one table keeps them from disagreeing (OSM's
``ODbL-1.0`` is the Hub's ``odbl``, not ``other``).
"""

from __future__ import annotations

#: Manifest licence (lower case) → Hub licence id.
HF_LICENCES = {
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "cc-by-nc-4.0": "cc-by-nc-4.0",
    "cc0-1.0": "cc0-1.0",
    "odbl-1.0": "odbl",
    "odbl": "odbl",
    "cdla-permissive-1.0": "cdla-permissive-1.0",
    "cdla-permissive-2.0": "cdla-permissive-2.0",
    "mit": "mit",
    "apache-2.0": "apache-2.0",
}


def hub_licence(text: str) -> str:
    """The Hub's id of a manifest licence string; ``other`` for one the Hub has no id for."""
    return HF_LICENCES.get(text.strip().lower(), "other")
