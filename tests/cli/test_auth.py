"""CLI: `auth add-user` and `auth hash` (factcheck.cli.auth)."""

import bcrypt

from factcheck.services.auth import Role, add_user, load_users


def test_add_user_cli_writes_a_bcrypt_hash(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from factcheck.cli import app

    path = tmp_path / "users.yaml"
    add_user(path, "Cy", "cy-pw", Role.admin, name="Cy Admin")
    monkeypatch.setenv("FACTCHECK_NEW_PASSWORD", "dee-pw")
    res = CliRunner().invoke(app, ["auth", "add-user", str(path), "dee", "--role", "editor"])
    assert res.exit_code == 0, res.output
    users = load_users(path)["credentials"]["usernames"]
    assert users["cy"]["roles"] == ["admin"] and users["dee"]["roles"] == ["editor"]
    assert bcrypt.checkpw(b"dee-pw", users["dee"]["password"].encode())
    res = CliRunner().invoke(app, ["auth", "hash", "pw"])
    assert res.exit_code == 0
    assert bcrypt.checkpw(b"pw", res.stdout.strip().encode())
    res = CliRunner().invoke(app, ["auth", "add-user", str(path), "eve", "--role", "boss"])
    assert res.exit_code == 2  # an unknown role is a usage error
