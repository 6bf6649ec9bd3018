"""Team mode: login (streamlit-authenticator, bcrypt users file) and roles, in the app and the library.

The app tests drive the library's real login form in AppTest (no session state is faked). To keep
them lean each one bootstraps only the sample articles (no sources or archive).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import bcrypt
import pytest
import sqlalchemy as sa
import yaml

from factcheck.config import Settings
from factcheck.errors import ConfigError
from factcheck.services.auth import Role, add_user, load_users, role_of, team_mode
from tests.ui.test_app import APP, SAMPLE, TIMEOUT, _env, ok, page, texts

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


@pytest.fixture
def team(tmp_path, monkeypatch, st_model):
    """Factory: ``team()`` is a fresh browser session (AppTest) at the login form, in team mode."""
    from streamlit.testing.v1 import AppTest

    data = tmp_path / "sample"
    shutil.copytree(SAMPLE / "articles", data / "articles")
    _env(monkeypatch, tmp_path, st_model)
    monkeypatch.setenv("FACTCHECK_SAMPLE_DATA", str(data))
    monkeypatch.setenv("FACTCHECK_AUTH", str(write_users(tmp_path / "users.yaml")))
    monkeypatch.delenv("FACTCHECK_TEAM", raising=False)

    def new():
        return ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())

    new.folder = tmp_path
    return new


def login(at, username: str, password: str):
    """Fill in and submit streamlit-authenticator's login form."""
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Log in").click()
    return ok(at.run())


def login_form_shown(at) -> bool:
    return any(h.value == "Log in to factcheck" for h in at.subheader)


def has_queue(at) -> bool:
    try:
        at.dataframe(key="queue_table")
    except KeyError:
        return False
    return True


@pytest.mark.slow
def test_login_required_and_the_login_user_is_the_reviewer(team):
    at = team()
    assert not has_queue(at) and login_form_shown(at)
    assert [t.label for t in at.text_input] == ["Username", "Password"]

    login(at, "ana", "wrong")
    assert not has_queue(at) and "Username or password is incorrect." in texts(at)

    login(at, "ana", "ana-pw")
    assert has_queue(at)
    assert "Signed in as" in texts(at) and "(reviewer)" in texts(at)
    assert not [t for t in at.sidebar.text_input if t.key == "fc_reviewer_input"]  # no name box

    cid = int(at.dataframe(key="queue_table").value.iloc[0]["claim_id"])
    at.query_params["claim"] = str(cid)
    at.switch_page(page("review"))
    ok(at.run())
    at.selectbox(key=f"review_label_{cid}").set_value("False")
    at.checkbox(key=f"review_second_{cid}").check()
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    assert "Saved verdict “False”" in texts(at)

    db = sa.create_engine(f"sqlite:///{team.folder / 'fc.db'}")
    with db.connect() as conn:
        verdict = conn.execute(sa.text("SELECT reviewer FROM verdicts WHERE claim_id = :c"), {"c": cid}).all()
        events = conn.execute(sa.text("SELECT DISTINCT reviewer FROM review_events WHERE claim_id = :c"),
                              {"c": cid}).all()
    db.dispose()
    assert [r[0] for r in verdict] == ["ana"]
    assert [r[0] for r in events] == ["ana"]

    # a reviewer cannot close a claim that waits for a second review: that needs an editor
    at.checkbox(key=f"review_second_{cid}").uncheck()
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    assert "needs the editor role" in texts(at)

    # the export page: no downloads for a reviewer
    at.switch_page(page("export"))
    ok(at.run())
    assert not at.get("download_button")
    assert "needs the editor role" in texts(at)


@pytest.mark.slow
def test_an_editor_sees_the_export_downloads_and_can_log_out(team):
    at = login(team(), "ed", "ed-pw")
    assert "(editor)" in texts(at)
    at.switch_page(page("export"))
    ok(at.run())
    assert len(at.get("download_button")) == 3
    at.sidebar.button(key="fc_logout").click()
    ok(at.run())
    assert not at.get("download_button") and login_form_shown(at)


def test_a_broken_users_file_is_one_clear_line(team, tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"cookie": {"name": "c", "key": "k", "expiry_days": 1},
                                   "credentials": {"usernames": {"x": {"password": "plain"}}}}))
    monkeypatch.setenv("FACTCHECK_AUTH", str(bad))
    at = team()
    assert "no bcrypt password hash" in texts(at) and not has_queue(at)


# -- library side (no streamlit) -----------------------------------------------------------------
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
