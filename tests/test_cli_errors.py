"""Malformed recipes and bad invocations, run through the real CLI: one line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from eotext.cli.main import cli

SOURCE = '[[sources]]\nlabels = "wc.tif"\nscheme = "worldcover"\n'

#: name → (recipe text or None, extra arguments, what the one line must say)
CASES: dict[str, tuple[str | bytes | None, list[str], list[str]]] = {
    "cloud_mask string": (
        SOURCE + 'cloud_mask = "no"\n',
        [],
        ["r.toml: sources[0].cloud_mask", 'must be true or false, got "no"'],
    ),
    "bands string": (SOURCE + 'bands = "B04"\n', [], ["sources[0].bands", '(write ["B04"])']),
    "float seed": ("seed = 1.5\n" + SOURCE, [], ["seed must be a whole number, got 1.5"]),
    "float patch_size": (
        "[grid]\npatch_size = 256.0\n" + SOURCE,
        [],
        ["grid.patch_size must be a whole number"],
    ),
    "kinds string": (
        '[annotate]\nkinds = "caption"\n' + SOURCE,
        [],
        ["annotate.kinds must be a list of strings", '(write ["caption"])'],
    ),
    "unknown key": (
        "[filters]\nmin_valid = 0.5\n" + SOURCE,
        [],
        ["unknown key filters.min_valid", "did you mean min_valid_fraction?"],
    ),
    "not utf-8": ('name = "S\xe3o Tom\xe9"\n'.encode("latin-1"), [], ["not UTF-8", "save it"]),
    "not toml": ("[grid\n", [], ["r.toml is not valid TOML"]),
    "no sources": ("seed = 0\n", [], ["no sources", "add a [[sources]] table"]),
    "recipe and labels": (SOURCE, ["--labels", "wc.tif"], ["either a RECIPE or --image"]),
    "missing recipe": (None, ["missing.toml"], ["missing.toml does not exist"]),
    "repeated labels": (
        None,
        ["--labels", "a.tif", "--labels", "b.tif", "--scheme", "worldcover"],
        ["'--labels'", "given 2 times (a.tif, b.tif); give it once"],
    ),
    "repeated patch size": (
        SOURCE,
        ["--patch-size", "128", "--patch-size", "256"],
        ["'--patch-size'", "give it once"],
    ),
    "float patch size flag": (SOURCE, ["--patch-size", "1.5"], ["'--patch-size'", "integer"]),
    "small patch size flag": (SOURCE, ["--patch-size", "4"], ["--patch-size:", "at least 8 px"]),
    "min-valid out of range": (SOURCE, ["--min-valid", "2"], ["--min-valid:", "[0, 1]"]),
    "unknown annotator": (SOURCE, ["--annotate", "capton"], ["--annotate:", "choose from"]),
    "bad endpoint": (
        SOURCE,
        ["--llm-model", "m", "--llm-base-url", "localhost"],
        ["--llm-base-url:", "must be a URL such as"],
    ),
    "labels without scheme": (None, ["--labels", "a.tif"], ["--labels needs --scheme"]),
    "nothing to build": (None, [], ["nothing to build", "give a RECIPE file"]),
    "unknown option": (SOURCE, ["--patchsize", "8"], ["--patchsize", "Did you mean"]),
    "bad choice": (SOURCE, ["--unknown-codes", "drop"], ["'--unknown-codes'", "'error'"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_naming_the_key_or_flag(tmp_path: Path, case: str) -> None:
    text, extra, expected = CASES[case]
    args = ["build"]
    if text is not None:
        recipe = tmp_path / "r.toml"
        recipe.write_bytes(text if isinstance(text, bytes) else text.encode())
        args.append(str(recipe))
    args += [*extra, "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("eotext: error: "), result.stderr
    for part in expected:
        assert part in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_out_option_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", "--labels", "a.tif", "--scheme", "worldcover"], prog_name="eotext"
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "eotext: error: Missing option '-o' / '--out'. (see `eotext build --help`)"
    ]


def test_bare_group_still_shows_its_help() -> None:
    result = CliRunner().invoke(cli, ["bench"])
    assert "Usage:" in result.output
