"""Missing Java or pycocoevalcap is a clear error naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from eotext.bench.java import find_java, locate_tools, pycocoevalcap_dir
from eotext.errors import EotextError, MissingDependencyError, ToolNotFoundError


def test_java_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolNotFoundError, match=r"Java was not found.*openjdk") as info:
        locate_tools()
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, EotextError)
    with pytest.raises(ToolNotFoundError):
        find_java()


def test_pycocoevalcap_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'eotext\[bench\]'") as info:
        pycocoevalcap_dir()
    assert isinstance(info.value, ImportError)


def test_wrong_pycocoevalcap_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import eotext.bench.java as java

    monkeypatch.setattr(java, "version", lambda name: "1.1")
    with pytest.raises(MissingDependencyError, match=r"pycocoevalcap 1\.1 is installed.*==1\.2"):
        pycocoevalcap_dir()


def test_tools_found() -> None:
    tools = locate_tools()
    assert tools.tokenizer_jar.is_file() and tools.meteor_jar.is_file()
    assert tools.spice_lib.name == "lib"
