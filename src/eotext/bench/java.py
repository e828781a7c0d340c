"""The Java programs behind the caption metrics: where they are, checked once.

pycocoevalcap 1.2 ships the Stanford PTB tokenizer (CoreNLP 3.4.1), METEOR 1.5 and SPICE 1.0 as
jars inside its package folder. eotext runs those same jars (so the numbers are the same) but
never writes into that folder and never downloads anything.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from eotext.errors import MissingDependencyError, ToolNotFoundError

#: The pycocoevalcap release whose numbers eotext reproduces.
PYCOCOEVALCAP_VERSION = "1.2"

_INSTALL_JAVA = (
    "install a Java runtime (8 or newer; e.g. `apt-get install openjdk-17-jre-headless`) "
    "and make sure `java` is on PATH"
)
_INSTALL_PYCOCOEVALCAP = "pip install 'eotext[bench]' (or pip install pycocoevalcap==1.2)"


@dataclass(frozen=True)
class CaptionTools:
    """Paths of the Java runtime and of the jars the caption metrics run."""

    java: str
    tokenizer_jar: Path
    meteor_jar: Path
    spice_jar: Path

    @property
    def spice_lib(self) -> Path:
        """The folder of SPICE's bundled dependencies (and, if the user put them there, CoreNLP)."""
        return self.spice_jar.parent / "lib"


def find_java() -> str:
    """The ``java`` executable on PATH.

    Raises:
        ToolNotFoundError: there is none.
    """
    java = shutil.which("java")
    if java is None:
        raise ToolNotFoundError(
            "Java was not found: the PTB tokenizer, METEOR and SPICE that caption metrics use "
            f"are Java programs; {_INSTALL_JAVA}"
        )
    return java


def pycocoevalcap_dir() -> Path:
    """The installed pycocoevalcap 1.2 package folder.

    Raises:
        MissingDependencyError: pycocoevalcap is not installed, or is another version.
    """
    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "caption metrics need pycocoevalcap 1.2 (it ships the PTB tokenizer and METEOR "
            f"jars): {_INSTALL_PYCOCOEVALCAP}"
        )
    try:
        found = version("pycocoevalcap")
    except PackageNotFoundError:  # importable from a source tree: trust it
        found = PYCOCOEVALCAP_VERSION
    if found != PYCOCOEVALCAP_VERSION:
        raise MissingDependencyError(
            f"pycocoevalcap {found} is installed, but eotext reproduces the numbers of "
            f"pycocoevalcap {PYCOCOEVALCAP_VERSION}: pip install pycocoevalcap=="
            f"{PYCOCOEVALCAP_VERSION}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def locate_tools() -> CaptionTools:
    """Find Java and pycocoevalcap's jars; every missing piece is reported with its fix.

    Raises:
        ToolNotFoundError: Java or a jar is missing.
        MissingDependencyError: pycocoevalcap 1.2 is not installed.
    """
    root = pycocoevalcap_dir()
    tools = CaptionTools(
        java=find_java(),
        tokenizer_jar=root / "tokenizer" / "stanford-corenlp-3.4.1.jar",
        meteor_jar=root / "meteor" / "meteor-1.5.jar",
        spice_jar=root / "spice" / "spice-1.0.jar",
    )
    for jar in (tools.tokenizer_jar, tools.meteor_jar):
        if not jar.is_file():
            raise ToolNotFoundError(
                f"{jar} is missing from the pycocoevalcap installation; reinstall it: "
                f"pip install --force-reinstall pycocoevalcap=={PYCOCOEVALCAP_VERSION}"
            )
    return tools
