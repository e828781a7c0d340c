"""Options shared by several commands, declared once."""

from __future__ import annotations

import click

verbosity = click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
quiet = click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bar.")
