"""The command line: every command has help, --version works, flags reach the library."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from eotext import __version__
from eotext.cli.main import cli
from tests.conftest import WORLDCOVER_1024, need


def _commands() -> list[str]:
    return sorted(cli.commands)


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name in _commands():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        command = cli.commands[name]
        assert command.help and len(command.help.strip()) > 20, f"{name} has no real help text"


def test_version_and_top_level_help() -> None:
    runner = CliRunner()
    assert __version__ in runner.invoke(cli, ["--version"]).output
    out = runner.invoke(cli, ["--help"]).output
    for flag in ("--verbose", "--quiet", "--version"):
        assert flag in out


def test_cli_reference_is_up_to_date() -> None:
    """docs/cli.md is generated from the code; regenerate with `python -m eotext.cli.docs`."""
    from eotext.cli.docs import render

    doc = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    assert doc.read_text() == render(), "docs/cli.md is stale: run `python -m eotext.cli.docs`"


def test_schemes_command_lists_classes() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["schemes"]).output
    assert "worldcover" in listing and "bigearthnet-43" in listing
    classes = runner.invoke(cli, ["schemes", "worldcover"]).output
    assert "developed area" in classes and "#006400" in classes
    bad = runner.invoke(cli, ["schemes", "nope"])
    assert bad.exit_code == 1 and "unknown scheme 'nope'" in bad.output


def test_build_flags_and_info(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    out = tmp_path / "o"
    args = ["-q", "build", "--labels", str(labels), "--scheme", "worldcover", "--patch-size",
            "128", "--stride", "128", "--seed", "5", "-o", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out / "patches.parquet").num_rows == 64
    again = CliRunner().invoke(cli, args)
    assert "0 units built" in again.output
    info = CliRunner().invoke(cli, ["info", str(out)])
    assert info.exit_code == 0 and "patches: 64 of 64" in info.output and "CC-BY-4.0" in info.output


def test_build_needs_input() -> None:
    result = CliRunner().invoke(cli, ["build", "-o", "x"])
    assert result.exit_code == 1 and "nothing to build" in result.output
