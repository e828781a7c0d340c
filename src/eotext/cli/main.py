"""The ``eotext`` command: a thin shell over the library.

Each command parses options, builds typed configuration, calls one library function and
prints. Errors from the library become a one-line message and a non-zero exit, here only.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from eotext.errors import EotextError

_F = TypeVar("_F", bound=Callable[..., Any])


class EotextGroup(click.Group):
    """Turns any :class:`EotextError` or operating-system error (full disk, read-only or
    missing path, permissions) into one line on stderr and exit status 1, and a usage error
    (a bad or repeated option) into one line and exit status 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _usage_error(ctx, exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EotextError as exc:
            click.echo(f"eotext: error: {exc}", err=True)
            ctx.exit(1)
        except click.UsageError as exc:
            _usage_error(ctx, exc)
        except OSError as exc:
            from eotext.errors import os_error_message

            click.echo(f"eotext: error: {os_error_message(exc)}", err=True)
            ctx.exit(1)
        finally:
            # The command is done and has closed what it wrote. Frozen, the objects it leaves
            # are not walked again by the collections of the interpreter's exit: after a
            # build, two or three full walks of everything the libraries keep (0.15 s).
            gc.freeze()


def _usage_error(ctx: click.Context, exc: click.UsageError) -> NoReturn:
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        raise exc  # a group called bare shows its help
    where = (exc.ctx or ctx).command_path
    message = " ".join(exc.format_message().split())
    click.echo(f"eotext: error: {message} (see `{where} --help`)", err=True)
    ctx.exit(2)


class OnceOption(click.Option):
    """A single-valued option that is an error to repeat (click would keep the last value)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["multiple"] = True  # collected, so a repeat can be seen and refused
        super().__init__(*args, **kwargs)

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        values = super().process_value(ctx, value)
        if len(values) > 1:
            shown = ", ".join(str(v) for v in values)
            raise click.BadParameter(
                f"given {len(values)} times ({shown}); give it once", ctx=ctx, param=self
            )
        return values[0] if values else None


def once(*names: str, **kwargs: Any) -> Callable[[_F], _F]:
    """``click.option`` for a build setting that takes one value."""
    return click.option(*names, cls=OnceOption, **kwargs)


@click.group(cls=EotextGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eotext", prog_name="eotext")
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
    help="Imagery: a SAFE folder, a folder of band files, a multi-band GeoTIFF, "
    "BigEarthNet v1 patch folder(s), a BigEarthNet v2 root (BigEarthNet-S2/ and "
    "metadata.parquet) or a STAC item JSON. Repeat for several scenes.",
)
@once(
    "--stac",
    metavar="URL",
    help="Imagery from STAC: an item, an ItemCollection, a catalog or collection JSON (URL or "
    "file), or a STAC API root (with --stac-collection). One scene per item.",
)
@once("--stac-collection", help="The collection to search in a STAC API.")
@once("--bbox", metavar="W,S,E,N", help="Keep STAC items that intersect this box (°).")
@once("--datetime", metavar="A/B", help="Keep STAC items acquired in A/B (ISO dates; '..' = open).")
@once("--max-items", type=int, help="Use at most this many STAC items.")
@once("--max-cloud-cover", type=float, help="Drop STAC items with eo:cloud_cover above this (%).")
@once(
    "--labels",
    help="A label map (any CRS; aligned to the imagery by nearest neighbour; a path or an "
    "http(s) URL of a COG), or 'scl' for the product's Scene Classification.",
)
@once("--scheme", help="Land-cover scheme of --labels (see `eotext schemes`).")
@once(
    "--osm",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An OpenStreetMap extract (.osm.pbf/.osm) for SkyScript-style captions (annotator "
    "'osm'). Alone: a grid at --gsd over the extract, previews drawn from the map.",
)
@once("--patch-size", type=int, help="Patch size in pixels (default 256).")
@once("--stride", type=int, help="Stride between patches in pixels (default: patch size).")
@once("--gsd", "gsd_m", type=float, help="Ground sampling distance in metres.")
@once("--crs", help="Target CRS, e.g. EPSG:32629, or 'utm'.")
@once("--seed", type=int, help="Seed for text variation (default 0).")
@once("--min-valid", type=float, help="Drop patches with less valid data (0-1).")
@once("--max-cloud", type=float, help="Drop patches with more cloud (0-1).")
@once(
    "--max-dominant-share",
    type=float,
    help="Drop near-uniform patches whose first class covers this share or more, e.g. 0.98 "
    "(0-1; default: no cap).",
)
@once(
    "--max-same-composition",
    type=int,
    help="Keep at most this many patches per build unit with the same class composition in "
    "whole percent, e.g. 3 (default: no cap).",
)
@once(
    "--unknown-codes",
    type=click.Choice(["error", "unlabelled"]),
    help="What to do with label codes the scheme does not define.",
)
@once("--annotate", help="Comma-separated annotators, e.g. caption,vqa (default: caption).")
@once("--workers", type=int, help="Worker processes (default: one per CPU core).")
@click.option(
    "--no-verify",
    is_flag=True,
    help="Do not check the texts against the label patches after the build ([output] verify).",
)
@once(
    "--scheduler",
    help="Run the units on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
    "(the output folder must be storage all workers share).",
)
@once(
    "--llm-base-url",
    help="OpenAI-compatible endpoint for the llm annotator, e.g. http://127.0.0.1:8080/v1.",
)
@once("--llm-model", help="Model name for the llm annotator (adds 'llm' to --annotate).")
@once(
    "--llm-mode",
    type=click.Choice(["text", "paraphrase", "vision"]),
    help="text: ChatEarthNet's prompt from the statistics; paraphrase: rewrite template "
    "captions; vision: 4 label-map images per request (multimodal models).",
)
@once(
    "--llm-concurrency", type=int, help="LLM requests in flight, across all workers of the build."
)
@once("--llm-max-tokens", type=int, help="Maximum tokens per LLM answer.")
@once("--llm-temperature", type=float, help="LLM sampling temperature.")
@once(
    "--llm-api-key-env", help="Environment variable holding the API key (default OPENAI_API_KEY)."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the LLM prompts with estimated tokens and cost; send nothing, write nothing "
    "(also when the recipe sets [annotate.llm] dry_run = true).",
)
@once(
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

    Flags given with RECIPE override its settings and are checked like them. Every flag but
    --image (one scene each) is given at most once.

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
    from eotext.run.engine import pandas_left_out

    config = recipe_from_flags(recipe, **flags)
    if dry_run or ("llm" in config.annotate.kinds and config.annotate.llm.dry_run):
        _print_dry_run(config)  # writes nothing: -o is neither created nor changed
        return
    # Local units never need pandas (a Dask client may: left alone).
    leave_out = pandas_left_out if not config.output.scheduler else contextlib.nullcontext
    # What is imported lives as long as the command: frozen, the collections between units
    # no longer walk it.
    gc.freeze()
    with leave_out():
        result = build_dataset(config, out_dir, progress=not ctx.obj["quiet"])
    dropped = ", ".join(f"{k} {v}" for k, v in result.dropped.items()) or "none"
    click.echo(
        f"{result.out_dir}: {result.patches} patches, {result.texts} texts "
        f"({result.units_run} units built, {result.units_skipped} already done; "
        f"dropped: {dropped}; {result.seconds:.1f} s)"
    )
    # Warnings that change what the folder is worth are printed even under -q.
    if result.patches == 0:
        click.echo(
            "eotext: warning: no patch passed the filters; check the drop reasons above and "
            "lower --min-valid or raise --max-cloud",
            err=True,
        )
    elif result.texts == 0:
        click.echo(
            "eotext: warning: the build wrote 0 texts; check the annotators (--annotate) and, "
            "for llm, the endpoint (see the log with -v)",
            err=True,
        )
    if result.failed_requests:
        failed = ", ".join(f"{n} {kind}" for kind, n in result.failed_requests.items())
        click.echo(
            f"eotext: warning: requests without answer: {failed}; the dataset is incomplete "
            "(manifest: complete false). Rerun the same command to ask again (answers "
            "received are cached)",
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


def _export_formats() -> list[str]:
    from eotext.export import FORMATS

    return list(FORMATS)


def _box_formats() -> list[str]:
    from eotext.export.boxes import BOX_FORMATS

    return list(BOX_FORMATS)


@cli.command(name="export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(_export_formats()))
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="File (bigearthnet-txt .parquet, llava .json, openclip .csv/.tsv, swift .jsonl) or "
    "folder (coco, hf, llamafactory, lmms-eval, stac, vlmevalkit, webdataset) to write.",
)
@click.option(
    "--box-format",
    type=click.Choice(_box_formats()),
    default=None,
    help="How boxes are written [default: qwen]: pixel; norm1 0-1 (lmms-eval); geochat "
    "{<x1><y1><x2><y2>} 0-100; qwen <box>(x1,y1),(x2,y2)</box> 0-1000 (Qwen-VL); qwen2-vl "
    "<|box_start|>... 0-1000; internvl <box>[[...]]</box> 0-1000; qwen3-vl bbox_2d 0-1000; "
    "qwen2.5-vl bbox_2d in pixels of the image Qwen2.5-VL resizes (multiples of 28).",
)
@click.option("--split", default=None, help="Export only the patches of this split (train, ...).")
@click.option(
    "--style",
    default=None,
    help="openclip: texts of this style fill the title column [default: the first of title, "
    "title_multi_objects, short, multilabel, detailed present]; "
    "vlmevalkit/lmms-eval: the caption style scored [default: detailed].",
)
@click.option(
    "--image",
    default=None,
    help="Which file goes with the texts: preview (PNG, default), image (GeoTIFF), both "
    "(webdataset).",
)
@click.option("--absolute", is_flag=True, help="openclip: absolute image paths (the default).")
@click.option(
    "--relative-to",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="openclip: write paths relative to this folder (where training runs).",
)
@click.option(
    "--separator",
    type=click.Choice(["tab", ","]),
    default=None,
    help="openclip: column separator [default: tab, open_clip's]; ',' for SkyScript-style CSV.",
)
@click.option("--shard-size", type=int, default=None, help="webdataset: samples per shard [1000].")
@click.option(
    "--include-flagged",
    is_flag=True,
    help="Also export texts flagged by a check or rejected by a reviewer (left out by default).",
)
def export_command(
    fmt: str,
    dataset: Path,
    out: Path,
    box_format: str | None,
    split: str | None,
    style: str | None,
    image: str | None,
    absolute: bool,
    relative_to: Path | None,
    separator: str | None,
    shard_size: int | None,
    include_flagged: bool,
) -> None:
    """Export DATASET's texts as training or evaluation data in FORMAT.

    \b
    bigearthnet-txt  parquet: ID, patch_id, input, output, type (binary, mcq, open,
                     captioning, bounding box), category, split, latitude, longitude,
                     country, season, climate_zone
    coco             folder: captions.json (COCO captions), instances.json (referring
                     boxes as instances, bbox [x, y, w, h] pixels)
    hf               folder datasets.load_dataset(DIR) loads: README.md card, data/<split>
                     parquet with an Image column and the texts
    llamafactory     folder: eotext.json (ShareGPT) + dataset_info.json
    llava            LLaVA/ShareGPT JSON, one conversation per patch; images relative to
                     the dataset folder: train with --image_folder DATASET
    lmms-eval        task folder: YAML + utils.py scoring with eotext's scorers
    openclip         TSV (open_clip's defaults) of filepath, title; absolute paths
    stac             folder: STAC collection + one item per patch (label extension)
    swift            ms-swift JSONL: messages, images, objects with bbox_type
    vlmevalkit       folder: one TSV per task type (MCQ, YORN, VQA, CAPTION)
    webdataset       folder of tar shards: png/tif, json, txt per patch

    Texts whose status is flagged or rejected are left out (and counted in a warning) unless
    --include-flagged.
    """
    from eotext.export import OUTPUTS, export, options_of

    given: dict[str, object] = {
        "box_format": box_format,
        "split": split,
        "image": image,
        "relative_to": relative_to,
        "separator": "\t" if separator == "tab" else separator,
        "shard_size": shard_size,
        "include_flagged": include_flagged or None,
    }
    if style is not None:
        given["caption_style" if "caption_style" in options_of(fmt) else "style"] = style
    options = {k: v for k, v in given.items() if v is not None}
    n = export(fmt, dataset, out, **options)
    unit, _ = OUTPUTS[fmt]
    click.echo(f"{out}: {n} {unit}")
    if fmt == "llava":
        click.echo(
            f"train with --image_folder {dataset.resolve()} (image paths are relative to it)"
        )


@cli.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
def info(dataset: Path) -> None:
    """Summarise a dataset folder: counts by split, text type and status; drops, sources and
    licences."""
    from eotext.report.summary import summarise

    click.echo(summarise(dataset))


@cli.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--gallery",
    default=24,
    show_default=True,
    type=click.IntRange(min=0),
    help="How many patches the gallery shows (those with findings first).",
)
def report(dataset: Path, gallery: int) -> None:
    """Write DATASET/report/index.html: counts, class and caption statistics, diversity,
    VQA answer balance, a map, a gallery, sources and LLM cost, in one offline page."""
    from eotext.report.html import write_report

    result = write_report(dataset, gallery=gallery)
    click.echo(
        f"{result.path}: {result.figures} figures, {result.gallery} gallery patches "
        f"({result.patches} patches, {result.texts} texts)"
    )


from eotext.cli.bench import bench  # noqa: E402  (registered last: a one-line merge)

cli.add_command(bench)
from eotext.cli.verify import register as register_verify  # noqa: E402

register_verify(cli)

if __name__ == "__main__":  # pragma: no cover
    cli()
