"""The patch pipeline's steps: filters count their drops by reason, annotators work per unit."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eotext.config.recipe import FilterSpec, GridSpec, Recipe, SourceSpec
from eotext.model import PatchSpec, PixelWindow, Text
from eotext.run.annotators import ANNOTATORS, Annotator
from eotext.run.build import plan_build
from eotext.run.filters import (
    AnnotatedPatch,
    Filter,
    PatchCandidate,
    SceneSkip,
    VisibleOsmObjects,
    count_drops,
    patch_filters,
)
from eotext.run.unit import analyse_unit, annotate_patches
from eotext.scene.scene import Scene, WindowData
from eotext.semantics.patch import PatchContext
from tests.conftest import WORLDCOVER_1024, need

N = 16  # patch side in pixels


def _scene() -> Scene:
    recipe = Recipe(
        sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
        grid=GridSpec(patch_size=256),
    )
    scenes, _ = plan_build(recipe)
    return scenes[0]


def _candidate(scene: Scene, labels: Any, data: Any, cloud: Any) -> PatchCandidate:
    window = WindowData(
        image=None,
        labels=np.asarray(labels, dtype=np.uint8),
        data=np.asarray(data, dtype=bool),
        cloud=np.asarray(cloud, dtype=bool),
        unknown=np.zeros((N, N), dtype=bool),
    )
    spec = PatchSpec(scene.scene_id, PixelWindow(0, 0, N, N))
    return PatchCandidate(scene, spec, window, slice(0, N), slice(0, N))


def test_filters_return_reasons_and_count_drops() -> None:
    scene = _scene()
    full, none = np.ones((N, N)), np.zeros((N, N))
    mixed = np.full((N, N), 10)
    mixed[:, : N // 2] = 80  # tree cover and water, half each
    uniform = np.full((N, N), 10)
    half = np.zeros((N, N))
    half[: N // 4] = 1
    candidates = {
        "keep": _candidate(scene, mixed, full, none),
        "empty": _candidate(scene, mixed, none, none),
        "sparse": _candidate(scene, mixed, half, none),
        "cloudy": _candidate(scene, mixed, full, half),
        "uniform": _candidate(scene, uniform, full, none),
    }
    filters = patch_filters(FilterSpec(max_dominant_share=0.99))
    kept = [name for name, c in candidates.items() if all(f.keep(c) for f in filters)]
    assert kept == ["keep"]
    assert count_drops(filters) == {
        "low_valid_fraction": 2,
        "cloudy": 1,
        "near_uniform": 1,
    }
    # With every cloud allowed, a patch under cloud has no pixel left to describe.
    lenient = patch_filters(FilterSpec(max_cloud_fraction=1.0))
    assert not all(f.keep(_candidate(scene, mixed, full, full)) for f in lenient)
    assert count_drops(lenient) == {"no_labelled_pixels": 1}
    # A patch dropped for its cloud was never copied or counted by class.
    assert "stats" not in vars(candidates["cloudy"])
    assert "data" not in vars(candidates["empty"])


def test_same_composition_is_capped_per_unit() -> None:
    scene = _scene()
    full, none = np.ones((N, N)), np.zeros((N, N))
    water = np.full((N, N), 80)
    mixed = np.full((N, N), 10)
    mixed[:, : N // 2] = 80
    mirrored = np.full((N, N), 80)
    mirrored[:, : N // 2] = 10  # the same composition, laid out the other way round
    patches = [water, water, water, mixed, mirrored, water]
    filters = patch_filters(FilterSpec(max_same_composition=2))
    kept = [all(f.keep(_candidate(scene, p, full, none)) for f in filters) for p in patches]
    assert kept == [True, True, False, True, True, False]
    assert count_drops(filters) == {"near_duplicate": 2}
    # No cap by default.
    filters = patch_filters(FilterSpec())
    assert all(all(f.keep(_candidate(scene, p, full, none)) for f in filters) for p in patches)


def test_a_filter_is_a_check_and_the_base_counts() -> None:
    class Odd(Filter[int]):
        def check(self, item: int) -> str | None:
            return "odd" if item % 2 else None

    odd = Odd()
    assert [n for n in range(5) if odd.keep(n)] == [0, 2, 4]
    assert not odd.keep(7, count=10)
    assert odd.dropped == {"odd": 12}


def test_scene_and_map_filters() -> None:
    scene = _scene()
    skip = SceneSkip()
    assert skip.keep(scene)
    assert not skip.keep(dataclasses.replace(scene, skip_reason="no_s1_partner"), count=4)
    osm = VisibleOsmObjects()
    map_scene = dataclasses.replace(scene, osm_path="x.osm.pbf", label_path=None, scheme=None)
    assert not map_scene.all_bands and map_scene.label_path is None
    text = Text("p:caption:x", "p", "caption", "template", "A road.")
    assert osm.keep(AnnotatedPatch(map_scene, "p", (text,)))
    assert osm.keep(AnnotatedPatch(scene, "p", ()))
    assert not osm.keep(AnnotatedPatch(map_scene, "p", ()))
    assert count_drops([skip, osm]) == {"no_s1_partner": 4, "no_visible_osm_objects": 1}


def test_analyse_unit_drops_a_skipped_scene_without_reading_it() -> None:
    recipe = Recipe(
        sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
        grid=GridSpec(patch_size=256),
    )
    scenes, units = plan_build(recipe)
    missing = dataclasses.replace(scenes[0], label_path="/nonexistent.tif", skip_reason="gone")
    analysed = analyse_unit(missing, units[0], recipe)
    assert analysed.patches == ()
    assert count_drops(analysed.filters) == {"gone": len(units[0].patches)}


class _Counting(Annotator):
    def __init__(self) -> None:
        self.calls = 0

    def annotate(self, ctx: PatchContext) -> list[Text]:
        self.calls += 1
        return [Text(f"{ctx.patch_id}:caption:n", ctx.patch_id, "caption", "test", "A patch.")]


def test_annotators_work_per_unit_by_default(tmp_path: Path) -> None:
    recipe = Recipe(
        sources=(SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover"),),
        grid=GridSpec(patch_size=256),
    )
    scenes, units = plan_build(recipe)
    contexts = [p.ctx for p in analyse_unit(scenes[0], units[0], recipe).patches]
    counting = _Counting()
    assert counting.usage() is None
    texts = annotate_patches(contexts, [counting, ANNOTATORS["caption"](recipe)], None)
    assert counting.calls == len(contexts) == len(texts) == 16
    assert all(len(t) == 3 for t in texts.values())  # ours, and a detailed and a short caption


def test_every_builtin_annotator_is_an_annotator() -> None:
    assert all(issubclass(a, Annotator) for a in ANNOTATORS.values() if isinstance(a, type))
    with pytest.raises(TypeError):
        Annotator()  # type: ignore[abstract]


def test_near_duplicate_flags_on_a_real_map(tmp_path: Path) -> None:
    """São Tomé's coast at 128 px: open-ocean patches are capped by both flags."""
    from click.testing import CliRunner

    from eotext.cli.main import cli

    labels = str(need(WORLDCOVER_1024))
    base = ["build", "--labels", labels, "--scheme", "worldcover", "--patch-size", "128"]
    runner = CliRunner()
    plain = runner.invoke(cli, [*base, "-o", str(tmp_path / "a")])
    capped = runner.invoke(cli, [*base, "--max-same-composition", "1", "-o", str(tmp_path / "b")])
    uniform = runner.invoke(cli, [*base, "--max-dominant-share", "0.98", "-o", str(tmp_path / "c")])
    assert plain.exit_code == capped.exit_code == uniform.exit_code == 0, capped.output
    assert "dropped: none" in plain.output, plain.output
    assert "dropped: near_duplicate" in capped.output, capped.output
    assert "dropped: near_uniform" in uniform.output, uniform.output
    bad = runner.invoke(cli, [*base, "--max-same-composition", "0", "-o", str(tmp_path / "d")])
    assert bad.exit_code == 1 and "max-same-composition" in bad.output


def test_the_annotator_registry_has_every_kind_a_recipe_accepts() -> None:
    from eotext.run.annotators import ANNOTATORS
    from eotext.text.spec import ANNOTATOR_KINDS

    assert set(ANNOTATORS) == set(ANNOTATOR_KINDS)
