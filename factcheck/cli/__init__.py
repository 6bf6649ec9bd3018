"""The `factcheck` command line (typer): one module per command group, registered in :mod:`.app`."""

from factcheck.cli.app import app, main

__all__ = ["app", "main"]
