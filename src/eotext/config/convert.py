"""A strict converter from a parsed TOML document to the frozen spec dataclasses.

The spec dataclasses' type hints drive it: ``bool`` takes only ``true``/``false``, ``int`` only
whole numbers (never a bool or a float), ``float`` any number, ``tuple[str, ...]`` only a list of
strings, a nested dataclass only a table. Unknown keys are named with their path and the nearest
known key. Field metadata adds the rest:

- ``fingerprint = "path"``: the value is a file path, resolved against the recipe's folder
  (values listed in ``literals``, such as ``labels = "scl"``, are kept as they are);
- ``aliases``: other keys accepted for the field (``endpoint`` for ``base_url``);
- ``toml = False``: the field is set by the code, never by a recipe.

Every message is one line that names the place (``recipe demo.toml: sources[0].cloud_mask``, or
the command-line flag the value came from) and what is expected.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, Union

from eotext.errors import RecipeError

_T = TypeVar("_T")


@dataclass(frozen=True)
class Origin:
    """Where the values come from, for messages.

    Attributes:
        file: the recipe file as the user named it, or ``None`` for flags alone.
        flags: TOML path → the flag that set it (``"grid.patch_size"`` → ``"--patch-size"``).
        base_dir: relative paths in the document resolve against this folder.
    """

    file: str | None = None
    flags: Mapping[str, str] = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)

    def name(self, path: str) -> str:
        """The flag that set ``path``, or the path itself."""
        return self.flags.get(path, path)

    def error(self, path: str, message: str) -> RecipeError:
        """A one-line error about the value at ``path``."""
        if path in self.flags:
            return RecipeError(f"{self.flags[path]} {message}")
        return RecipeError(f"{self._prefix()}{path} {message}")

    def wrap(self, message: str) -> RecipeError:
        """An error from a spec's own validation, prefixed with the recipe file."""
        return RecipeError(f"{self._prefix()}{message}")

    def _prefix(self) -> str:
        return f"recipe {self.file}: " if self.file else ""


def resolve_path(value: str, base: Path) -> str:
    """Expand ``~`` and environment variables, and anchor relative paths at ``base``."""
    expanded = os.path.expanduser(os.path.expandvars(value))
    if "://" in expanded or expanded.startswith("/vsi"):
        return expanded
    p = Path(expanded)
    return str(p if p.is_absolute() else (base / p).resolve())


def convert(cls: type[_T], data: Any, origin: Origin, path: str = "") -> _T:
    """Build the dataclass ``cls`` from ``data`` (a TOML table), checking every value.

    Raises:
        RecipeError: a wrong type, an unknown key, or a setting the spec itself rejects.
    """
    if not isinstance(data, dict):
        raise origin.error(path, f"must be a table, got {_show(data)}")
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.metadata.get("toml", True)]  # type: ignore[arg-type]
    keys = {f.name: f for f in fields}
    for f in fields:
        for alias in f.metadata.get("aliases", ()):
            keys[alias] = f
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        where = _join(path, key)
        known = keys.get(key)
        if known is None:
            raise _unknown(origin, where, key, sorted(k for k in keys))
        if known.name in kwargs:
            both = " and ".join(_join(path, k) for k in data if keys.get(k) is known)
            raise origin.wrap(f"{both} are the same setting; give only one of them")
        kwargs[known.name] = _value(hints[known.name], value, origin, where, known.metadata)
    try:
        return cls(**kwargs)
    except RecipeError as exc:
        flagged = [
            flag
            for name in kwargs
            if (flag := origin.flags.get(_join(path, name))) and name in str(exc)
        ]
        if flagged:
            raise RecipeError(f"{flagged[0]}: {exc}") from None
        # An item of a list (sources[1]) is named unless its own message names it.
        item = f"{path}: " if "[" in path and path not in str(exc) else ""
        raise origin.wrap(f"{item}{exc}") from None


def _value(hint: Any, value: Any, origin: Origin, path: str, meta: Mapping[str, Any]) -> Any:
    hint = _strip_none(hint)
    converted = _typed(hint, value, origin, path)
    if meta.get("fingerprint") == "path":
        keep = meta.get("literals", ())
        return map_paths(converted, lambda p: p if p in keep else resolve_path(p, origin.base_dir))
    return converted


def map_paths(value: Any, fn: Any) -> Any:
    """Apply ``fn`` to a path, or to the paths of ``(name, path)`` pairs."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, tuple):
        return tuple((name, fn(p)) for name, p in value)
    return value


def _typed(hint: Any, value: Any, origin: Origin, path: str) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return convert(hint, value, origin, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise origin.error(path, f"must be true or false, got {_show(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise origin.error(path, f"must be a whole number, got {_show(value)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise origin.error(path, f"must be a number, got {_show(value)}")
        # A whole number stays as written (an int is a float to typing): fingerprints of
        # recipes that say `max_s1_s2_days = 2` stay what they were.
        return value
    if hint is str:
        if not isinstance(value, str):
            raise origin.error(path, f"must be a string (in quotes), got {_show(value)}")
        return value
    o, args = typing.get_origin(hint), typing.get_args(hint)
    if o is dict:
        if not isinstance(value, dict):
            raise origin.error(path, f"must be a table, got {_show(value)}")
        return dict(value)
    if o is tuple:
        return _tuple(args, value, origin, path)
    raise TypeError(f"no strict conversion for {hint!r} at {path}")  # a spec the code got wrong


def _tuple(args: tuple[Any, ...], value: Any, origin: Origin, path: str) -> tuple[Any, ...]:
    if len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        if typing.get_origin(item) is tuple:
            # tuple[tuple[str, str], ...] is written as a table: name = "path"
            if not isinstance(value, dict):
                raise origin.error(path, f'must be a table of name = "value", got {_show(value)}')
            return tuple(
                (k, _typed(typing.get_args(item)[1], v, origin, _join(path, k)))
                for k, v in value.items()
            )
        if not isinstance(value, list):
            scalar = item in (str, int, float) and isinstance(value, item)
            fix = f" (write [{_show(value)}])" if scalar else ""
            raise origin.error(path, f"must be a list of {_plural(item)}, got {_show(value)}{fix}")
        return tuple(_typed(item, v, origin, f"{path}[{i}]") for i, v in enumerate(value))
    if not isinstance(value, list) or len(value) != len(args):
        raise origin.error(
            path, f"must be a list of {len(args)} {_plural(args[0])}, got {_show(value)}"
        )
    return tuple(
        _typed(a, v, origin, f"{path}[{i}]")
        for i, (a, v) in enumerate(zip(args, value, strict=True))
    )


def _strip_none(hint: Any) -> Any:
    """``X | None`` → ``X`` (TOML has no null; ``None`` is only ever a default)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def _plural(hint: Any) -> str:
    if dataclasses.is_dataclass(hint):
        return "tables"
    names = {bool: "true/false values", int: "whole numbers", float: "numbers", str: "strings"}
    return names.get(hint, "values")


def _unknown(origin: Origin, path: str, key: str, known: list[str]) -> RecipeError:
    near = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {near[0]}?" if near else f"known keys: {', '.join(known)}"
    return origin.wrap(f"unknown key {path}; {hint}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    """A value as it would be written in TOML."""
    if isinstance(value, dict):
        return "a table"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)
