"""PTB tokenization exactly as pycocoevalcap 1.2 does it, in one JVM call.

pycocoevalcap runs Stanford CoreNLP 3.4.1's ``PTBTokenizer -preserveLines -lowerCase`` on one
caption per line, then drops the tokens in :data:`PUNCTUATIONS`. Its quirks are kept on purpose:
brackets become ``-lrb-``, ``-rsb-`` and so on and stay (the punctuation list spells them in
upper case, but the tokens are lower-cased), ``"`` becomes ````` or ``''`` and is dropped, a
single letter with a period (``b.``) stays one token, and characters the lexer cannot handle
(most emoji) vanish.

Three things differ from pycocoevalcap, none of which changes a score:

* the text goes through standard input instead of a temporary file in the package folder;
* the JVM runs with ``-XX:TieredStopAtLevel=1`` (only the quick C1 compiler), which halves the
  CPU time of so short a run; the tokens do not depend on the compiler;
* pycocoevalcap turns only ``\\n`` into a space, but the tokenizer also breaks lines at
  ``\\r``, ``\\v``, ``\\f``, U+2028 and U+2029, which there shifts every later caption onto the
  wrong image. eotext replaces those with spaces as well, and checks that it got one line back
  per caption.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Sequence

from eotext.bench.java import CaptionTools, locate_tools
from eotext.errors import ToolError

log = logging.getLogger(__name__)

#: Tokens pycocoevalcap removes after tokenization (its ``PUNCTUATIONS``, verbatim).
# fmt: off
PUNCTUATIONS = frozenset(["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
                          ".", "?", "!", ",", ":", "-", "--", "...", ";"])
# fmt: on

#: Every character the PTB lexer treats as the end of a line (checked against the jar).
_LINE_BREAKS = str.maketrans(dict.fromkeys("\n\r\x0b\x0c\u2028\u2029", " "))


def tokenize(texts: Sequence[str], tools: CaptionTools | None = None) -> list[str]:
    """Tokenize captions as pycocoevalcap's ``PTBTokenizer`` does, all in one Java call.

    Args:
        texts: raw captions, references and predictions alike (each line is independent, so
            mixing them gives the same tokens as pycocoevalcap's separate calls).
        tools: where Java and the jar are; found with :func:`locate_tools` when omitted.

    Returns:
        One string per text: lower-cased PTB tokens joined by single spaces, punctuation removed.

    Raises:
        ToolNotFoundError: Java or the tokenizer jar is missing.
        ToolError: the tokenizer failed or returned a different number of lines.
    """
    if not texts:
        return []
    tools = tools or locate_tools()
    lines = [t.translate(_LINE_BREAKS) for t in texts]
    odd = sum(1 for t in texts if any(c in t for c in "\r\x0b\x0c\u2028\u2029"))
    if odd:
        log.warning(
            "%d captions hold line breaks other than \\n; read as spaces (pycocoevalcap would "
            "shift every later caption onto the wrong image)",
            odd,
        )
    # A JVM that lives for under a second: C1 alone halves its CPU time (see the module notes).
    cmd = [
        tools.java,
        "-XX:TieredStopAtLevel=1",
        "-cp",
        str(tools.tokenizer_jar),
        "edu.stanford.nlp.process.PTBTokenizer",
        "-preserveLines",
        "-lowerCase",
    ]
    done = subprocess.run(cmd, input="\n".join(lines).encode(), capture_output=True, check=False)
    stderr = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        raise ToolError(
            f"the PTB tokenizer failed (exit {done.returncode}): {stderr.strip()[-800:]}; check "
            "that `java -version` works and that the pycocoevalcap jars are intact"
        )
    dropped = re.search(r"Untokenizable: .*?\((U\+[0-9A-F]+)", stderr)
    if dropped:
        log.warning(
            "the PTB tokenizer dropped characters it cannot handle (the first: %s), as it does "
            "in pycocoevalcap; the scores are computed without them",
            dropped.group(1),
        )
    out = done.stdout.decode().split("\n")
    if len(out) != len(lines):
        raise ToolError(
            f"the PTB tokenizer returned {len(out)} lines for {len(lines)} captions; a caption "
            "holds a line break eotext does not know of: please report it with the caption"
        )
    return [" ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATIONS) for line in out]
