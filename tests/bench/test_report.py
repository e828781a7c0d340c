"""Reports: one row per model (and per model and category) in Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from eotext.bench.captions import CaptionScores
from eotext.bench.matching import Coverage
from eotext.bench.report import caption_report, vqa_report
from eotext.bench.vqa import VqaQuestion, score_vqa
from eotext.errors import BenchInputError


def _caption_scores(cider: float) -> CaptionScores:
    keys = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")
    corpus = {k: 0.5 for k in keys} | {"CIDEr": cider}
    return CaptionScores(
        image_ids=(1, 2, 3),
        corpus=corpus,
        per_image={k: (0.5, 0.5, 0.5) for k in keys},
        coverage=Coverage(3),
        by_category={"beach": {k: 0.25 for k in keys}},
        category_sizes={"beach": 2},
    )


def test_caption_table_like_chatearthnet() -> None:
    report = caption_report({"model-a": _caption_scores(1.2345), "model-b": _caption_scores(0.5)})
    md = report.to_markdown()
    header = "| Model | images | BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | METEOR | ROUGE-L | CIDEr |"
    assert md.splitlines()[0] == header
    assert "| model-a | 3 | 0.500 | 0.500 | 0.500 | 0.500 | 0.500 | 0.500 | 1.234 |" in md
    assert "| model-b | beach | 2 | 0.250 |" in md
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [(r["model"], r["category"]) for r in rows] == [
        ("model-a", "all"),
        ("model-a", "beach"),
        ("model-b", "all"),
        ("model-b", "beach"),
    ]
    assert float(rows[0]["CIDEr"]) == 1.2345
    data = report.to_json()
    assert data["columns"][-1] == "CIDEr" and data["rows"][0]["images"] == 3


def test_vqa_table_has_types_and_categories() -> None:
    questions = [VqaQuestion(1, "yes", category="presence"), VqaQuestion(2, "3", category="count")]
    report = vqa_report({"m": score_vqa(questions, {1: "yes", 2: "two"})})
    assert report.columns == ("accuracy", "yes/no", "number")
    md = report.to_markdown(digits=2)
    assert "| m | 2 | 0.50 | 1.00 | 0.00 |" in md and "| m | count | 1 | 0.00 |" in md


def test_write_by_suffix(tmp_path: Path) -> None:
    report = caption_report({"a": _caption_scores(1.0)})
    assert report.write(tmp_path / "t.md").read_text().startswith("| Model |")
    assert report.write(tmp_path / "t.csv").read_text().startswith("model,category,images")
    assert json.loads(report.write(tmp_path / "t.json").read_text())["task"] == "caption"
    with pytest.raises(BenchInputError, match=r"use \.md, \.csv or \.json"):
        report.write(tmp_path / "t.txt")
    assert report.write(tmp_path / "t.txt", "csv").read_text().startswith("model,")


def test_csv_cells_shaped_like_formulas_are_neutralised() -> None:
    report = caption_report({'=HYPERLINK("http://x")': _caption_scores(1.0)})
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert rows[0]["model"] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+2", "'=1+2"), ("+x", "'+x"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("-0.5", "-0.5"), ("+3", "+3"), ("fine", "fine"), ("", "")],
)  # fmt: skip
def test_csv_safe(cell: str, safe: str) -> None:
    from eotext.files import csv_safe

    assert csv_safe(cell) == safe
