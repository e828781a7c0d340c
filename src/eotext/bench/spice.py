"""SPICE 1.0 as pycocoevalcap 1.2 runs it, with Stanford CoreNLP 3.6.0 jars the user supplies.

pycocoevalcap's ``Spice`` downloads CoreNLP into its package folder when the jars are absent,
and writes its input, output and cache there. eotext never downloads: it looks for the two jars
(``stanford-corenlp-3.6.0.jar`` and ``stanford-corenlp-3.6.0-models.jar``, from
``stanford-corenlp-full-2015-12-09.zip``) in the folder the user names, in ``$EOTEXT_CORENLP``,
and in pycocoevalcap's ``spice/lib`` (where pycocoevalcap itself would have put them), and runs
SPICE on the same tokenized captions with the same options (``-Xmx8G -subset -silent``) from a
temporary folder of its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eotext.bench.java import CaptionTools, locate_tools
from eotext.errors import ToolError, ToolNotFoundError

log = logging.getLogger(__name__)

#: The two jars SPICE needs and that cannot be downloaded here.
CORENLP_JARS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")
#: Environment variable naming a folder that holds :data:`CORENLP_JARS`.
CORENLP_ENV = "EOTEXT_CORENLP"

MISSING_CORENLP = (
    "SPICE needs Stanford CoreNLP 3.6.0 ({}, {} from stanford-corenlp-full-2015-12-09.zip), which "
    "eotext does not download; put both jars in a folder and pass it with --corenlp DIR (or "
    f"corenlp=DIR, or set {CORENLP_ENV}=DIR)"
).format(*CORENLP_JARS)


@dataclass(frozen=True)
class SpiceResult:
    """SPICE's corpus score (mean of the per-image F-scores) and per-image F-scores."""

    corpus: float
    per_image: tuple[float, ...]


def find_corenlp(
    folder: str | Path | None = None, tools: CaptionTools | None = None
) -> Path | None:
    """The folder holding both CoreNLP 3.6.0 jars, or None when there is none.

    Looks in ``folder``, then ``$EOTEXT_CORENLP``, then pycocoevalcap's ``spice/lib``.

    Raises:
        ToolNotFoundError: ``folder`` was given but lacks a jar (a typo should not pass silently).
    """
    if folder is not None:
        missing = [j for j in CORENLP_JARS if not (Path(folder) / j).is_file()]
        if missing:
            raise ToolNotFoundError(f"{folder}: {', '.join(missing)} not found; {MISSING_CORENLP}")
        return Path(folder)
    candidates = [os.environ.get(CORENLP_ENV)]
    with contextlib.suppress(ToolNotFoundError, ImportError):  # no pycocoevalcap: no lib/
        candidates.append(str((tools or locate_tools()).spice_lib))
    for c in candidates:
        if c and all((Path(c) / j).is_file() for j in CORENLP_JARS):
            return Path(c)
    return None


def spice_command(
    tools: CaptionTools, corenlp: Path, in_file: Path, out_file: Path, cache: Path | None = None
) -> list[str]:
    """The Java command line: SPICE's jar (whose manifest brings its own lib/) plus CoreNLP."""
    classpath = os.pathsep.join(
        str(p) for p in (tools.spice_jar, *(corenlp / j for j in CORENLP_JARS))
    )
    cmd = [
        tools.java,
        "-Xmx8G",
        "-cp",
        classpath,
        "edu.anu.spice.SpiceScorer",
        str(in_file),
        "-out",
        str(out_file),
        "-subset",
        "-silent",
    ]
    if cache is not None:
        cmd[6:6] = ["-cache", str(cache)]
    return cmd


def parse_spice_output(results: list[dict[str, Any]], n: int) -> SpiceResult:
    """Per-image ``All`` F-scores in input order, and their mean (NaN stays NaN, as upstream).

    Raises:
        ToolError: the output does not hold one result per image.
    """
    if len(results) != n:
        raise ToolError(f"SPICE returned {len(results)} results for {n} images")
    by_id = {int(r["image_id"]): r["scores"]["All"]["f"] for r in results}
    per_image = tuple(_as_float(by_id[i]) for i in range(n))
    return SpiceResult(corpus=float(np.mean(np.array(per_image))), per_image=per_image)


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


class SpiceRun:
    """SPICE running on tokenized captions in the background; :meth:`result` waits for it.

    Starting and collecting are separate so SPICE runs while the other metrics are computed.
    Its input, output and working folder are a temporary folder, removed afterwards.
    """

    def __init__(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        corenlp: Path,
        tools: CaptionTools | None = None,
        cache: Path | None = None,
    ) -> None:
        tools = tools or locate_tools()
        self._n = len(hypotheses)
        self._work = tempfile.TemporaryDirectory(prefix="eotext-spice-")
        work = Path(self._work.name)
        self._out = work / "output.json"
        items = [
            {"image_id": i, "test": h, "refs": list(r)}
            for i, (h, r) in enumerate(zip(hypotheses, references, strict=True))
        ]
        (work / "input.json").write_text(json.dumps(items, indent=2))
        cmd = spice_command(tools, corenlp, work / "input.json", self._out, cache)
        log.debug("starting SPICE: %s", " ".join(cmd))
        self._proc = subprocess.Popen(
            cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    def result(self) -> SpiceResult:
        """Wait for SPICE and read its scores.

        Raises:
            ToolError: SPICE failed.
        """
        try:
            output, _ = self._proc.communicate()
            if self._proc.returncode != 0 or not self._out.is_file():
                tail = output.decode(errors="replace").strip()[-800:]
                raise ToolError(
                    f"SPICE failed (exit {self._proc.returncode}): {tail}; it needs about 8 GB of "
                    "memory and the CoreNLP 3.6.0 jars (not another version)"
                )
            return parse_spice_output(json.loads(self._out.read_text()), self._n)
        finally:
            self._work.cleanup()

    def cancel(self) -> None:
        """Stop SPICE and remove its files."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()
        self._work.cleanup()
