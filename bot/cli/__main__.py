"""`python -m bot.cli`: the same command line as the `culturebot` console script."""

from bot.cli.main import app

app()
