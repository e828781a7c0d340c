"""The eotext exception hierarchy.

Every error eotext raises derives from :class:`EotextError`; each subclass also inherits the
built-in exception a caller would naturally catch (like rasterio's
``RasterioIOError(RasterioError, OSError)``). Messages say what was wrong and how to fix it.
"""

from __future__ import annotations


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
