"""Team mode: login (streamlit-authenticator, bcrypt users file) and roles, in the app.

The app tests drive the library's real login form in AppTest (no session state is faked). To keep
them lean each one bootstraps only the sample articles (no sources or archive).
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
import yaml

from tests.services.test_auth import write_users
from tests.ui.test_app import APP, SAMPLE, TIMEOUT, _env, ok, page, texts


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
    # a reviewer in team mode lands on "My queue": nothing is assigned to ana yet
    assert at.toggle(key="queue_mine").value and "No claims assigned to you" in texts(at)
    at.toggle(key="queue_mine").set_value(False)
    ok(at.run())
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
