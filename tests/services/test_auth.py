"""Roles and the users file for team mode (factcheck.services.auth)."""

from pathlib import Path

import bcrypt
import pytest
import yaml

from factcheck.config import Settings
from factcheck.errors import ConfigError, FactcheckError
from factcheck.services.auth import (
    ACTIONS,
    Identity,
    PermissionDenied,
    Role,
    can,
    load_users,
    require,
    role_of,
    solo_identity,
    team_mode,
)
from tests.conftest import REPO

SAMPLE = REPO / "sample_data"
USERS = {"ana": ("ana-pw", "reviewer"), "ed": ("ed-pw", "editor")}


def write_users(path: Path, **extra) -> Path:
    """A users file with cheap bcrypt hashes (rounds=4: the tests stay fast)."""
    users = {
        name: {"name": name.title(), "email": f"{name}@example.org", "roles": [role],
               "password": bcrypt.hashpw(pw.encode(), bcrypt.gensalt(4)).decode()}
        for name, (pw, role) in USERS.items()
    }
    data = {"cookie": {"name": "fc_test", "key": "k" * 32, "expiry_days": 0},
            "credentials": {"usernames": users}, **extra}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_roles_include_the_ones_below():
    assert can("reviewer", "verdict") and not can("reviewer", "publish")
    assert can(Role.editor, "verdict") and can(Role.editor, "second_review")
    assert not can(Role.editor, "manage_users") and can(Role.admin, "manage_users")
    assert all(can(Role.admin, a) for a in ACTIONS)


def test_require_names_the_role_needed():
    ana = Identity("ana", Role.reviewer)
    ana.require("link")
    with pytest.raises(PermissionDenied, match=r"ana \(reviewer\) may not publish: it needs the editor role"):
        ana.require("publish")
    with pytest.raises(FactcheckError, match="unknown action"):
        require(Role.admin, "fly")


def test_team_mode_follows_the_database(monkeypatch):
    monkeypatch.delenv("FACTCHECK_TEAM", raising=False)
    assert not team_mode(Settings(db="x.db"))
    assert team_mode(Settings(db="postgresql://u@h/db"))
    monkeypatch.setenv("FACTCHECK_TEAM", "1")
    assert team_mode(Settings(db="x.db"))
    monkeypatch.setenv("FACTCHECK_TEAM", "0")
    assert not team_mode(Settings(db="postgresql://u@h/db"))
    assert solo_identity().role is Role.admin and solo_identity().can("manage_users")


def test_users_file_checks_and_team_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("FACTCHECK_TEAM", raising=False)
    path = write_users(tmp_path / "u.yaml")
    assert team_mode(Settings(db="x.db", auth=path)) and not team_mode(Settings(db="x.db"))
    config = load_users(path)
    assert set(config["credentials"]["usernames"]) == {"ana", "ed"} and config["cookie"]["expiry_days"] == 0
    assert role_of(["reviewer", "editor"]) is Role.editor and role_of(None) is Role.reviewer
    with pytest.raises(ConfigError, match="unknown role"):
        role_of(["boss"])
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(
        {"cookie": {"name": "c", "key": "k"}, "credentials": {"usernames": {"x": {"password": "secret"}}}}))
    with pytest.raises(ConfigError, match="no bcrypt password hash"):
        load_users(tmp_path / "plain.yaml")
    with pytest.raises(ConfigError, match="cannot read"):
        load_users(tmp_path / "missing.yaml")
    assert load_users(SAMPLE / "auth.example.yaml")["credentials"]["usernames"]["ed"]["roles"] == ["editor"]
