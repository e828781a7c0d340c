"""The eotext exception hierarchy.

Every error eotext raises derives from :class:`EotextError`; each subclass also inherits the
built-in exception a caller would naturally catch (like rasterio's
``RasterioIOError(RasterioError, OSError)``). Messages say what was wrong and how to fix it.
"""

from __future__ import annotations

import errno
import os
import re


class EotextError(Exception):
    """Root of all eotext errors."""


class RecipeError(EotextError, ValueError):
    """A recipe or a command-line option is invalid."""


class SchemeError(EotextError, KeyError):
    """A land-cover scheme, class code or class name is unknown."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it verbatim
        return str(self.args[0]) if self.args else ""


class UnknownClassCodeError(SchemeError):
    """A label map holds codes that its scheme does not define."""


class SourceError(EotextError, OSError):
    """An input raster or product is missing, unreadable or corrupt."""


class AlignmentError(EotextError, ValueError):
    """Two layers cannot be put on one grid (for example they do not overlap)."""


class TilingError(EotextError, ValueError):
    """A scene cannot be cut as asked (for example the patch is larger than the scene)."""


class OutputError(EotextError, OSError):
    """The output folder cannot be used (for example it holds a different recipe's dataset)."""


class MissingDependencyError(EotextError, ImportError):
    """An optional dependency is not installed (for example pyosmium for OpenStreetMap data)."""


class BenchInputError(EotextError, ValueError):
    """Predictions or references to score are malformed, or do not match each other."""


class ToolNotFoundError(EotextError, FileNotFoundError):
    """An external tool a metric runs (Java, a jar) is not installed or not where it should be."""


class ToolError(EotextError, RuntimeError):
    """An external tool (the PTB tokenizer, METEOR, SPICE) failed or answered unexpectedly."""


class LlmError(EotextError, ConnectionError):
    """An LLM endpoint could not answer: down, wrong model or key, or failing past the retries."""


class LlmRefusedError(LlmError):
    """The endpoint refused the request itself (wrong key, unknown model, bad parameters)."""


class VerifyError(EotextError, ValueError):
    """Texts to verify are malformed, or name patches the dataset folder does not hold."""


_OS_ERROR_FIXES: dict[int, str] = {
    errno.ENOSPC: "the disk is full: free space (or write to another disk with -o), then rerun "
    "the same command; finished work is kept and the build resumes",
    errno.EACCES: "make it writable for this user, or choose another path with -o",
    errno.EPERM: "make it writable for this user, or choose another path with -o",
    errno.EROFS: "the file system is read-only: choose a writable path with -o",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another path with -o",
    errno.EEXIST: "it already exists: remove it, or choose another path with -o",
    errno.EISDIR: "it is a folder where a file is expected: choose a file path with -o",
    errno.EDQUOT: "the disk quota is exceeded: free space, then rerun the same command",
}


def os_error_code(exc: BaseException) -> int | None:
    """The errno of an error; pyarrow and SQLite put it in the message only."""
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return code
    text = str(exc)
    m = re.search(r"errno[ =:]*(\d+)", text, re.IGNORECASE)
    if m:
        return int(m.group(1))
    return errno.ENOSPC if "disk is full" in text else None


def os_error_message(exc: BaseException, where: object = None) -> str:
    """One line for an operating-system error: the path, what happened and the fix.

    Args:
        exc: the error (an :class:`OSError`, or SQLite's "disk is full").
        where: the path to name when the error carries none (for example the dataset folder).
    """
    code = os_error_code(exc)
    text = str(exc)
    # A failed rename names the temporary file first and the user's path second.
    path = getattr(exc, "filename2", None) or getattr(exc, "filename", None) or where
    reason = getattr(exc, "strerror", None) or (os.strerror(code) if code else text)
    fix = _OS_ERROR_FIXES.get(code or -1, "check the path and its permissions, then rerun")
    shown = f"{path}: " if path is not None else ""
    return " ".join(f"{shown}{reason}; {fix}".split())
