"""Hand-labelled sentences in free (LLM-like) phrasing about two real WorldCover patches.

The truth of each sentence was decided by hand from the patches' statistics (shares per region,
components, centroids), not by the checker: open sea with a built-up coast (``r0_c512``:
water 87 %, built-up 7 %, grass 4.9 %, the top half all water) and forest with grassland
(``r0_c0``: tree 66.5 %, grass 32.9 %, grass leads only in the bottom right).
"""

from __future__ import annotations

import pytest

from eotext.verify.corpus import tile_facts
from eotext.verify.facts import PatchFacts
from eotext.verify.texts import verify_text
from tests.conftest import WORLDCOVER_1024, need

COAST = [
    (True, "The northern half of the image is entirely open water."),
    (True, "Water dominates the scene, covering roughly 87% of it."),
    (True, "The sea occupies the whole top half."),
    (True, "Buildings are found along the southern edge."),
    (True, "A small settlement lies in the lower left part of the image."),
    (True, "There are no trees in the upper half."),
    (True, "No snow or ice is present."),
    (True, "The center of the image is covered only by water."),
    (True, "Grass patches are scattered in the south-west."),
    (True, "Built-up areas border the water in the south."),
    (True, "The developed area lies south of the water."),
    (True, "The urban area is located to the south of the sea."),
    (True, "Cropland is nearly absent."),
    (True, "Water makes up the vast majority of this scene."),
    (True, "About 7 percent of the area is built up."),
    (True, "Developed area covers an extra small part of the image."),
    (True, "Mangroves are absent from this scene."),
    (True, "The upper part of the image contains nothing but water."),
    (True, "Along the bottom edge, developed areas and grassland mix with a few trees."),
    (True, "There is no cropland in the northern half."),
    (False, "The image is dominated by forest."),
    (False, "Trees cover most of the image."),
    (False, "Dense forest fills the top left quadrant."),
    (False, "The entire scene is water."),
    (False, "Only water is visible in the bottom left."),
    (False, "There is no developed area in the image."),
    (False, "Snow covers the northern part."),
    (False, "About 40% of the image is built-up area."),
    (False, "Water covers a medium portion of the image."),
    (False, "The developed area lies north of the water."),
    (False, "Cropland borders wetland."),
    (False, "The bottom half is completely covered by water."),
    (False, "There are no buildings in the south."),
    (False, "Grassland is the main land cover in the bottom left."),
    (False, "Water appears only in the top half."),
    (False, "The fourth image shows water."),
    (False, "As in the previous images, water dominates."),
    (False, "Built-up areas occupy a large portion of the image."),
    (False, "Water forms three separate areas."),
    (False, "The lower right quadrant is made up exclusively of water."),
    (False, "Grassland is the only land cover in the image."),
    (True, "Water is the only land cover in the top half."),
    (True, "Water makes up the majority of the image."),
    (False, "Grass makes up the majority of the image."),
    (True, "The largest land cover class is water."),
    (False, "The largest land cover class is grass."),
    (True, "Water and developed areas are adjacent."),
    (False, "Crop and wetland share a border."),
    (True, "The developed area lies to the southwest of the water."),
    (False, "The developed area lies to the northeast of the water."),
    (False, "Compared with image 2, there is more water."),
    (False, "Across these images, water dominates."),
    (True, "Water occupies the largest share of the scene."),
    (False, "Grass occupies the largest share of the scene."),
    (True, "Grassland lies beside the developed area."),
]
FOREST = [
    (True, "This scene is largely forested, with grassland covering about a third of it."),
    (True, "Trees make up roughly two thirds of the image."),
    (True, "The western half is mostly tree cover."),
    (True, "Grassland is most extensive in the bottom right."),
    (True, "In the lower right quadrant, grass slightly outweighs trees."),
    (True, "Forest and grassland are interspersed, sharing long boundaries."),
    (True, "A few small built-up patches are scattered throughout."),
    (True, "Scattered buildings appear in the east."),
    (True, "There is no water in this image."),
    (True, "No wetlands, mangroves or water bodies can be seen."),
    (True, "The landscape is predominantly wooded."),
    (True, "Trees are the dominant land cover in every quadrant except the bottom right."),
    (True, "The southwest corner is almost entirely forest."),
    (True, "Crop fields are rare, covering less than 1% of the image."),
    (
        True,
        "The image shows tree (large), grass (medium), developed area (extra small) and crop "
        "(extra small).",
    ),
    (
        True,
        "In the top right, tree takes up a large part, followed by grass (medium) and developed "
        "area (extra small).",
    ),
    (True, "Tree cover is fragmented into 19 patches."),
    (True, "Developed area occurs in five separate patches."),
    (False, "Grass is located mostly to the south of the cropland."),
    (True, "Trees and grass meet along a shared edge."),
    (False, "Water covers the northeast corner."),
    (False, "The image is mostly grassland."),
    (False, "Grassland dominates the top left."),
    (False, "There is no grass in the center."),
    (False, "The whole image is forested."),
    (False, "Trees cover the entire southwest quadrant."),
    (False, "Grass takes up a large part of the image."),
    (False, "Tree covers about 30% of the image."),
    (False, "Crop fields form a single compact area."),
    (False, "The built-up area borders the cropland."),
    (False, "Grass lies to the north of the cropland."),
    (False, "In the center, only tree is present."),
    (False, "The bottom left mainly contains grass (large portion)."),
    (False, "Unlike the first image, this one has more forest."),
    (False, "Bare land covers a small part of the top right."),
    (False, "The eastern half is dominated by developed areas."),
    (False, "Forest is absent from the northern half."),
    (False, "Developed areas take up a medium fraction of the scene."),
    (False, "Mangroves line the southern edge."),
    (False, "The top left quadrant is exclusively forest."),
]


@pytest.fixture(scope="module")
def patches() -> dict[str, PatchFacts]:
    return tile_facts(str(need(WORLDCOVER_1024)), "worldcover", 256)


@pytest.mark.parametrize(
    ("key", "truth", "text"),
    [("r0_c512", t, s) for t, s in COAST] + [("r0_c0", t, s) for t, s in FOREST],
)
def test_hand_labelled_sentence(
    patches: dict[str, PatchFacts], key: str, truth: bool, text: str
) -> None:
    verdict = verify_text({"type": "caption", "text": text}, patches[key], fix=False)
    assert bool(verdict.findings) != truth, [f.to_dict() for f in verdict.findings]
