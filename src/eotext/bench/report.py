"""Tables of several models' scores, like ChatEarthNet's Table 2, in Markdown, CSV or JSON.

A report has one row per model with the overall scores and, when the references carry
categories, one row per model and category (each category scored on its own). CSV and JSON
hold every row (``category`` is ``all`` for the overall ones); Markdown shows the overall table
first and the per-category table after it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.bench.captions import METRICS, CaptionScores
from eotext.bench.referring import ReferringScores
from eotext.bench.vqa import ANSWER_TYPES, VqaScores
from eotext.errors import BenchInputError
from eotext.files import csv_safe

#: Report formats by file suffix.
FORMATS = {".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json"}

#: Column titles as papers print them (ChatEarthNet's Table 2).
TITLES = {
    "Bleu_1": "BLEU-1",
    "Bleu_2": "BLEU-2",
    "Bleu_3": "BLEU-3",
    "Bleu_4": "BLEU-4",
    "ROUGE_L": "ROUGE-L",
    "mean_iou": "mIoU",
}

OVERALL = "all"


@dataclass(frozen=True)
class ReportRow:
    """One model's scores overall (category ``all``) or in one category."""

    model: str
    category: str
    n: int
    values: Mapping[str, float]


@dataclass(frozen=True)
class Report:
    """Scores of several models on one task."""

    task: str
    unit: str
    columns: tuple[str, ...]
    rows: tuple[ReportRow, ...]

    def to_markdown(self, digits: int = 3) -> str:
        """An overall table, then a per-category table when there are categories."""
        overall = [r for r in self.rows if r.category == OVERALL]
        split = [r for r in self.rows if r.category != OVERALL]
        titles = [TITLES.get(c, c) for c in self.columns]
        parts = [
            _markdown(
                ["Model", self.unit, *titles],
                [[r.model, str(r.n), *self._cells(r, digits)] for r in overall],
                1,
            )
        ]
        if split:
            parts.append(
                _markdown(
                    ["Model", "Category", self.unit, *titles],
                    [[r.model, r.category, str(r.n), *self._cells(r, digits)] for r in split],
                    2,
                )
            )
        return "\n\n".join(parts) + "\n"

    def to_csv(self) -> str:
        """Every row: ``model, category, n, <metrics>`` (full precision)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["model", "category", self.unit, *self.columns])
        for r in self.rows:
            writer.writerow(
                [
                    csv_safe(r.model),
                    csv_safe(r.category),
                    r.n,
                    *(_csv(r.values.get(c)) for c in self.columns),
                ]
            )
        return out.getvalue()

    def to_json(self) -> dict[str, Any]:
        """``{"task", "columns", "rows": [{"model", "category", "n", <metrics>}]}``."""
        return {
            "task": self.task,
            "columns": list(self.columns),
            "rows": [
                {
                    "model": r.model,
                    "category": r.category,
                    self.unit: r.n,
                    **{c: _number(r.values.get(c)) for c in self.columns},
                }
                for r in self.rows
            ],
        }

    def render(self, fmt: str, digits: int = 3) -> str:
        """The report as ``markdown``, ``csv`` or ``json`` text."""
        if fmt == "markdown":
            return self.to_markdown(digits)
        if fmt == "csv":
            return self.to_csv()
        if fmt == "json":
            return json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n"
        raise BenchInputError(f"unknown report format {fmt!r}; choose markdown, csv or json")

    def write(self, path: str | Path, fmt: str | None = None, digits: int = 3) -> Path:
        """Write the report; the format follows the suffix (.md, .csv, .json) unless given."""
        p = Path(path)
        fmt = fmt or FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise BenchInputError(
                f"{p}: cannot tell the report format from the suffix; use .md, .csv or .json "
                "or pass --format"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.render(fmt, digits), encoding="utf-8")
        return p

    def _cells(self, row: ReportRow, digits: int) -> list[str]:
        return [_fmt(row.values.get(c), digits) for c in self.columns]


def caption_report(scores: Mapping[str, CaptionScores]) -> Report:
    """BLEU-1..4, METEOR, ROUGE-L, CIDEr (and SPICE) per model, overall and per category."""
    keys = [k for group in METRICS.values() for k in group]
    columns = tuple(k for k in keys if any(k in s.corpus for s in scores.values()))
    rows = []
    for model, s in scores.items():
        rows.append(ReportRow(model, OVERALL, len(s.image_ids), dict(s.corpus)))
        rows += [
            ReportRow(model, c, s.category_sizes[c], dict(v)) for c, v in s.by_category.items()
        ]
    return Report("caption", "images", columns, tuple(rows))


def vqa_report(scores: Mapping[str, VqaScores]) -> Report:
    """Accuracy overall and per answer type per model, then per category."""
    types = [t for t in ANSWER_TYPES if any(t in s.by_type for s in scores.values())]
    rows = []
    for model, s in scores.items():
        values = {"accuracy": s.overall.value, **{t: a.value for t, a in s.by_type.items()}}
        rows.append(ReportRow(model, OVERALL, s.overall.total, values))
        rows += [
            ReportRow(model, c, a.total, {"accuracy": a.value}) for c, a in s.by_category.items()
        ]
    return Report("vqa", "questions", ("accuracy", *types), tuple(rows))


def referring_report(scores: Mapping[str, ReferringScores]) -> Report:
    """Acc@threshold and mean IoU per model, overall and per category."""
    thresholds = {s.threshold for s in scores.values()}
    acc = f"Acc@{min(thresholds):g}" if len(thresholds) == 1 else "accuracy"
    rows = []
    for model, s in scores.items():
        for category, a in [(OVERALL, s.overall), *s.by_category.items()]:
            rows.append(
                ReportRow(model, category, a.total, {acc: a.accuracy, "mean_iou": a.mean_iou})
            )
    return Report("referring", "expressions", (acc, "mean_iou"), tuple(rows))


def _markdown(header: list[str], rows: list[list[str]], text_columns: int) -> str:
    """A Markdown table: text columns left-aligned, numbers right-aligned."""
    rule = [" --- "] * text_columns + [" ---: "] * (len(header) - text_columns)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return ""
    return "nan" if math.isnan(value) else f"{value:.{digits}f}"


def _csv(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else repr(float(value))


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)
