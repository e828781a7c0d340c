"""Writing files so that a reader never sees half of one: write beside, then rename over.

Every file eotext writes goes through :func:`atomic_path`; a crash, a kill or a full disk
leaves either the old file or the new one, and the temporary name is removed on failure.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

#: Temporary files are hidden and carry this suffix, so a cleanup can find leftovers of kills.
TMP_SUFFIX = ".tmp"
#: Numbers the temporary names of this process.
_calls = itertools.count()
_tokens: dict[int, str] = {}


def _token() -> str:
    """A random token of this process: with the pid and a count, temporary names stay unique
    among writers on several machines (containers that share storage often share pids too)."""
    pid = os.getpid()
    token = _tokens.get(pid)
    if token is None:
        token = _tokens[pid] = uuid.uuid4().hex[:8]
    return token


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block ends.

    The name is unique per process and call, so concurrent writers never share a temporary
    file. If the block raises, the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{_token()}{next(_calls):x}{TMP_SUFFIX}")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | Path, doc: Any, **dumps: Any) -> None:
    """Write ``doc`` as JSON (indent 2 unless given) to ``path`` atomically."""
    dumps.setdefault("indent", 2)
    dumps.setdefault("default", str)
    write_text_atomic(path, json.dumps(doc, **dumps) + "\n")


def write_arrow_atomic(path: str | Path, table: pa.Table) -> None:
    """Write ``table`` as an Arrow IPC file to ``path`` atomically (small tables written and
    read back often: far cheaper than Parquet)."""
    import pyarrow as pa

    with (
        atomic_path(path) as tmp,
        pa.OSFile(str(tmp), "wb") as sink,
        pa.ipc.new_file(sink, table.schema) as writer,
    ):
        writer.write_table(table)


def read_arrow(path: str | Path) -> pa.Table:
    """An Arrow IPC file written by :func:`write_arrow_atomic`, read whole."""
    import pyarrow as pa

    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP's CSV-injection rule).

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``; numbers and other text are returned unchanged.
    """
    if not cell.startswith(_FORMULA_STARTS):
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell
