"""METEOR's line protocol is pycocoevalcap's; a dead JVM is reported, not hung on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eotext.bench.java import locate_tools
from eotext.bench.meteor import GC_OPTIONS, Meteor, score_line
from eotext.errors import ToolError


def test_score_line_sanitises_only_the_hypothesis() -> None:
    line = score_line("a ||| b  c", ["ref one", "ref ||| two"])
    assert line == "SCORE ||| ref one ||| ref ||| two ||| a b c"


def test_a_jvm_that_dies_is_a_tool_error_with_its_message(tmp_path: Path) -> None:
    bogus = tmp_path / "meteor-1.5.jar"
    bogus.write_bytes(b"not a jar")
    meteor = Meteor(replace(locate_tools(), meteor_jar=bogus))
    with meteor, pytest.raises(ToolError, match=r"METEOR stopped unexpectedly: .*jar"):
        meteor.statistics(["a cat"], [["a cat sat"]])


def test_close_is_idempotent_and_stops_the_process(tmp_path: Path) -> None:
    bogus = tmp_path / "meteor-1.5.jar"
    bogus.write_bytes(b"")
    meteor = Meteor(replace(locate_tools(), meteor_jar=bogus))
    meteor.start()
    proc = meteor._proc
    meteor.close()
    meteor.close()
    assert proc is not None and proc.returncode is not None


@pytest.mark.slow
def test_a_caption_too_long_for_meteors_heap_is_named() -> None:
    huge = " ".join(["tree", "river", "road", "field"] * 50_000)
    with Meteor(locate_tools()) as meteor, pytest.raises(ToolError) as info:
        meteor.statistics(["a town", huge], [["a town by a river"], ["a town by a river"]])
    message = str(info.value)
    assert "ran out of its 2 GB Java heap aligning image #1" in message
    assert "200005 words" in message and "shorten" in message


def test_the_jvm_runs_pycocoevalcaps_command_with_gc_options_only(tmp_path: Path) -> None:
    bogus = tmp_path / "meteor-1.5.jar"
    bogus.write_bytes(b"")
    meteor = Meteor(replace(locate_tools(), meteor_jar=bogus))
    with meteor:
        assert meteor._proc is not None
        args = [str(a) for a in meteor._proc.args]
    assert [a for a in args if a not in GC_OPTIONS][1:] == [
        "-jar", "-Xmx2G", "meteor-1.5.jar", "-", "-", "-stdio", "-l", "en", "-norm"
    ]  # fmt: skip
    assert all(option.startswith(("-Xms", "-XX:")) for option in GC_OPTIONS)
