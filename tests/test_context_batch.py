"""Context looked up for a unit's patches together equals the look-up of each patch alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from eotext.semantics.context import patch_context, patch_contexts


@pytest.mark.parametrize("acquired", ["2021-07-01T10:00:00Z", None, "2021-00-01"])
def test_patch_contexts_match_one_by_one(acquired: str | None) -> None:
    rng = np.random.default_rng(0)
    lons = rng.uniform(-180, 180, 400)
    lats = rng.uniform(-85, 85, 400)
    grid_lon, grid_lat = np.meshgrid(np.linspace(2, 30, 25), np.linspace(40, 60, 20))
    lons = np.concatenate([lons, grid_lon.ravel()])  # many points near land borders
    lats = np.concatenate([lats, grid_lat.ravel()])
    footprints = [shapely.box(x, y, x + 0.02, y + 0.02) for x, y in zip(lons, lats, strict=True)]
    elevations = [None if i % 3 else float(i) for i in range(len(footprints))]
    together = patch_contexts(footprints, acquired, elevations)
    alone = [patch_context(f, acquired, e) for f, e in zip(footprints, elevations, strict=True)]
    assert together == alone


def test_no_patches_no_contexts() -> None:
    assert patch_contexts([], "2021-07-01", []) == []


def test_context_data_kept_in_the_user_cache_gives_the_same_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Country outlines and the climate map are derived once per machine into the user cache;
    a process reading them from there answers as one that built them from the packages."""
    from eotext.semantics import context

    lons, lats = np.array([6.6, 10.0, 24.9, -40.0]), np.array([0.3, 50.0, 60.2, 30.0])
    monkeypatch.setenv("EOTEXT_CACHE_DIR", str(tmp_path))
    answers = []
    for _ in range(2):  # built (and cached), then read back from the cache
        context._countries.cache_clear()
        context._koppen.cache_clear()
        answers.append((context.countries_at(lons, lats), context.climate_zones_at(lons, lats)))
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".arrow", ".npy"]
    assert answers[0] == answers[1]
    assert answers[0][0][:3] == [
        ("São Tomé and Príncipe", "ST"),
        ("Germany", "DE"),
        ("Finland", "FI"),
    ]
    assert answers[0][0][3] is None and answers[0][1][3] is None  # the Atlantic
    context._countries.cache_clear()
    context._koppen.cache_clear()
