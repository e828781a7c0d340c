"""The recipe fingerprint: a hash of the settings that decide a dataset's content.

Every field of every spec dataclass declares its role in its metadata under ``fingerprint``:

- ``"content"`` (the default, no metadata needed): changes the dataset, so it is hashed;
- ``"run"``: decides only how the build runs (workers, concurrency, timeouts, retries, the
  endpoint URL and key variable, where OSM node locations are kept) and is left out, so a
  folder resumes after it changes;
- ``"path"``: a file path, hashed by its file name only, so moving the data does not orphan
  a build;
- ``"derived"``: computed from other fields (a source's merged grid), left out;
- ``"annotator"``: an annotator's settings table, hashed only when ``kinds`` asks for that
  annotator.

A table with no content left (``[output]`` at its defaults) is left out as a whole.
``omit_default = True`` leaves a field out while it holds its default: settings added after
datasets were built keep those datasets' fingerprints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from eotext.config.convert import map_paths

ROLES = ("content", "run", "path", "derived", "annotator")


def role(f: dataclasses.Field[Any]) -> str:
    """The fingerprint role a field declares (``content`` when it declares none)."""
    value = f.metadata.get("fingerprint", "content")
    if value not in ROLES:
        raise TypeError(f"field {f.name}: unknown fingerprint role {value!r}; use one of {ROLES}")
    return str(value)


def content_of(spec: Any) -> dict[str, Any]:
    """The content fields of a spec dataclass as plain data (JSON-able), nested specs included."""
    out: dict[str, Any] = {}
    kinds = getattr(spec, "kinds", ())
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        r = role(f)
        if r in ("run", "derived"):
            continue
        if r == "annotator" and f.name not in kinds:
            continue
        if f.metadata.get("omit_default") and value == _default(f):
            continue
        if r == "path":
            value = map_paths(value, lambda p: Path(p).name)
        plain = _plain(value)
        if plain == {} and dataclasses.is_dataclass(value):
            continue  # a table of run settings only, such as [output], leaves no trace
        out[f.name] = plain
    return out


def fingerprint(spec: Any) -> str:
    """A 16-hex-digit hash of :func:`content_of`."""
    blob = json.dumps(content_of(spec), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return content_of(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING
