"""``eotext bench``: score model outputs with the community's metrics, and tabulate models.

A thin shell over :mod:`eotext.bench.files`: each command reads its options, calls one library
function, writes the result and prints a summary. The file formats are documented in each
command's help (and so in docs/cli.md) and in :mod:`eotext.bench.formats`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from eotext.bench.boxes import BOX_CONVENTIONS
from eotext.errors import BenchInputError

if TYPE_CHECKING:
    from eotext.bench.report import Report

_FILE = click.Path(dir_okay=False, path_type=Path)
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)

refs_option = click.option(
    "--refs", required=True, type=_EXISTING, help="Reference file (format above)."
)
pred_option = click.option(
    "--pred", required=True, type=_EXISTING, help="The model's predictions (format above)."
)
preds_option = click.option(
    "--pred",
    "preds",
    required=True,
    multiple=True,
    metavar="[NAME=]FILE",
    help="A model's predictions file; repeat for each model. NAME labels its row "
    "(default: the file name without suffix).",
)
out_option = click.option(
    "-o", "--out", type=_FILE, help="Write the scores here as JSON (scores.json)."
)
partial_option = click.option(
    "--allow-partial",
    is_flag=True,
    help="Score only the items present in both files; the output counts those left out. "
    "Without it, any mismatch is an error.",
)
metrics_option = click.option(
    "--metrics",
    help="Comma-separated subset of bleu,meteor,rouge,cider,spice (default: all that can run "
    "here; SPICE only with --corenlp).",
)
corenlp_option = click.option(
    "--corenlp",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with stanford-corenlp-3.6.0.jar and stanford-corenlp-3.6.0-models.jar, "
    "which SPICE needs (or set EOTEXT_CORENLP). Never downloaded.",
)
spice_cache_option = click.option(
    "--spice-cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for SPICE's parse cache (speeds up repeated runs).",
)
empty_option = click.option(
    "--allow-empty",
    is_flag=True,
    help="Score empty predicted captions (as empty) instead of stopping.",
)
answers_option = click.option(
    "--answers",
    type=_EXISTING,
    help="RSVQA answers file; then --refs is the RSVQA questions file of the same split.",
)
box_option = click.option(
    "--box-format",
    type=click.Choice(["auto", *BOX_CONVENTIONS]),
    default="auto",
    show_default=True,
    help="How boxes are written in the predicted text.",
)
iou_option = click.option(
    "--iou",
    "threshold",
    type=float,
    default=0.5,
    show_default=True,
    help="IoU at or above which a box counts as found (Acc@IoU).",
)
report_out_option = click.option(
    "-o",
    "--out",
    type=_FILE,
    help="Write the table here; .md, .csv or .json (default: Markdown on stdout).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "csv", "json"]),
    help="Table format (default: from the suffix of --out).",
)
digits_option = click.option(
    "--digits", type=int, default=3, show_default=True, help="Decimals in Markdown tables."
)

_CAPTION_FORMATS = """
\b
--refs  COCO captions format (an image may carry a "category"):
          {"images": [{"id": 1, "category": "beach"}, ...],
           "annotations": [{"image_id": 1, "caption": "..."}, ...]}
--pred  COCO results format, one caption per image:
          [{"image_id": 1, "caption": "..."}, ...]
"""
_VQA_FORMATS = """
\b
--refs  [{"question_id": 1, "answer": "yes", "type": "yes/no",
          "category": "presence", "choices": [...], "question": "..."}]
        type is yes/no, number, multiple_choice or open (inferred when
        absent); or an RSVQA questions file with --answers.
--pred  [{"question_id": 1, "answer": "Yes, there is a river."}]
        the model's raw text: yes/no and numbers (digits or words) are
        read from it, choice letters from "B", "(B)", "Answer: B", ...
"""
_REFERRING_FORMATS = """
\b
--refs  [{"ref_id": 1, "box": [x_min, y_min, x_max, y_max], "width": 256,
          "height": 256, "category": "water", "expression": "..."}]
        box in pixels; width/height are needed for relative boxes.
--pred  [{"ref_id": 1, "answer": "<model text with a box>"}]
        or [{"ref_id": 1, "box": [x_min, y_min, x_max, y_max]}] in pixels.
        Boxes in text: GeoChat {<x1><y1><x2><y2>} (0-100, |<angle> ignored),
        Qwen-VL <box>(x1,y1),(x2,y2)</box> (0-1000), plain [x1, y1, x2, y2]
        (pixels). A text without a box scores IoU 0 and is counted as unparsed.
"""


_F = TypeVar("_F", bound=Callable[..., Any])


def _doc(text: str) -> Callable[[_F], _F]:
    """Put a file-format block, declared once, where a command's docstring says FORMATS."""

    def decorate(f: _F) -> _F:
        block = textwrap.indent(text.strip("\n"), "    ")
        f.__doc__ = (f.__doc__ or "").replace("    FORMATS", block)
        return f

    return decorate


@click.group()
def bench() -> None:
    """Score model outputs against references with the community's metrics.

    Captions are scored exactly as pycocoevalcap 1.2 scores them (BLEU-1..4, METEOR, ROUGE-L,
    CIDEr-D, and SPICE with user-supplied CoreNLP jars), VQA answers by accuracy per answer type
    and category, referring expressions by Acc@0.5 and mean IoU. `score` scores one model;
    `report` tabulates several.
    """


@bench.command(name="run")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--base-url", required=True, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1."
)
@click.option("--model", required=True, help="Model name the endpoint knows.")
@click.option(
    "--api-key-env",
    default="OPENAI_API_KEY",
    show_default=True,
    help="Environment variable holding the API key (never logged or written).",
)
@click.option(
    "--style",
    default="detailed",
    show_default=True,
    help="Which of the dataset's captions are the references.",
)
@click.option("--split", help="Only patches of this split (e.g. test or bench).")
@click.option(
    "--instruction", default="Describe this satellite image in detail.", show_default=True
)
@click.option(
    "--text-only",
    is_flag=True,
    help="Send no image (for text-only endpoints; tests the plumbing, not the model).",
)
@click.option("--concurrency", type=int, default=8, show_default=True)
@click.option("--max-tokens", type=int, default=300, show_default=True)
@click.option(
    "--include-flagged",
    is_flag=True,
    help="Also use captions flagged by a check or rejected by a reviewer as references.",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for references.json, <model>.json and the response cache.",
)
def run_command(
    dataset: Path, base_url: str, model: str, api_key_env: str, style: str, split: str | None,
    instruction: str, text_only: bool, concurrency: int, max_tokens: int, include_flagged: bool,
    out_dir: Path,
) -> None:  # fmt: skip
    """Caption every patch of DATASET with a model and write COCO files to score.

    Each patch's preview goes to the endpoint with the instruction; the dataset's captions of
    --style become references.json (COCO captions) and the answers <model>.json (COCO results).
    Answers are cached as they arrive, so a rerun sends nothing already answered. Then:
    `eotext bench report caption --refs OUT/references.json --pred NAME=OUT/<model>.json`.
    Captions whose status is flagged or rejected are not references unless --include-flagged.
    """
    import os

    from eotext.bench.runner import DatasetRows, RunSettings, run_captions
    from eotext.clients.chat import ClientSettings
    from eotext.store.tables import read_tables

    client = ClientSettings(
        base_url, model, api_key=os.environ.get(api_key_env), concurrency=concurrency
    )
    settings = RunSettings(style, split, instruction, not text_only, max_tokens)
    tables = read_tables(dataset, include_flagged=include_flagged)
    rows = DatasetRows(dataset, tables.patches, tables.texts)
    r = run_captions(rows, client, settings, out_dir)
    click.echo(
        f"{r.predictions}: {r.answered} of {r.patches} patches answered ({r.failed} failed; "
        f"{r.sent} requests sent, {r.cached} from cache); references: {r.references}"
    )


@bench.group()
def score() -> None:
    """Score one model's predictions file and write the scores as JSON."""


@bench.group()
def report() -> None:
    """Tabulate several models' scores (Markdown, CSV or JSON), overall and per category."""


@score.command("caption")
@pred_option
@refs_option
@out_option
@metrics_option
@corenlp_option
@spice_cache_option
@partial_option
@empty_option
@_doc(_CAPTION_FORMATS)
def score_caption(
    pred: Path,
    refs: Path,
    out: Path | None,
    metrics: str | None,
    corenlp: Path | None,
    spice_cache: Path | None,
    allow_partial: bool,
    allow_empty: bool,
) -> None:
    """Caption metrics, exactly as pycocoevalcap 1.2 computes them.

    FORMATS

    The JSON holds pycocoevalcap's keys (Bleu_1..Bleu_4, METEOR, ROUGE_L, CIDEr, SPICE) with the
    corpus scores, then `coverage`, `by_category` (each category scored as its own corpus) and
    `per_image`. Needs Java and pycocoevalcap 1.2 (pip install 'eotext[bench]').

    \b
    Example:
      eotext bench score caption --pred results.json --refs captions.json -o scores.json
    """
    from eotext.bench.files import score_caption_file

    scores = score_caption_file(
        pred,
        refs,
        metrics=_metrics(metrics),
        corenlp=corenlp,
        spice_cache=spice_cache,
        allow_partial=allow_partial,
        allow_empty=allow_empty,
    )
    click.echo("  ".join(f"{k} {v:.3f}" for k, v in scores.corpus.items()))
    _finish(scores.coverage.describe("images"), scores.to_json(), out)
    for metric, why in scores.skipped.items():
        click.echo(f"eotext: note: {metric} not computed: {why}", err=True)
    for note in scores.notes:
        click.echo(f"eotext: warning: {note}", err=True)


@score.command("vqa")
@pred_option
@refs_option
@answers_option
@out_option
@partial_option
@_doc(_VQA_FORMATS)
def score_vqa(
    pred: Path, refs: Path, answers: Path | None, out: Path | None, allow_partial: bool
) -> None:
    """VQA accuracy overall, per answer type and per category.

    FORMATS

    \b
    Example:
      eotext bench score vqa --pred answers.json --refs questions.json -o scores.json
    """
    from eotext.bench.files import score_vqa_file

    scores = score_vqa_file(pred, refs, answers=answers, allow_partial=allow_partial)
    parts = [f"accuracy {scores.overall.value:.3f}"]
    parts += [f"{t} {a.value:.3f}" for t, a in scores.by_type.items()]
    click.echo("  ".join(parts) + f"  (unparsed answers: {len(scores.unparsed)})")
    _finish(scores.coverage.describe("questions"), scores.to_json(), out)


@score.command("referring")
@pred_option
@refs_option
@box_option
@iou_option
@out_option
@partial_option
@_doc(_REFERRING_FORMATS)
def score_referring(
    pred: Path,
    refs: Path,
    box_format: str,
    threshold: float,
    out: Path | None,
    allow_partial: bool,
) -> None:
    """Referring expressions: Acc@0.5 and mean IoU of the predicted boxes.

    FORMATS

    \b
    Example:
      eotext bench score referring --pred boxes.json --refs refs.json --box-format geochat
    """
    from eotext.bench.files import score_referring_file

    scores = score_referring_file(
        pred, refs, convention=box_format, threshold=threshold, allow_partial=allow_partial
    )
    click.echo(
        f"Acc@{threshold:g} {scores.overall.accuracy:.3f}  mean IoU {scores.overall.mean_iou:.3f}"
        f"  (texts without a box: {len(scores.unparsed)})"
    )
    _finish(scores.coverage.describe("expressions"), scores.to_json(), out)


@report.command("caption")
@preds_option
@refs_option
@report_out_option
@format_option
@digits_option
@metrics_option
@corenlp_option
@spice_cache_option
@partial_option
@empty_option
@_doc(_CAPTION_FORMATS)
def report_caption(
    preds: Sequence[str],
    refs: Path,
    out: Path | None,
    fmt: str | None,
    digits: int,
    metrics: str | None,
    corenlp: Path | None,
    spice_cache: Path | None,
    allow_partial: bool,
    allow_empty: bool,
) -> None:
    """Caption metrics of several models in one table (one METEOR JVM for all).

    FORMATS

    \b
    Example:
      eotext bench report caption --refs captions.json \\
          --pred gpt4v=gpt4v.json --pred llava=llava.json -o table.md
    """
    from eotext.bench.files import caption_report_of_files

    table = caption_report_of_files(
        _named(preds),
        refs,
        metrics=_metrics(metrics),
        corenlp=corenlp,
        spice_cache=spice_cache,
        allow_partial=allow_partial,
        allow_empty=allow_empty,
    )
    _emit(table, out, fmt, digits)


@report.command("vqa")
@preds_option
@refs_option
@answers_option
@report_out_option
@format_option
@digits_option
@partial_option
@_doc(_VQA_FORMATS)
def report_vqa(
    preds: Sequence[str],
    refs: Path,
    answers: Path | None,
    out: Path | None,
    fmt: str | None,
    digits: int,
    allow_partial: bool,
) -> None:
    """VQA accuracy of several models, per answer type and per category.

    FORMATS
    """
    from eotext.bench.files import vqa_report_of_files

    table = vqa_report_of_files(_named(preds), refs, answers=answers, allow_partial=allow_partial)
    _emit(table, out, fmt, digits)


@report.command("referring")
@preds_option
@refs_option
@box_option
@iou_option
@report_out_option
@format_option
@digits_option
@partial_option
@_doc(_REFERRING_FORMATS)
def report_referring(
    preds: Sequence[str],
    refs: Path,
    box_format: str,
    threshold: float,
    out: Path | None,
    fmt: str | None,
    digits: int,
    allow_partial: bool,
) -> None:
    """Acc@0.5 and mean IoU of several models, overall and per category.

    FORMATS
    """
    from eotext.bench.files import referring_report_of_files

    table = referring_report_of_files(
        _named(preds),
        refs,
        convention=box_format,
        threshold=threshold,
        allow_partial=allow_partial,
    )
    _emit(table, out, fmt, digits)


def _metrics(text: str | None) -> list[str] | None:
    return None if text is None else [m for m in text.split(",") if m.strip()]


def _named(preds: Sequence[str]) -> dict[str, Path]:
    """``NAME=FILE`` (or ``FILE``, named after its stem) → {name: path}, names unique."""
    named: dict[str, Path] = {}
    for item in preds:
        name, sep, path = item.partition("=")
        if not sep or not name or Path(item).exists():
            name, path = Path(item).stem, item
        if name in named:
            raise BenchInputError(
                f"two prediction files are named {name!r}; label them with NAME=FILE"
            )
        named[name] = Path(path)
    return named


def _finish(coverage: str, data: dict[str, Any], out: Path | None) -> None:
    from eotext.bench.formats import write_json

    click.echo(coverage)
    if out is not None:
        click.echo(f"wrote {write_json(data, out)}")


def _emit(table: Report, out: Path | None, fmt: str | None, digits: int) -> None:
    if out is None:
        click.echo(table.render(fmt or "markdown", digits), nl=False)
    else:
        click.echo(f"wrote {table.write(out, fmt, digits)}")
