"""`auth hash` and `auth add-user`: the users file of team mode."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer

from factcheck.cli.common import App, errors, out
from factcheck.services.auth import Role, add_user, hash_password

auth_app = App(help="Users for team mode (a streamlit-authenticator YAML file).",
                       no_args_is_help=True, rich_markup_mode=None)


@auth_app.command("hash")
def hash_cmd(
    password: str = typer.Argument(None, help="The password (asked for when not given)."),
) -> None:
    """Print the bcrypt hash of a password, to paste into a users file."""
    with errors():
        sys.stdout.write(hash_password(password or getpass.getpass("Password: ")) + "\n")


@auth_app.command("add-user")
def add_user_cmd(
    file: Path = typer.Argument(..., help="The users file (created with a random cookie key if missing)."),
    username: str = typer.Argument(..., help="Login name (lower-cased)."),
    role: Role = typer.Option(Role.reviewer.value, "--role", help="reviewer, editor or admin."),
    name: str = typer.Option(None, "--name", help="Display name."),
    email: str = typer.Option(None, "--email"),
) -> None:
    """Add or update a user (the password is asked for, or read from FACTCHECK_NEW_PASSWORD)."""
    password = os.environ.get("FACTCHECK_NEW_PASSWORD") or getpass.getpass(f"Password for {username}: ")
    with errors():
        add_user(file, username, password, role, name, email)
    out.print(f"{username.strip().lower()} ({Role(role).value}) saved in {file}")


def register(app: typer.Typer) -> None:
    """Add `auth` to the factcheck app."""
    app.add_typer(auth_app, name="auth")
