"""``python -m factcheck`` runs the command line."""

from factcheck.cli.app import main

main()
