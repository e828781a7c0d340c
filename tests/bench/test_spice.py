"""SPICE runs only with user-supplied CoreNLP jars, from eotext's own folder, never downloading."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from eotext.bench.java import locate_tools
from eotext.bench.spice import (
    CORENLP_ENV,
    CORENLP_JARS,
    find_corenlp,
    parse_spice_output,
    spice_command,
)
from eotext.errors import ToolError, ToolNotFoundError


def _jars(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for name in CORENLP_JARS:
        (folder / name).write_bytes(b"")
    return folder


def test_corenlp_from_a_folder_the_environment_or_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CORENLP_ENV, raising=False)
    assert find_corenlp() is None  # not bundled, and eotext does not download it
    folder = _jars(tmp_path / "corenlp")
    assert find_corenlp(folder) == folder
    monkeypatch.setenv(CORENLP_ENV, str(folder))
    assert find_corenlp() == folder


def test_a_named_folder_without_the_jars_is_an_error(tmp_path: Path) -> None:
    (tmp_path / CORENLP_JARS[0]).write_bytes(b"")
    with pytest.raises(ToolNotFoundError, match=r"stanford-corenlp-3\.6\.0-models\.jar not found"):
        find_corenlp(tmp_path)


def test_command_puts_corenlp_on_the_classpath_and_writes_outside_the_package(
    tmp_path: Path,
) -> None:
    tools = locate_tools()
    folder = _jars(tmp_path / "corenlp")
    cmd = spice_command(tools, folder, tmp_path / "in.json", tmp_path / "out.json", tmp_path / "c")
    assert "-jar" not in cmd and cmd[1] == "-Xmx8G"
    classpath = cmd[cmd.index("-cp") + 1]
    assert str(tools.spice_jar) in classpath and str(folder / CORENLP_JARS[1]) in classpath
    assert cmd[cmd.index("edu.anu.spice.SpiceScorer") + 1] == str(tmp_path / "in.json")
    assert cmd[-4:] == ["-out", str(tmp_path / "out.json"), "-subset", "-silent"]
    assert cmd[cmd.index("-cache") + 1] == str(tmp_path / "c")


def test_output_parsing_keeps_pycocoevalcaps_nan() -> None:
    results = [
        {"image_id": 1, "scores": {"All": {"f": None, "pr": 0.0, "re": 0.0}}},
        {"image_id": 0, "scores": {"All": {"f": 0.25}}},
    ]
    parsed = parse_spice_output(results, 2)
    assert parsed.per_image[0] == 0.25 and math.isnan(parsed.per_image[1])
    assert math.isnan(parsed.corpus)  # np.mean over a NaN, as pycocoevalcap
    assert parse_spice_output(results[1:], 1).corpus == 0.25
    with pytest.raises(ToolError, match="1 results for 2 images"):
        parse_spice_output(results[1:], 2)
