"""``eotext verify`` and ``eotext review``: check texts against the data, and review them."""

from __future__ import annotations

from pathlib import Path

import click

_DATASET = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command()
@click.argument("dataset", type=_DATASET)
@click.option(
    "--texts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL of texts written elsewhere ({id, patch_id, text} per line) to check against "
    "the dataset's patches; the dataset is left unchanged.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Findings JSONL for --texts ({id, findings, status} per line).",
)
@click.option("--no-fix", is_flag=True, help="Do not apply certain automatic fixes.")
def verify(dataset: Path, texts: Path | None, output: Path | None, no_fix: bool) -> None:
    """Check every text of DATASET against its label patches (findings, status, audit)."""
    from eotext.errors import RecipeError
    from eotext.verify.folder import verify_folder, verify_jsonl

    if texts is not None:
        if output is None:
            raise RecipeError("--texts needs -o FINDINGS.jsonl to write the findings to")
        s = verify_jsonl(dataset, texts, output)
        click.echo(f"{output}: {s.texts} texts, {s.flagged} flagged, {s.claims} claims checked")
        return
    if output is not None:
        raise RecipeError("-o is only for --texts; verifying a dataset updates its texts.parquet")
    # One writer per folder: a running build (or another verify) makes this refuse at once.
    from eotext.run.build import record_verification
    from eotext.store.lock import WriterLock, publishing

    with WriterLock(dataset), publishing(dataset):
        s = verify_folder(dataset, fix=not no_fix)
        record_verification(dataset, s)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(s.by_kind.items())) or "none"
    click.echo(
        f"{dataset}: {s.texts} texts, {s.claims} claims checked, {s.flagged} flagged, "
        f"{s.auto_fixed} auto-fixed, {s.changed} changed (findings: {kinds})"
    )


@click.command()
@click.argument("dataset", type=_DATASET)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to listen on.")
@click.option("--token", help="Access token (generated and printed when not given).")
def review(dataset: Path, host: str, port: int, token: str | None) -> None:
    """Review DATASET's texts in a browser: approve, reject, edit (with an audit trail)."""
    import secrets

    import uvicorn

    from eotext.review.app import create_app

    token = token or secrets.token_urlsafe(18)
    app = create_app(dataset, token)
    click.echo(f"Review {dataset} at http://{host}:{port}/?token={token}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}, reachable from other machines", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(group: click.Group) -> None:
    """Add the commands of this module to the ``eotext`` group."""
    group.add_command(verify)
    group.add_command(review)
