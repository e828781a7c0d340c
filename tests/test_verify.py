"""Claims and checks against label patches, with ChatEarthNet's definitions, on real maps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eotext.cli.main import cli
from eotext.schemes import get_scheme
from eotext.verify.audit import history
from eotext.verify.corpus import make_corpus, measure
from eotext.verify.facts import accepted_size_words, facts_from_array, size_word
from eotext.verify.fixes import auto_fix
from eotext.verify.folder import verify_folder
from eotext.verify.texts import verify_text
from tests.conftest import DATA, WORLDCOVER_1024, WORLDCOVER_TILE, need
from tests.verify_data import real_patches

WC = get_scheme("worldcover")
TREE, GRASS, WATER, BUILT = 10, 30, 80, 50


def _facts(arr: np.ndarray) -> object:
    return facts_from_array(arr.astype(np.uint8), WC)


def _kinds(text: str, arr: np.ndarray) -> list[str]:
    v = verify_text({"type": "caption", "text": text}, _facts(arr), fix=False)  # type: ignore[arg-type]
    return [f.kind for f in v.findings]


@pytest.fixture()
def two_halves() -> np.ndarray:
    """Left half tree, right half water, a 5×5 grass block (25 px) in the top right."""
    a = np.full((40, 40), TREE)
    a[:, 20:] = WATER
    a[2:7, 30:35] = GRASS
    return a


def test_chatearthnet_size_words_and_visibility() -> None:
    # int(round(share, 2) * 100): 0.7996 rounds to 80 % → extra large, where floor says large.
    assert size_word(0.7996) == "extra large"
    assert size_word(0.0951) == "small" and size_word(0.0949) == "extra small"
    assert {"large", "extra large"} <= accepted_size_words(0.7996)  # the bin-edge tolerance
    assert "medium" not in accepted_size_words(0.7996)
    a = np.full((20, 20), TREE)
    a[0, :20] = GRASS  # exactly 20 px: visible (counts >= 20)
    assert _kinds("There is grass in the image.", a) == []
    assert _kinds("There is no grass in the image.", a) == ["absence"]
    a[0, 0] = TREE  # 19 px: not visible
    assert _kinds("There is grass in the image.", a) == ["presence"]
    assert _kinds("Tree covers the entire scene.", a) == []


def test_claims_of_every_kind(two_halves: np.ndarray) -> None:
    a = two_halves
    assert _kinds("Tree covers the entire scene.", a) == ["exclusivity"]
    assert _kinds("The left half is entirely forest.", a) == []
    assert _kinds("The top right is entirely water.", a) == ["exclusivity"]
    assert _kinds("In the bottom right, only water is present.", a) == []
    assert _kinds("The image is dominated by trees.", a) == []  # 49.2 % vs water 47.7 %
    assert _kinds("The scene is mostly grassland.", a) == ["dominance"]
    assert _kinds("There are no buildings in the image.", a) == []
    assert _kinds("Developed area lies in the top left.", a) == ["presence"]
    assert _kinds("There is no grass in the northeast.", a) == ["absence"]
    assert _kinds("Water covers a medium portion of the image.", a) == []
    assert _kinds("Water covers a small portion of the image.", a) == ["size"]
    assert _kinds("About 48% of the image is water.", a) == []
    assert _kinds("About 80% of the image is water.", a) == ["percent"]
    assert _kinds("Roughly half of the scene is water.", a) == []
    assert _kinds("Grass forms one compact area in the top right.", a) == []
    assert _kinds("Grass is split into 3 separate patches.", a) == ["count"]
    assert _kinds("Tree directly borders water.", a) == []
    assert _kinds("Grass borders trees.", a) == ["adjacency"]
    assert _kinds("Water lies to the east of the forest.", a) == []
    assert _kinds("Water lies to the west of the forest.", a) == ["direction"]
    assert _kinds("Water has its largest share in the bottom right.", a) == []
    assert _kinds("Tree is concentrated in the bottom right.", a) == ["main_place"]
    assert _kinds("Similarly, the fourth image shows water.", a) == ["cross_image", "cross_image"]


def test_scope_follows_the_clause(two_halves: np.ndarray) -> None:
    # The place belongs to its own clause; the dominance claim is about the whole image.
    assert _kinds("Trees dominate, with some grassland in the north-east.", two_halves) == []
    assert (
        _kinds(
            "In the top right, water takes up an extra large part, then grass (extra small).",
            two_halves,
        )
        == []
    )
    assert _kinds("In the bottom left, water takes up a large part.", two_halves) == [
        "presence",
        "size",
    ]


def test_llm_phrasings(two_halves: np.ndarray) -> None:
    a = two_halves
    # Not a cross-image reference: a comparison with other classes.
    assert _kinds("Tree is a very large portion compared to other land cover types.", a) == ["size"]
    assert _kinds("Water covers a medium portion compared to the other images.", a) == [
        "cross_image"
    ]
    # "only X and Y": both are allowed.
    assert _kinds("The top right consists only of water and grass.", a) == []
    assert _kinds("The top right consists only of water.", a) == ["exclusivity"]
    # A size word in parentheses takes the place of its own clause, not the first one.
    assert (
        _kinds(
            "The top left holds tree (extra large part), while the bottom right mainly "
            "contains water (extremely large fraction).",
            a,
        )
        == []
    )
    assert _kinds("The left half is almost entirely forest.", a) == []  # a hedge, not "only"
    assert _kinds("There isn't any water in the western half.", a) == []
    assert _kinds("Less than 5% of the image is grass.", a) == []
    assert _kinds("More than half of the scene is grassland.", a) == ["percent"]


def test_certain_fixes_keep_meaning() -> None:
    text, rules = auto_fix(
        "The fourth image shows dense forest. Similarly, water lies in the north, with a "
        "larger extent than in the other images."
    )
    assert text == "This image shows dense forest. Water lies in the north."
    assert rules == ("ordinal_image_to_this_image", "drop_similarly", "drop_comparative_clause")
    assert auto_fix("Water lies in the north.") == ("Water lies in the north.", ())


@st.composite
def blocky_maps(draw: st.DrawFn) -> np.ndarray:
    """Label maps made of blocks (so classes form components), 2–4 WorldCover classes."""
    classes = draw(
        st.lists(st.sampled_from([10, 30, 40, 50, 80]), min_size=2, max_size=4, unique=True)
    )
    cells = draw(st.integers(2, 6))
    grid = np.array(
        draw(st.lists(st.sampled_from(classes), min_size=cells * cells, max_size=cells * cells))
    ).reshape(cells, cells)
    side = 60 // cells
    return np.kron(grid, np.ones((side, side), dtype=int))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocky_maps())
def test_property_true_claims_pass_and_false_claims_are_caught(arr: np.ndarray) -> None:
    facts = _facts(arr)
    corpus = make_corpus({"p": facts}, seed=1)  # type: ignore[dict-item]
    _, results = measure(corpus, {"p": facts})  # type: ignore[dict-item]
    wrong = [(item.kind, item.text, item.true) for item, flagged in results if flagged == item.true]
    assert not wrong


def test_quality_on_real_label_patches() -> None:
    patches = real_patches(need(DATA))
    assert len(patches) >= 30
    quality, _ = measure(make_corpus(patches), patches)
    assert len(quality) >= 10
    for kind, q in quality.items():
        assert q.recall >= 0.95, (kind, q)
        assert q.false_flag_rate <= 0.05, (kind, q)


def _exclusivity_truth(caption: str, labels: np.ndarray) -> list[bool]:
    """Independent truth of each exclusivity sentence of a template caption ("entirely",
    "only", "alone", "nothing but", "the whole / entire"): no other class with >= 20 px in the
    region, half or centre the sentence names (ChatEarthNet's slices), else in the image."""
    h, w = labels.shape
    regions = {
        "top left": labels[: h // 2, : w // 2],
        "top right": labels[: h // 2, w // 2 :],
        "bottom left": labels[h // 2 :, : w // 2],
        "bottom right": labels[h // 2 :, w // 2 :],
        "center": labels[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4],
        "top": labels[: h // 2],
        "bottom": labels[h // 2 :],
        "left": labels[:, : w // 2],
        "right": labels[:, w // 2 :],
    }
    names = {
        "center": "center|middle|central part",
        "top": "(?:top|northern|upper) half",
        "bottom": "(?:bottom|southern|lower) half",
        "left": "(?:left|western) half",
        "right": "(?:right|eastern) half",
    }
    out = []
    for s in re.split(r"(?<=\.)\s+", caption):
        if not re.search(
            r"(?<!almost )\bentirely\b|\bonly\b|\balone\b|nothing but|\b(?:whole|entire)\b", s
        ):
            continue
        place = next(
            (k for k in ("top left", "top right", "bottom left", "bottom right") if k in s), None
        ) or next((k for k, pat in names.items() if re.search(pat, s)), None)
        part = regions[place] if place else labels
        _, counts = np.unique(part[part != 0], return_counts=True)
        out.append(int((counts >= 20).sum()) <= 1)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("held_out", [False, True])
def test_template_exclusivity_claims_found_on_real_builds(tmp_path: Path, held_out: bool) -> None:
    labels = need(WORLDCOVER_1024)
    if held_out:  # a window of the full tile elsewhere on São Tomé, not in the sample window
        src_path = need(WORLDCOVER_TILE)
        labels = tmp_path / "saotome_sw.tif"
        with rasterio.open(src_path) as src:
            col, row = ~src.transform @ (6.50, 0.30)
            window = rasterio.windows.Window(int(col), int(row), 1024, 1024)
            profile = {
                **src.profile,
                "width": 1024,
                "height": 1024,
                "transform": src.window_transform(window),
            }
            data = src.read(1, window=window)
        with rasterio.open(labels, "w", **profile) as dst:
            dst.write(data, 1)
    out = tmp_path / "wc"
    res = CliRunner().invoke(
        cli, ["-q", "build", "--labels", str(labels), "--scheme", "worldcover", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["verify", str(out)])
    assert res.exit_code == 0, res.output
    patches = {r["patch_id"]: r for r in pq.read_table(out / "patches.parquet").to_pylist()}
    false_claims = caught = true_flagged = 0
    for row in pq.read_table(out / "texts.parquet").to_pylist():
        with rasterio.open(out / patches[row["patch_id"]]["label_path"]) as src:
            arr = src.read(1)
        findings = [json.loads(f) for f in row["findings"] if f.startswith("{")]
        flagged = [f for f in findings if f["kind"] == "exclusivity"]
        truth = _exclusivity_truth(row["text"], arr)
        false_claims += truth.count(False)
        caught += min(len(flagged), truth.count(False))
        true_flagged += max(0, len(flagged) - truth.count(False))
        if not truth or all(truth):
            assert row["status"] != "flagged" or findings, row
        if any(t is False for t in truth):
            assert row["status"] == "flagged", row["text"]
    assert caught == false_claims
    assert true_flagged == 0


def test_verify_folder_statuses_fixes_and_audit(tmp_path: Path) -> None:
    import pyarrow as pa

    labels = need(WORLDCOVER_1024)
    out = tmp_path / "wc"
    assert (
        CliRunner()
        .invoke(
            cli, ["-q", "build", "--labels", str(labels), "--scheme", "worldcover", "-o", str(out)]
        )
        .exit_code
        == 0
    )
    table = pq.read_table(out / "texts.parquet")
    rows = table.to_pylist()
    rows[0]["text"] = "The fourth image shows " + rows[0]["text"][0].lower() + rows[0]["text"][1:]
    original = rows[0]["text"]
    rows[1]["text"] = "The whole image is covered by snow."
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), out / "texts.parquet")
    summary = verify_folder(out)
    assert summary.texts == 32 and summary.flagged >= 1
    after = {r["text_id"]: r for r in pq.read_table(out / "texts.parquet").to_pylist()}
    fixed = after[rows[0]["text_id"]]
    assert fixed["text"].startswith("This image shows")
    assert json.loads(fixed["meta"])["original_text"] == original
    assert fixed["status"] in ("auto_fixed", "flagged")
    bad = after[rows[1]["text_id"]]
    assert bad["status"] == "flagged" and bad["text"] == "The whole image is covered by snow."
    kinds = {json.loads(f)["kind"] for f in bad["findings"]}
    assert {"presence", "exclusivity"} <= kinds
    audit_fix = history(out, rows[0]["text_id"])[-1]
    assert audit_fix["action"] == "auto_fix" and audit_fix["rule"].startswith("ordinal")
    assert audit_fix["before"]["text"] == original
    # A rerun changes nothing and adds no audit rows; a person's decision is never overridden.
    n = len(history(out))
    assert verify_folder(out).changed == 0 and len(history(out)) == n


def test_cli_verify_external_texts(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    out = tmp_path / "wc"
    assert (
        CliRunner()
        .invoke(
            cli, ["-q", "build", "--labels", str(labels), "--scheme", "worldcover", "-o", str(out)]
        )
        .exit_code
        == 0
    )
    pid = pq.read_table(out / "patches.parquet").column("patch_id")[0].as_py()
    before = (out / "texts.parquet").read_bytes()
    texts = tmp_path / "model.jsonl"
    texts.write_text(
        json.dumps({"id": "m1", "patch_id": pid, "text": "Trees cover most of the image."})
        + "\n"
        + json.dumps({"id": "m2", "patch_id": pid, "text": "The image is entirely snow."})
        + "\n"
    )
    findings = tmp_path / "findings.jsonl"
    res = CliRunner().invoke(cli, ["verify", str(out), "--texts", str(texts), "-o", str(findings)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in findings.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["m1", "m2"]
    assert lines[0] == {"id": "m1", "findings": [], "status": "generated"}
    assert lines[1]["status"] == "flagged"
    f = lines[1]["findings"][0]
    assert set(f) == {"kind", "claim", "span", "expected", "found"}
    assert (out / "texts.parquet").read_bytes() == before  # the dataset is left unchanged
    texts.write_text(json.dumps({"id": "x", "patch_id": "nope", "text": "Water."}) + "\n")
    res = CliRunner().invoke(cli, ["verify", str(out), "--texts", str(texts), "-o", str(findings)])
    assert res.exit_code == 1 and "nope" in res.output and "Traceback" not in res.output
    texts.write_text('{"id": 1}\n')
    res = CliRunner().invoke(cli, ["verify", str(out), "--texts", str(texts), "-o", str(findings)])
    assert res.exit_code == 1 and "id, patch_id and text" in res.output


@pytest.mark.slow
def test_template_vqa_and_referring_pass_and_mutations_are_caught(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    out = tmp_path / "wc"
    res = CliRunner().invoke(
        cli,
        [
            "-q",
            "build",
            "--labels",
            str(labels),
            "--scheme",
            "worldcover",
            "-o",
            str(out),
            "--annotate",
            "caption,vqa,referring",
        ],
    )
    assert res.exit_code == 0, res.output
    from eotext.verify.folder import FactsCache

    facts = FactsCache(out)
    rows = pq.read_table(out / "texts.parquet").to_pylist()
    items = [r for r in rows if r["type"] in ("vqa", "referring")]
    assert len(items) > 200
    flagged = [r for r in items if verify_text(r, facts.get(r["patch_id"])).findings]
    assert not flagged, flagged[:3]
    flips = {"yes": "no", "no": "yes"}
    mutated = caught = 0
    for r in items:
        if (
            r["type"] == "vqa"
            and r["answer"] in flips
            and r["category"] in ("presence", "adjacency")
        ):
            m = {**r, "answer": flips[r["answer"]]}
        elif r["type"] == "vqa" and r["category"] == "counting":
            m = {**r, "answer": str(int(r["answer"]) + 3)}
        else:
            continue
        mutated += 1
        caught += bool(verify_text(m, facts.get(r["patch_id"])).findings)
    assert mutated > 20 and caught == mutated


def test_a_rebuild_keeps_reviewers_decisions(tmp_path: Path) -> None:
    """Resuming a build merges the texts again from its units; reviews must survive that."""
    from eotext.review.decisions import Decision, Decisions

    out = tmp_path / "wc"
    args = ["-q", "build", "--labels", str(need(WORLDCOVER_1024)), "--scheme", "worldcover"]
    assert CliRunner().invoke(cli, [*args, "-o", str(out)]).exit_code == 0
    rows = pq.read_table(out / "texts.parquet").to_pylist()
    rejected, edited = rows[0]["text_id"], rows[1]["text_id"]
    decisions = Decisions(out)
    decisions.apply(Decision(rejected, "reject", len(history(out, rejected)), "ana"))
    decisions.apply(
        Decision(edited, "edit", len(history(out, edited)), "ana", text="Tree cover, mostly.")
    )
    decisions.close()
    assert CliRunner().invoke(cli, [*args, "-o", str(out)]).exit_code == 0  # resumes, re-merges
    after = {r["text_id"]: r for r in pq.read_table(out / "texts.parquet").to_pylist()}
    assert after[rejected]["status"] == "rejected"
    assert after[edited]["status"] == "approved" and after[edited]["text"] == "Tree cover, mostly."


def test_verification_is_configurable(tmp_path: Path) -> None:
    """Builds verify by default; `--no-verify` (`[output] verify = false`) leaves it out."""
    args = ["-q", "build", "--labels", str(need(WORLDCOVER_1024)), "--scheme", "worldcover"]
    for name, extra in (("on", []), ("off", ["--no-verify"])):
        res = CliRunner().invoke(cli, [*args, *extra, "-o", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    assert "verify" in json.loads((tmp_path / "on" / "manifest.json").read_text())
    off = json.loads((tmp_path / "off" / "manifest.json").read_text())
    assert "verify" not in off and off["recipe"]["output"]["verify"] is False


def test_eotext_verify_updates_the_manifest_and_the_card(tmp_path: Path) -> None:
    import pyarrow as pa

    out = tmp_path / "wc"
    args = ["-q", "build", "--labels", str(need(WORLDCOVER_1024)), "--scheme", "worldcover"]
    assert CliRunner().invoke(cli, [*args, "-o", str(out)]).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["verify"]["flagged"] == 0
    table = pq.read_table(out / "texts.parquet")
    rows = table.to_pylist()
    rows[0]["text"] = "The whole image is covered by snow."
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), out / "texts.parquet")
    assert CliRunner().invoke(cli, ["verify", str(out)]).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["verify"]["flagged"] == 1
    assert "flagged 1" in (out / "DATACARD.md").read_text()


def test_texts_checked_as_units_are_written_equal_a_check_of_the_folder(tmp_path: Path) -> None:
    """A build checks each unit's texts against the label patches in memory; the result must
    be what checking the written folder gives: statuses, findings, fixes, counts, audit."""
    from tests.llm_stub import StubLLM

    answers = [
        "The image is almost entirely covered by snow and ice.",
        "Tree cover dominates; there is no water in the image.",
        "Tree cover dominates the image, with some built-up area.",
        "Tree cover fills most of the image.",
    ]

    def answer(body: dict[str, object]) -> str:  # the same answer to the same prompt
        return answers[len(json.dumps(body["messages"])) % len(answers)]

    labels = str(need(WORLDCOVER_1024))
    builds = {}
    with StubLLM(answer=answer) as stub:
        for name, extra in (("units", []), ("folder", ["--no-verify"])):
            recipe = tmp_path / f"{name}.toml"
            recipe.write_text(
                f'[grid]\npatch_size = 256\n[annotate]\nkinds = ["caption", "vqa", "llm"]\n'
                f'[annotate.llm]\nbase_url = "{stub.base_url}"\nmodel = "stub"\n'
                f"[output]\nunit_patches = 2\nworkers = 1\n"
                f'[[sources]]\nlabels = "{labels}"\nscheme = "worldcover"\n'
            )
            out = tmp_path / name
            res = CliRunner().invoke(cli, ["-q", "build", str(recipe), *extra, "-o", str(out)])
            assert res.exit_code == 0, res.output
            builds[name] = out
    summary = verify_folder(builds["folder"], who="eotext build")
    columns = ["text_id", "text", "status", "findings", "meta"]
    units = pq.read_table(builds["units"] / "texts.parquet", columns=columns).to_pylist()
    folder = pq.read_table(builds["folder"] / "texts.parquet", columns=columns).to_pylist()
    assert units == folder
    assert sum(r["status"] == "flagged" for r in units) >= 1
    counts = json.loads((builds["units"] / "manifest.json").read_text())["verify"]
    assert counts == {
        "texts": summary.texts,
        "claims": summary.claims,
        "flagged": summary.flagged,
        "auto_fixed": summary.auto_fixed,
        "findings": summary.by_kind,
    }
    changed = [(h["text_id"], h["after"]) for h in history(builds["units"])]
    assert sorted(changed) == sorted((h["text_id"], h["after"]) for h in history(builds["folder"]))
    # A build that resumes units built without checking checks their texts then.
    res = CliRunner().invoke(
        cli, ["-q", "build", str(tmp_path / "folder.toml"), "-o", str(builds["folder"])]
    )
    assert res.exit_code == 0, res.output
    resumed = json.loads((builds["folder"] / "manifest.json").read_text())["verify"]
    assert resumed == counts


def test_claims_of_repeated_sentences_keep_their_own_spans() -> None:
    """Sentence claims are cached; each occurrence must still point at its own words."""
    from eotext.verify.claims import _CONTINUATION, _SENTENCE, _sentence_claims, extract_claims
    from eotext.verify.lexicon import lexicon_for

    lex = lexicon_for(WC)
    first = "Tree cover makes up a large proportion of the top left section. "
    text = first + "It also holds some water. " + first + "There is no built-up area."
    claims = extract_claims(text, lex)
    assert claims and all(text[c.start : c.end] == c.text for c in claims)
    starts = [c.start for c in claims if c.kind == "presence" and c.text == "Tree cover"]
    assert starts == [0, text.rindex("Tree cover")]
    # The same claims a sentence-by-sentence pass without the cache finds.
    direct, scope = [], None
    for sm in _SENTENCE.finditer(text):
        inherited = scope if _CONTINUATION.match(sm.group(0)) else None
        found, scope = _sentence_claims(sm.group(0), sm.start(), lex, inherited)
        direct.extend(found)
    assert [(c.kind, c.start, c.text) for c in claims] == [
        (c.kind, c.start, c.text) for c in direct
    ]
