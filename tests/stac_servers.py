"""Real servers for STAC tests: a STAC API (``rustac serve``, in-memory backend) and an HTTP
server that answers byte-range requests (``RangeHTTPServer``), both on 127.0.0.1.

``python -m http.server`` ignores ``Range`` headers, and GDAL needs them to read a COG's tiles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.dask_cluster import free_port


def _wait_for(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


class _Server:
    url: str
    proc: subprocess.Popen[bytes] | None = None

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class RangeServer(_Server):
    """Serves ``folder`` over HTTP with byte ranges: ``with RangeServer(folder) as s: s.url``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RangeServer:
        cmd = [sys.executable, "-m", "RangeHTTPServer", str(self.port), "-b", "127.0.0.1"]
        self.proc = subprocess.Popen(
            cmd, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_for(self.url + "/", self.proc)
        except BaseException:
            self.__exit__()
            raise
        return self


def rustac_executable() -> Path:
    exe = Path(sys.executable).parent / "rustac"
    if not exe.exists():
        found = shutil.which("rustac")
        if found is None:
            raise AssertionError("rustac is part of the dev extra: pip install -e '.[dev]'")
        exe = Path(found)
    return exe


class StacApi(_Server):
    """``rustac serve`` over the given item/collection files: ``with StacApi([p]) as api``."""

    def __init__(self, hrefs: list[Path]) -> None:
        self.hrefs = hrefs
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StacApi:
        cmd = [str(rustac_executable()), "serve", "--addr", f"127.0.0.1:{self.port}"]
        cmd += ["--create-collections", *map(str, self.hrefs)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(self.url + "/", self.proc)
        except BaseException:
            self.__exit__()
            raise
        return self


def item_served_from(item_json: Path, base_url: str, out: Path, collection: str) -> Path:
    """A copy of a real STAC item whose assets point at ``base_url`` (file names kept)."""
    doc: dict[str, Any] = json.loads(item_json.read_text())
    for asset in doc["assets"].values():
        asset["href"] = f"{base_url}/{asset['href'].rsplit('/', 1)[-1]}"
    doc["collection"] = collection
    doc["links"] = [link for link in doc["links"] if link["rel"] not in ("self", "canonical")]
    out.write_text(json.dumps(doc))
    return out
