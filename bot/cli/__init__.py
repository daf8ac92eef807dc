"""The `culturebot` command line: one module per command group, the demo beside it."""

from bot.cli.main import app

__all__ = ["app"]
