"""BigEarthNet v2 roots as scenes: one whole-scene patch per v2 patch.

Each patch gets its Sentinel-2 bands, its Sentinel-1 partner (``s1_name``) stacked after them,
its 19-class labels from ``metadata.parquet`` as multi-labels and, when ``Reference_Maps/`` is
there, its CORINE reference map as the label map, read in the recipe's scheme (the 19-class
nomenclature by default), so the regular statistics, captions, VQA and referring run on it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from eotext.errors import RecipeError, UnknownClassCodeError
from eotext.scene.scene import Scene
from eotext.scene.spec import GridSpec, SourceSpec
from eotext.schemes import get_scheme, multilabel_codes
from eotext.schemes.corine import CLC_TO_BEN19, CLC_TO_BEN43, CORINE
from eotext.sources.bigearthnet_v2 import V2Patch, read_bigearthnet_v2
from eotext.sources.raster import grid_of, open_raster

log = logging.getLogger(__name__)

#: How reference-map CORINE codes are read in each scheme a v2 source may use.
_REMAPS: dict[str, dict[int, int]] = {
    "bigearthnet-19": CLC_TO_BEN19,
    "bigearthnet-43": {**{c.code: c.code for c in CORINE}, **CLC_TO_BEN43},
    "corine": {c.code: c.code for c in CORINE},
}


def bigearthnet_v2_scenes(spec: SourceSpec, gspec: GridSpec) -> list[Scene]:
    """The scenes of a v2 root, one per patch with a folder and a metadata row.

    Raises:
        SourceError: the root, its metadata or a patch's bands are missing or unreadable.
        RecipeError: the scheme cannot hold v2's labels.
    """
    source = read_bigearthnet_v2(spec.image or "", spec.bands)
    scheme = get_scheme(spec.scheme or "bigearthnet-19")
    if scheme.name not in _REMAPS:
        raise RecipeError(
            f"scheme {scheme.name!r} cannot describe BigEarthNet v2 patches; use one of "
            f"{', '.join(_REMAPS)} (default bigearthnet-19)"
        )
    if scheme.name != "bigearthnet-19" and not source.has_maps:
        raise RecipeError(
            f"{source.root}: without Reference_Maps/ the patches have only their 19-class labels; "
            'use --scheme bigearthnet-19 (scheme = "bigearthnet-19")'
        )
    if source.without_metadata:
        log.warning(
            "%s: %d patch folder(s) not in metadata.parquet are left out (first: %s)",
            source.root,
            len(source.without_metadata),
            source.without_metadata[0],
        )
    remap = tuple(sorted(_REMAPS[scheme.name].items()))
    scenes = []
    for patch in source.patches:
        scene = _scene(patch, scheme.name, remap, gspec)
        scenes.append(_with_partner(scene, patch, spec))
    return scenes


def _scene(
    patch: V2Patch, scheme_name: str, remap: tuple[tuple[int, int], ...], gspec: GridSpec
) -> Scene:
    record = patch.record
    finest = min(patch.imagery.bands, key=lambda b: b.gsd_m or float("inf"))
    with open_raster(finest.path) as src:
        grid = grid_of(src, finest.path)
    skip = None
    try:
        multilabel_codes(record.labels, "bigearthnet-19")
    except UnknownClassCodeError as exc:
        log.warning("%s: dropped: %s", record.patch_id, exc)
        skip = "unknown_label_name"
    return Scene(
        scene_id=record.patch_id,
        grid=grid,
        imagery=patch.imagery,
        label_path=patch.reference_map,
        scheme=get_scheme(scheme_name),
        multilabels=record.labels,
        whole_scene=True,
        grid_spec=gspec,
        skip_reason=skip,
        label_remap=remap if patch.reference_map else (),
        # A code outside the CLC legend cannot be described: it is unlabelled, not an error.
        label_remap_other=0 if patch.reference_map else None,
        source_split=record.split,
        source_country=record.country,
        flags=record.flags,
    )


def _with_partner(scene: Scene, patch: V2Patch, spec: SourceSpec) -> Scene:
    """The scene with its S1 partner's bands stacked after the S2 bands.

    The pairing is the archive's own (``s1_name``), so no date or overlap check is made.
    """
    if patch.s1 is None:
        if spec.require_s1 and scene.skip_reason is None:
            return replace(scene, skip_reason="no_s1_pair")
        return scene
    return replace(scene, layers=scene.layers + patch.s1.bands, s1_acquired=patch.s1.acquired)
