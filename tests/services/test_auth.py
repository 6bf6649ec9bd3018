"""Roles for team mode (factcheck.auth)."""

import pytest

from factcheck.config import Settings
from factcheck.errors import FactcheckError
from factcheck.services.auth import (
    ACTIONS,
    Identity,
    PermissionDenied,
    Role,
    can,
    require,
    solo_identity,
    team_mode,
)


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
