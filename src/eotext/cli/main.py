"""The ``eotext`` command: a thin shell over the library.

Each command parses options, builds typed configuration, calls one library function and
prints. Errors from the library become a one-line message and a non-zero exit, here only.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from eotext import __version__
from eotext.errors import EotextError


class EotextGroup(click.Group):
    """Turns any :class:`EotextError` into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EotextError as exc:
            click.echo(f"eotext: error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=EotextGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eotext")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bar.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn Earth-observation data into vision-language datasets."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    ctx.obj = {"quiet": quiet}


@cli.command()
@click.argument("recipe", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--image",
    "images",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Imagery: a SAFE folder, a folder of band files, a multi-band GeoTIFF or "
    "BigEarthNet patch folder(s). Repeat for several scenes.",
)
@click.option(
    "--stac",
    metavar="URL",
    help="Imagery from STAC: an item, an ItemCollection, a catalog or collection JSON (URL or "
    "file), or a STAC API root (with --stac-collection). One scene per item.",
)
@click.option("--stac-collection", help="The collection to search in a STAC API.")
@click.option("--bbox", metavar="W,S,E,N", help="Keep STAC items that intersect this box (°).")
@click.option(
    "--datetime", metavar="A/B", help="Keep STAC items acquired in A/B (ISO dates; '..' = open)."
)
@click.option("--max-items", type=int, help="Use at most this many STAC items.")
@click.option(
    "--max-cloud-cover", type=float, help="Drop STAC items with eo:cloud_cover above this (%)."
)
@click.option(
    "--labels",
    help="A label map (any CRS; aligned to the imagery by nearest neighbour; a path or an "
    "http(s) URL of a COG), or 'scl' for the product's Scene Classification.",
)
@click.option("--scheme", help="Land-cover scheme of --labels (see `eotext schemes`).")
@click.option(
    "--osm",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An OpenStreetMap extract (.osm.pbf/.osm) for SkyScript-style captions (annotator "
    "'osm'). Alone: a grid at --gsd over the extract, previews drawn from the map.",
)
@click.option("--patch-size", type=int, help="Patch size in pixels (default 256).")
@click.option("--stride", type=int, help="Stride between patches in pixels (default: patch size).")
@click.option("--gsd", "gsd_m", type=float, help="Ground sampling distance in metres.")
@click.option("--crs", help="Target CRS, e.g. EPSG:32629, or 'utm'.")
@click.option("--seed", type=int, help="Seed for text variation (default 0).")
@click.option("--min-valid", type=float, help="Drop patches with less valid data (0-1).")
@click.option("--max-cloud", type=float, help="Drop patches with more cloud (0-1).")
@click.option(
    "--unknown-codes",
    type=click.Choice(["error", "unlabelled"]),
    help="What to do with label codes the scheme does not define.",
)
@click.option("--annotate", help="Comma-separated annotators, e.g. caption,vqa (default: caption).")
@click.option("--workers", type=int, help="Worker processes (default: one per CPU core).")
@click.option(
    "--scheduler",
    help="Run the units on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
    "(the output folder must be storage all workers share).",
)
@click.option(
    "--llm-base-url",
    help="OpenAI-compatible endpoint for the llm annotator, e.g. http://127.0.0.1:8080/v1.",
)
@click.option("--llm-model", help="Model name for the llm annotator (adds 'llm' to --annotate).")
@click.option(
    "--llm-mode",
    type=click.Choice(["text", "paraphrase", "vision"]),
    help="text: ChatEarthNet's prompt from the statistics; paraphrase: rewrite template "
    "captions; vision: 4 label-map images per request (multimodal models).",
)
@click.option("--llm-concurrency", type=int, help="LLM requests in flight per worker.")
@click.option("--llm-max-tokens", type=int, help="Maximum tokens per LLM answer.")
@click.option("--llm-temperature", type=float, help="LLM sampling temperature.")
@click.option(
    "--llm-api-key-env", help="Environment variable holding the API key (default OPENAI_API_KEY)."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the LLM prompts with estimated tokens and cost; send nothing, write nothing.",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Dataset folder to write (rerun the same command to resume).",
)
@click.pass_context
def build(
    ctx: click.Context, /, recipe: Path | None, out_dir: Path, dry_run: bool, **flags: Any
) -> None:
    """Build a dataset folder from RECIPE (a TOML file) or from flags.

    \b
    Examples:
      eotext build recipes/demo.toml -o demo-out
      eotext build --labels WorldCover.tif --scheme worldcover -o out
      eotext build --image S2A_MSIL2A_...SAFE --labels scl -o out
      eotext build --osm Helsinki.osm.pbf --gsd 0.5 -o out
      eotext build --stac https://earth-search.aws.element84.com/v1 \\
        --stac-collection sentinel-2-l2a --bbox -12,24,-11,25 \\
        --datetime 2020-02-01/2020-02-29 --max-cloud-cover 10 --labels scl -o out
      eotext build recipe.toml --scheduler tcp://10.0.0.5:8786 -o /shared/out
      eotext build recipe.toml --llm-model gpt-4o-mini --llm-base-url URL -o out --dry-run
    """
    from eotext.config.flags import recipe_from_flags
    from eotext.run.build import build_dataset

    config = recipe_from_flags(recipe, **flags)
    if dry_run:
        _print_dry_run(config)
        return
    result = build_dataset(config, out_dir, progress=not ctx.obj["quiet"])
    dropped = ", ".join(f"{k} {v}" for k, v in result.dropped.items()) or "none"
    click.echo(
        f"{result.out_dir}: {result.patches} patches, {result.texts} texts "
        f"({result.units_run} units built, {result.units_skipped} already done; "
        f"dropped: {dropped}; {result.seconds:.1f} s)"
    )
    if result.patches == 0:
        click.echo(
            "eotext: warning: no patch passed the filters; check the drop reasons above and "
            "lower --min-valid or raise --max-cloud",
            err=True,
        )


def _print_dry_run(config: Any) -> None:
    from eotext.errors import RecipeError
    from eotext.run.dry_run import dry_run

    if "llm" not in config.annotate.kinds:
        raise RecipeError("--dry-run previews LLM prompts: add --llm-model or kinds = ['llm']")
    plan = dry_run(config)
    for p in plan.prompts:
        click.echo(f"=== {p.patch_id} (~{p.est_prompt_tokens} prompt tokens)\n{p.prompt}\n")
    click.echo(
        f"dry run: {len(plan.prompts)} requests to {config.annotate.llm.base_url} "
        f"({config.annotate.llm.model}), ~{plan.est_prompt_tokens} prompt tokens, "
        f"≤ {plan.est_completion_tokens} completion tokens, estimated cost ≤ {plan.est_cost:.4f}"
    )


@cli.command()
@click.argument("name", required=False)
def schemes(name: str | None) -> None:
    """List the land-cover schemes, or the classes of scheme NAME."""
    from eotext.schemes import SCHEMES, get_scheme

    if name is None:
        for s in SCHEMES.values():
            click.echo(f"{s.name:16} {len(s):3} classes  {s.title}")
        return
    scheme = get_scheme(name)
    for c in scheme:
        click.echo(f"{c.code:5}  #{bytes(c.color).hex()}  {c.short_name:28} {c.name}")


@cli.command(name="export")
@click.argument(
    "fmt", metavar="FORMAT", type=click.Choice(["bigearthnet-txt", "llava", "openclip"])
)
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (.parquet for bigearthnet-txt, .json for llava).",
)
@click.option(
    "--box-format",
    type=click.Choice(["qwen", "geochat", "pixel"]),
    default="qwen",
    show_default=True,
    help="How boxes are written: Qwen-VL <box> on 0-1000, GeoChat "
    "{<x1><y1><x2><y2>} on 0-100, or pixels.",
)
@click.option(
    "--style",
    default="title",
    show_default=True,
    help="openclip: texts of this style fill the title column (title, "
    "title_multi_objects, short, ...).",
)
@click.option(
    "--absolute", is_flag=True, help="openclip: absolute image paths (default: relative to -o)."
)
def export_command(
    fmt: str, dataset: Path, out: Path, box_format: str, style: str, absolute: bool
) -> None:
    """Export DATASET's texts as training items in FORMAT.

    \b
    bigearthnet-txt  parquet: ID, patch_id, input, output, type (binary, mcq, open,
                     captioning, bounding box), category, split, latitude, longitude,
                     country, season, climate_zone
    llava            LLaVA/ShareGPT JSON: one multi-turn conversation per patch
    openclip         CSV of filepath,title (preview PNG and one caption) for open_clip
                     and SkyScript-style CLIP training
    """
    from eotext.export import export

    if fmt == "openclip":
        n = export(fmt, dataset, out, style=style, absolute=absolute)
    else:
        n = export(fmt, dataset, out, box_format=box_format)
    unit = {"bigearthnet-txt": "rows", "openclip": "rows"}.get(fmt, "conversations")
    click.echo(f"{out}: {n} {unit}")


@cli.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
def info(dataset: Path) -> None:
    """Summarise a dataset folder: counts, drops, sources and licences."""
    from eotext.report.summary import summarise

    click.echo(summarise(dataset))


from eotext.cli.bench import bench  # noqa: E402  (registered last: a one-line merge)

cli.add_command(bench)

if __name__ == "__main__":  # pragma: no cover
    cli()
