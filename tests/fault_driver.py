"""Kill a build at every write point, resume it, and compare with a clean build.

Run as ``python -m tests.fault_driver LABELS WORKDIR``; prints one JSON object. In the spirit
of SQLite's crash tests: every file eotext writes goes through ``os.replace`` (see
:mod:`eotext.files`), so the n-th call is the n-th write point. For each n, a forked child
builds with a hook that sends itself SIGKILL just before (``before``: the temporary file is
written, the target not yet replaced) or just after (``after``) that call; another child then
reruns the build normally and compares the folder with a clean build: both tables equal, the
same patch files with the same bytes, a complete manifest and no temporary file left.

Every build runs in a child process, so this process never starts a thread before a fork.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


def recipe(labels: str) -> Any:
    from eotext.config.recipe import AnnotateSpec, GridSpec, OutputSpec, Recipe, SourceSpec

    return Recipe(
        sources=(SourceSpec(labels=labels, scheme="worldcover"),),
        grid=GridSpec(patch_size=512),
        annotate=AnnotateSpec(kinds=("caption", "vqa")),
        output=OutputSpec(unit_patches=1, workers=1, write_previews=True),
    )


def _in_child(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``fn`` in a forked child; its result (or how it died) comes back as a dict."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            out = fn()
        except BaseException:
            out = {"traceback": traceback.format_exc()}
        os.write(w, json.dumps(out).encode())
        os.close(w)
        os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(b"".join(chunks) or b"{}")
    result["killed"] = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return result


def _hooked_build(labels: str, out: Path, kill_at: int, when: str) -> dict[str, Any]:
    from eotext.run.build import build_dataset

    real = os.replace
    calls = 0

    def replace(src: Any, dst: Any, **kw: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == kill_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst, **kw)
        if calls == kill_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace  # type: ignore[assignment]
    build_dataset(recipe(labels), out)
    return {"writes": calls}


def fingerprint(folder: Path) -> dict[str, Any]:
    """What must equal between a resumed and a clean build."""
    import pyarrow.parquet as pq

    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("images", "labels", "previews")
        for p in sorted((folder / sub).glob("*"))
    }
    return {
        "patches": pq.read_table(folder / "patches.parquet").to_pylist(),
        "texts": pq.read_table(folder / "texts.parquet").to_pylist(),
        "files": files,
    }


def _resume_and_compare(labels: str, out: Path, clean: Path) -> dict[str, Any]:
    from eotext.files import TMP_SUFFIX
    from eotext.run.build import build_dataset

    stale = [str(p) for p in out.rglob(f".*{TMP_SUFFIX}")]
    build_dataset(recipe(labels), out)
    left = [str(p) for p in out.rglob(f".*{TMP_SUFFIX}")]
    manifest = json.loads((out / "manifest.json").read_text())
    same = json.dumps(fingerprint(out), default=str) == json.dumps(fingerprint(clean), default=str)
    return {
        "stale_before": len(stale),
        "stale_after": len(left),
        "complete": manifest["complete"],
        "equal": same,
    }


def _warm_up() -> None:
    """Load, once and before any fork, what every build would load again: the modules
    imported on first use and the country and climate maps (seconds each)."""
    import shapely

    import eotext.report.summary
    import eotext.run.patch_files
    import eotext.text.templates
    import eotext.text.vqa  # noqa: F401
    from eotext.semantics.context import patch_context

    patch_context(shapely.Point(6.5, 0.3), None)


def main(labels: str, workdir: str, whens: list[str]) -> dict[str, Any]:
    from eotext.run.build import build_dataset

    _warm_up()

    work = Path(workdir)
    clean = work / "clean"
    first = _in_child(lambda: _hooked_build(labels, work / "count", 0, "never"))
    if "traceback" in first:
        return first
    _in_child(lambda: {"n": build_dataset(recipe(labels), clean).patches})
    points = int(first["writes"])
    results = []
    for when in whens:
        for k in range(1, points + 1):
            out = work / f"{when}-{k}"
            killed = _in_child(lambda: _hooked_build(labels, out, k, when))  # noqa: B023
            resumed = _in_child(lambda: _resume_and_compare(labels, out, clean))  # noqa: B023
            results.append({"point": k, "when": when, **resumed, "killed": killed["killed"]})
    return {"points": points, "results": results}


if __name__ == "__main__":
    whens = sys.argv[3].split(",") if len(sys.argv) > 3 else ["before", "after"]
    print(json.dumps(main(sys.argv[1], sys.argv[2], whens)))
