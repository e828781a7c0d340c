"""``eotext bench`` end to end: the documented files in, scores and tables out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from tests.bench.conftest import RSVQA, CaptionCase, ReferenceRun
from tests.conftest import need


def _run(*args: str | Path) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


def test_every_bench_command_has_help() -> None:
    bench = cli.commands["bench"]
    assert isinstance(bench, click.Group)
    for path in _commands(bench, ("bench",)):
        result = _run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage: cli " + " ".join(path) in result.output
        command = cli.get_command(click.Context(cli), path[0])
        for name in path[1:]:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        assert command is not None and command.help and len(command.help.strip()) > 20, path


def test_format_help_is_in_the_commands() -> None:
    assert (
        '"annotations": [{"image_id": 1, "caption": "..."}'
        in _run("bench", "score", "caption", "--help").output
    )
    assert "<box>(x1,y1),(x2,y2)</box>" in _run("bench", "report", "referring", "--help").output
    assert "RSVQA questions file" in _run("bench", "score", "vqa", "--help").output


@pytest.mark.slow
def test_score_caption_writes_pycocoevalcaps_numbers(
    rsicd_case: CaptionCase, pycocoevalcap_run: ReferenceRun, tmp_path: Path
) -> None:
    out = tmp_path / "scores.json"
    result = _run(
        "bench",
        "score",
        "caption",
        "--pred",
        rsicd_case.pred_file,
        "--refs",
        rsicd_case.refs_file,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "scored 1093 images" in result.output and "SPICE not computed" in result.output
    scores = json.loads(out.read_text(encoding="utf-8"))
    for key, (corpus, per_image) in pycocoevalcap_run.scores.items():
        assert abs(scores[key] - corpus) <= 1e-6, key
        ours = {row["image_id"]: row[key] for row in scores["per_image"]}
        assert max(abs(ours[i] - per_image[i]) for i in per_image) <= 1e-6, key
    assert scores["coverage"]["left_out"] == 0 and "SPICE" in scores["skipped"]


def _small_caption_files(tmp_path: Path) -> tuple[Path, Path]:
    refs = _write(
        tmp_path / "refs.json",
        {
            "images": [
                {"id": 1, "category": "port"},
                {"id": 2, "category": "port"},
                {"id": 3, "category": "farm"},
            ],
            "annotations": [
                {"image_id": 1, "caption": "many boats are docked in a harbour"},
                {"image_id": 1, "caption": "boats in a port next to buildings"},
                {"image_id": 2, "caption": "a ship beside a long pier"},
                {"image_id": 3, "caption": "green fields divided into strips"},
                {"image_id": 3, "caption": "farmland with several fields"},
            ],
        },
    )
    pred = _write(
        tmp_path / "model.json",
        [
            {"image_id": 1, "caption": "boats are docked in a harbour"},
            {"image_id": 2, "caption": "a ship at a pier"},
        ],
    )
    return refs, pred


def test_partial_predictions_need_the_flag_and_are_counted(tmp_path: Path) -> None:
    refs, pred = _small_caption_files(tmp_path)
    common = ["bench", "score", "caption", "--pred", pred, "--refs", refs]
    common += ["--metrics", "bleu,cider"]
    result = _run(*common)
    assert result.exit_code == 1
    assert "1 reference images have no prediction (e.g. 3)" in result.output
    assert "--allow-partial" in result.output
    out = tmp_path / "scores.json"
    result = _run(*common, "--allow-partial", "-o", out)
    assert result.exit_code == 0, result.output
    assert "scored 2 images; left out 1 reference images without a prediction" in result.output
    scores = json.loads(out.read_text())
    assert scores["coverage"]["references_without_prediction"] == [3]
    assert set(scores) >= {"Bleu_1", "Bleu_4", "CIDEr", "per_image", "by_category"}
    assert "METEOR" not in scores and scores["by_category"]["port"]["images"] == 2


@pytest.mark.parametrize(
    ("predictions", "message"),
    [
        ([{"image_id": 1, "caption": ""}], "1 predictions are empty (e.g. image 1)"),
        (
            [{"image_id": 1, "caption": "a"}, {"image_id": 1, "caption": "b"}],
            "keep one prediction per image",
        ),
        ([{"image_id": "1", "caption": "a"}], "the ids are str in the predictions but int"),
        ([{"image_id": 9, "caption": "a"}], "no prediction matches a reference image"),
    ],
)
def test_bad_caption_input_is_one_clear_line(
    tmp_path: Path, predictions: list[dict[str, Any]], message: str
) -> None:
    refs, _ = _small_caption_files(tmp_path)
    pred = _write(tmp_path / "bad.json", predictions)
    result = _run(
        "bench",
        "score",
        "caption",
        "--pred",
        pred,
        "--refs",
        refs,
        "--metrics",
        "bleu",
        "--allow-partial",
    )
    assert result.exit_code == 1
    assert result.output.startswith("eotext: error: ") and message in result.output


def test_java_missing_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refs, pred = _small_caption_files(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = _run("bench", "score", "caption", "--pred", pred, "--refs", refs, "--allow-partial")
    assert result.exit_code == 1 and "eotext: error: Java was not found" in result.output


def test_spice_without_corenlp_is_an_error_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EOTEXT_CORENLP", raising=False)
    refs, pred = _small_caption_files(tmp_path)
    result = _run(
        "bench",
        "score",
        "caption",
        "--pred",
        pred,
        "--refs",
        refs,
        "--metrics",
        "spice",
        "--allow-partial",
    )
    assert result.exit_code == 1 and "does not download" in result.output


def test_report_caption_across_models(tmp_path: Path) -> None:
    refs, pred = _small_caption_files(tmp_path)
    other = _write(
        tmp_path / "other.json",
        [
            {"image_id": 1, "caption": "a field"},
            {"image_id": 2, "caption": "boats"},
            {"image_id": 3, "caption": "fields divided into strips"},
        ],
    )
    args = [
        "bench",
        "report",
        "caption",
        "--refs",
        refs,
        "--pred",
        f"first={pred}",
        "--pred",
        other,
        "--metrics",
        "bleu,rouge,cider",
        "--allow-partial",
    ]
    result = _run(*args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "| Model | images | BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | ROUGE-L | CIDEr |"
    assert lines[2].startswith("| first | 2 |") and lines[3].startswith("| other | 3 |")
    assert "| other | farm | 1 |" in result.output
    result = _run(*args, "-o", tmp_path / "table.csv")
    assert result.exit_code == 0 and "wrote" in result.output
    assert (tmp_path / "table.csv").read_text().startswith("model,category,images,Bleu_1")
    clash = _run(
        "bench",
        "report",
        "caption",
        "--refs",
        refs,
        "--pred",
        f"x={pred}",
        "--pred",
        f"x={other}",
        "--metrics",
        "bleu",
    )
    assert clash.exit_code == 1 and "two prediction files are named 'x'" in clash.output


def test_score_and_report_vqa_on_rsvqa(tmp_path: Path) -> None:
    folder = need(RSVQA)
    questions = folder / "LR_split_val_questions.json"
    answers = folder / "LR_split_val_answers.json"
    qs = [q for q in json.loads(questions.read_text())["questions"] if q["active"]]
    truth = {a["question_id"]: a["answer"] for a in json.loads(answers.read_text())["answers"]}
    pred = _write(
        tmp_path / "answers.json",
        [{"question_id": q["id"], "answer": f"{truth[q['id']]}."} for q in qs],
    )
    out = tmp_path / "vqa.json"
    result = _run(
        "bench",
        "score",
        "vqa",
        "--pred",
        pred,
        "--refs",
        questions,
        "--answers",
        answers,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "accuracy 1.000" in result.output and f"scored {len(qs)} questions" in result.output
    scores = json.loads(out.read_text())
    assert set(scores["by_category"]) == {q["type"] for q in qs}
    table = _run(
        "bench",
        "report",
        "vqa",
        "--refs",
        questions,
        "--answers",
        answers,
        "--pred",
        f"echo={pred}",
    )
    assert table.exit_code == 0 and "| echo |" in table.output


def test_score_and_report_referring(tmp_path: Path) -> None:
    refs = _write(
        tmp_path / "refs.json",
        [
            {
                "ref_id": 1,
                "box": [0, 0, 128, 128],
                "width": 256,
                "height": 256,
                "category": "water",
            },
            {
                "ref_id": 2,
                "box": [128, 128, 256, 256],
                "width": 256,
                "height": 256,
                "category": "crop",
            },
        ],
    )
    geochat = _write(
        tmp_path / "geochat.json",
        [
            {"ref_id": 1, "answer": "{<0><0><50><50>|<0>}"},
            {"ref_id": 2, "answer": "I cannot find it."},
        ],
    )
    out = tmp_path / "s.json"
    result = _run("bench", "score", "referring", "--pred", geochat, "--refs", refs, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Acc@0.5 0.500  mean IoU 0.500  (texts without a box: 1)" in result.output
    assert json.loads(out.read_text())["Acc@0.5"] == 0.5
    table = _run(
        "bench", "report", "referring", "--refs", refs, "--pred", geochat, "--format", "json"
    )
    rows = json.loads(table.output)["rows"]
    assert rows[0] == {
        "model": "geochat",
        "category": "all",
        "expressions": 2,
        "Acc@0.5": 0.5,
        "mean_iou": 0.5,
    }
