"""The review web app (FastAPI): patches, label maps, statistics, texts with findings.

Security: every request needs the token (``Authorization: Bearer T`` or ``?token=T``; else
401). Writes accept the token only in the ``Authorization`` header, only as JSON, and only from
the app's own origin, so another site cannot make a browser write (CSRF). Every string from a
model is put in the page with ``textContent``, never as HTML, and a strict Content Security
Policy forbids inline scripts.
"""

from __future__ import annotations

import html
import io
import json
import secrets
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from eotext.review.decisions import ConflictError, Decision, DecisionError, Decisions
from eotext.store.lock import FolderBusyError
from eotext.store.records import key_values
from eotext.verify.folder import TABLE_LOCK, read_texts

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="eotext-token" content="{token}">
<title>eotext review</title>
<link rel="stylesheet" href="/static/app.css?token={token}">
<script src="/static/app.js?token={token}" defer></script>
</head><body>
<header><h1>eotext review</h1><span id="dataset">{dataset}</span>
<label>Reviewer <input id="who" size="12" value="reviewer"></label>
<span id="progress"></span></header>
<nav id="filters">
<label>Status <select id="f-status"><option value="">any</option></select></label>
<label>Finding <select id="f-finding"><option value="">any</option></select></label>
<label>Class <select id="f-class"><option value="">any</option></select></label>
<label>Split <select id="f-split"><option value="">any</option></select></label>
<label>Type <select id="f-type"><option value="">any</option></select></label>
<label><input type="checkbox" id="bench-mode"> bench split mode</label>
</nav>
<main><ol id="list"></ol>
<section id="detail"><p>Select a text (j / k to move).</p></section></main>
<footer>Keys: j/k next/previous · a approve · r reject · e edit · Ctrl+Enter save · Esc cancel
</footer>
</body></html>
"""


def _findings(values: list[str] | None) -> list[dict[str, Any]]:
    out = []
    for v in values or []:
        try:
            doc = json.loads(v)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            doc = {"kind": v.split(":")[0], "claim": v, "span": None, "expected": "", "found": ""}
        out.append(doc)
    return out


def create_app(root: Path, token: str) -> FastAPI:
    """The review app for one dataset folder, guarded by ``token``."""
    root = Path(root)
    read_texts(root)  # fails early, with a clear message, on a folder that is not a dataset
    decisions = Decisions(root)
    patches = {r["patch_id"]: r for r in pq.read_table(root / "patches.parquet").to_pylist()}
    app = FastAPI(title="eotext review", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        given = bearer or request.query_params.get("token")
        if not given or not secrets.compare_digest(given.encode(), token.encode()):
            return JSONResponse(
                {"error": "a valid token is required (Authorization: Bearer T or ?token=T)"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            host = request.headers.get("host", "")
            if bearer is None:
                return JSONResponse({"error": "writes need the Authorization header"}, 403)
            if not request.headers.get("content-type", "").startswith("application/json"):
                return JSONResponse({"error": "writes must be application/json"}, 415)
            if origin and origin.split("://", 1)[-1] != host:
                return JSONResponse({"error": "cross-origin write refused"}, 403)
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return _PAGE.format(token=html.escape(token), dataset=html.escape(str(root.name)))

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        types = {"app.js": "text/javascript", "app.css": "text/css"}
        if name not in types:
            return Response(status_code=404)
        body = resources.files("eotext.review").joinpath("static", name).read_bytes()
        return Response(body, media_type=types[name])

    def rows() -> list[dict[str, Any]]:
        with TABLE_LOCK:
            out: list[dict[str, Any]] = read_texts(root).to_pylist()
        return out

    def classes_of(patch: dict[str, Any] | None) -> list[str]:
        return [k for k, v in key_values((patch or {}).get("class_fractions")).items() if v > 0]

    @app.get("/api/facets")
    def facets() -> dict[str, list[str]]:
        all_rows = rows()
        kinds = {f["kind"] for r in all_rows for f in _findings(r.get("findings"))}
        return {
            "status": sorted({r["status"] for r in all_rows}),
            "finding": sorted(kinds),
            "class": sorted({c for p in patches.values() for c in classes_of(p)}),
            "split": sorted({p.get("split") or "" for p in patches.values()} - {""}),
            "type": sorted({r["type"] for r in all_rows}),
        }

    @app.get("/api/texts")
    def texts(
        status: str = "",
        finding: str = "",
        cls: str = "",
        split: str = "",
        type: str = "",
    ) -> list[dict[str, Any]]:
        out = []
        for r in rows():
            p = patches.get(r["patch_id"])
            fs = _findings(r.get("findings"))
            if status and r["status"] != status:
                continue
            if finding and finding not in {f["kind"] for f in fs}:
                continue
            if cls and cls not in classes_of(p):
                continue
            if split and (p or {}).get("split") != split:
                continue
            if type and r["type"] != type:
                continue
            out.append(
                {
                    "text_id": r["text_id"],
                    "patch_id": r["patch_id"],
                    "type": r["type"],
                    "status": r["status"],
                    "findings": len(fs),
                    "split": (p or {}).get("split"),
                    "snippet": (r.get("text") or "")[:80],
                }
            )
        return out

    @app.get("/api/texts/{text_id:path}")
    def text(text_id: str) -> JSONResponse:
        r = next((x for x in rows() if x["text_id"] == text_id), None)
        if r is None:
            return JSONResponse({"error": f"no text {text_id}"}, 404)
        p = patches.get(r["patch_id"]) or {}
        return JSONResponse(
            {
                **{
                    k: r.get(k)
                    for k in (
                        "text_id",
                        "patch_id",
                        "type",
                        "style",
                        "generator",
                        "text",
                        "question",
                        "answer",
                        "status",
                        "box",
                    )
                },
                "meta": json.loads(r.get("meta") or "{}"),
                "findings": _findings(r.get("findings")),
                "version": decisions.version(text_id),
                "history": decisions.history(text_id),
                "patch": {
                    "split": p.get("split"),
                    "scheme": p.get("scheme"),
                    "classes": [[k, v] for k, v in key_values(p.get("class_fractions")).items()],
                    "has_preview": bool(p.get("preview_path")),
                    "has_labels": bool(p.get("label_path")),
                },
            }
        )

    @app.post("/api/texts/{text_id:path}/decision")
    async def decide(text_id: str, request: Request) -> JSONResponse:
        try:
            body = await request.json()
            d = Decision(
                text_id,
                str(body.get("action")),
                int(body.get("version")),
                str(body.get("who") or "reviewer")[:80],
                body.get("text"),
            )
            return JSONResponse(decisions.apply(d))
        except ConflictError as exc:
            return JSONResponse({"error": str(exc), "current": exc.current}, 409)
        except FolderBusyError as exc:  # a build is writing the folder: try again after it
            return JSONResponse({"error": str(exc)}, 423)
        except (DecisionError, ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)

    @app.get("/api/progress")
    def progress(split: str = "bench") -> dict[str, int]:
        ids = {pid for pid, p in patches.items() if p.get("split") == split}
        mine = [r for r in rows() if r["patch_id"] in ids]
        done = sum(r["status"] in ("approved", "rejected") for r in mine)
        return {"total": len(mine), "decided": done}

    @app.get("/api/audit")
    def audit_rows(text_id: str) -> list[dict[str, Any]]:
        return decisions.history(text_id)

    @app.get("/files/preview/{patch_id}")
    def preview(patch_id: str) -> Response:
        p = patches.get(patch_id)
        if not p or not p.get("preview_path"):
            return Response(status_code=404)
        return Response((root / p["preview_path"]).read_bytes(), media_type="image/png")

    @app.get("/files/labels/{patch_id}")
    def labelmap(patch_id: str) -> Response:
        p = patches.get(patch_id)
        if not p or not p.get("label_path") or not p.get("scheme"):
            return Response(status_code=404)
        return Response(
            _label_png(str(root / p["label_path"]), p["scheme"]), media_type="image/png"
        )

    app.state.decisions = decisions
    return app


@lru_cache(maxsize=256)
def _label_png(path: str, scheme_name: str) -> bytes:
    """The label patch coloured with its scheme's legend (nodata transparent)."""
    import numpy as np
    import rasterio
    from PIL import Image

    from eotext.schemes import get_scheme
    from eotext.schemes.colours import colour_labels

    scheme = get_scheme(scheme_name)
    with rasterio.open(path) as src:
        labels = src.read(1)
    valid = np.isin(labels, list(scheme.codes))
    rgba = np.dstack([colour_labels(labels, valid, scheme.colormap()), valid * np.uint8(255)])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return buf.getvalue()
