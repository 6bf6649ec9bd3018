"""Roles enforced in the library (services.auth.authorise inside each write's transaction) and so
in the CLI as in the app: `factcheck review` in team mode needs a user of the users file."""

from __future__ import annotations

import bcrypt
import pytest
import yaml
from typer.testing import CliRunner

from factcheck.cli.app import app
from factcheck.config import Settings
from factcheck.errors import ConfigError, FactcheckError
from factcheck.models import Article, Claim, ClaimStatus
from factcheck.services import review
from factcheck.services.auth import (
    ACTIONS,
    Actor,
    PermissionDenied,
    Role,
    actor_for,
    allowed,
    authenticate,
    authorise,
    solo_actor,
)

TEXT = "Exports fell by $3 billion. The sky is green. Prices rose 2%."
USERS = {"ana": ("ana-pw", "reviewer"), "ed": ("ed-pw", "editor"), "root": ("root-pw", "admin")}

# the least role of each action: the whole rules table, spelled out
TABLE = {
    "review": "reviewer", "link": "reviewer", "verdict": "reviewer", "edit_claim": "reviewer",
    "second_review": "editor", "publish": "editor", "export": "editor", "import": "editor",
    "manage_scale": "editor", "manage_users": "admin",
}


def write_users(path, users=USERS):
    data = {"cookie": {"name": "fc_test", "key": "k" * 32, "expiry_days": 0},
            "credentials": {"usernames": {
                n: {"name": n.title(), "email": f"{n}@example.org", "roles": [r],
                    "password": bcrypt.hashpw(pw.encode(), bcrypt.gensalt(4)).decode()}
                for n, (pw, r) in users.items()}}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def claim(status: ClaimStatus, cid: int = 7) -> Claim:
    return Claim(id=cid, article_id="a", sentence_index=0, start=0, end=3, text="abc", status=status)


# -- the rules ---------------------------------------------------------------------------------
def test_the_table_is_the_one_in_the_library():
    assert {a: r.value for a, r in ACTIONS.items()} == TABLE


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(TABLE))
def test_authorise_each_role_and_action(role, action):
    who = Actor("x", role)
    if role.rank >= Role(TABLE[action]).rank:
        assert authorise(who, action) is who and allowed(who, action)
    else:
        with pytest.raises(PermissionDenied, match=rf"x \({role.value}\) may not .*: it needs the "
                                                    rf"{TABLE[action]} role; ask an admin"):
            authorise(who, action)
        assert not allowed(who, action)


def test_unknown_action_is_an_error():
    with pytest.raises(FactcheckError, match="unknown action"):
        authorise(Actor("x", Role.admin), "fly")


@pytest.mark.parametrize("role", list(Role))
def test_second_review_rule(role):
    who = Actor("x", role)
    waiting = claim(ClaimStatus.needs_second_review)
    for action in ("verdict", "review", "edit_claim"):
        # anyone may keep it waiting, or act on a claim that is not waiting
        authorise(who, action, waiting, to_status=ClaimStatus.needs_second_review)
        authorise(who, action, claim(ClaimStatus.in_review), to_status=ClaimStatus.done)
        authorise(who, action, waiting)  # no status change (an edit of the span, a link)
        for target in (ClaimStatus.done, ClaimStatus.in_review, ClaimStatus.dismissed):
            if role is Role.reviewer:
                with pytest.raises(PermissionDenied, match="may not complete the second review of "
                                                           "claim 7: it needs the editor role"):
                    authorise(who, action, waiting, to_status=target)
            else:
                authorise(who, action, waiting, to_status=target.value)


def test_solo_actor_may_do_everything():
    solo = solo_actor()
    assert solo.role is Role.admin and all(allowed(solo, a) for a in ACTIONS)
    assert allowed(solo, "verdict", claim(ClaimStatus.needs_second_review), to_status="done")
    assert solo_actor("  ").username == solo.username and str(solo_actor("bo")) == "bo"


def test_actor_for_and_authenticate(tmp_path):
    users = write_users(tmp_path / "u.yaml")
    team = Settings(db="x.db", auth=users)
    assert actor_for(team, "ED") == Actor("ed", Role.editor, "Ed")
    with pytest.raises(PermissionDenied, match=r"'zoe' is not a user of .*FACTCHECK_AUTH.*"
                                               r"factcheck auth add-user"):
        actor_for(team, "zoe")
    assert actor_for(Settings(db="x.db"), "zoe") == Actor("zoe", Role.admin)  # solo: as before
    assert actor_for(team, Actor("ana", Role.reviewer)).role is Role.reviewer
    assert authenticate(team, "ana", "ana-pw").role is Role.reviewer
    asked = []
    with pytest.raises(PermissionDenied, match="not a user"):
        authenticate(team, "zoe", lambda: asked.append(1) or "pw")
    assert not asked  # no prompt for an unknown user
    with pytest.raises(PermissionDenied, match="wrong password for ana"):
        authenticate(team, "ana", "nope")
    with pytest.raises(PermissionDenied, match="FACTCHECK_PASSWORD"):
        authenticate(team, "ana", None)
    with pytest.raises(PermissionDenied, match="--reviewer NAME"):
        authenticate(team, None, "x")
    with pytest.raises(ConfigError, match="FACTCHECK_AUTH"):
        authenticate(Settings(db="x.db"), "ana", "ana-pw")


# -- inside the transaction ----------------------------------------------------------------------
@pytest.fixture
def ws(fake_ws):
    spans = [(0, 27), (28, 45), (46, len(TEXT))]
    art = Article(id="a1", text=TEXT)
    cls = [Claim(article_id="a1", sentence_index=i, start=s, end=e, text=TEXT[s:e])
           for i, (s, e) in enumerate(spans)]
    fake_ws.claim_ids = [c.id for c in fake_ws.store.save_extraction(art, [], cls)]
    return fake_ws


ANA, ED = Actor("ana", Role.reviewer), Actor("ed", Role.editor)


def test_a_reviewer_cannot_complete_a_second_review_in_the_library(ws):
    cid = ws.claim_ids[0]
    first = review.set_verdict(ws, cid, "False", ANA, status=ClaimStatus.needs_second_review)
    version = ws.store.get_claim(cid).version
    for attempt in (
        lambda: review.set_verdict(ws, cid, "True", ANA),
        lambda: review.set_verdict(ws, cid, "True", ANA, expect_version=version),
        lambda: review.set_status(ws, cid, ClaimStatus.in_review, ANA),  # no side door
        lambda: review.set_status(ws, cid, ClaimStatus.done, ANA),
        lambda: review.dismiss_claim(ws, cid, ANA, "not a claim"),
    ):
        with pytest.raises(PermissionDenied, match="needs the editor role"):
            attempt()
    after = ws.store.get_claim(cid)
    assert (after.status, after.version) == (ClaimStatus.needs_second_review, version)
    assert review.get_verdict(ws, cid) == first
    assert [e.kind for e in review.history(ws, cid)] == ["verdict"]  # nothing half-written
    # still allowed: keep it waiting, link evidence, fix the span
    review.set_verdict(ws, cid, "Mostly false", ANA, status=ClaimStatus.needs_second_review)
    review.edit_claim(ws, cid, ANA, 0, 26)
    done = review.set_verdict(ws, cid, "False", ED, "checked twice")
    assert done.reviewer == "ed" and ws.store.get_claim(cid).status is ClaimStatus.done


def test_the_rule_reads_the_claim_in_the_transaction(ws):
    """The app checked a stale copy (status new); meanwhile it went to second review: the save
    is refused by the check inside the transaction, not by the caller's stale copy."""
    cid = ws.claim_ids[1]
    stale = ws.store.get_claim(cid)
    assert allowed(ANA, "verdict", stale, to_status=ClaimStatus.done)
    review.set_verdict(ws, cid, "False", ED, status=ClaimStatus.needs_second_review)
    with pytest.raises(PermissionDenied, match="second review of claim"):
        review.set_verdict(ws, cid, "True", ANA)
    assert review.get_verdict(ws, cid).reviewer == "ed"


def test_role_table_applies_to_every_write(ws):
    viewer = Actor("vi", Role.reviewer)
    cid = ws.claim_ids[2]
    review.set_status(ws, cid, ClaimStatus.in_review, viewer)
    review.split_claim(ws, cid, [52], viewer)
    review.add_claim(ws, "a1", 28, 35, viewer)
    assert {e.reviewer for e in review.history(ws, cid)} == {"vi"}


# -- the CLI -----------------------------------------------------------------------------------
@pytest.fixture
def cli(ws, settings, tmp_path, monkeypatch):
    """`factcheck review` in team mode (a users file) on either database."""
    monkeypatch.setenv("FACTCHECK_AUTH", str(write_users(tmp_path / "users.yaml")))
    monkeypatch.delenv("FACTCHECK_TEAM", raising=False)
    monkeypatch.delenv("FACTCHECK_PASSWORD", raising=False)
    base = ["--db", settings.db, "--index-dir", str(settings.index_dir)]

    def run(*args, password=None):
        env = {"FACTCHECK_PASSWORD": password} if password else {}
        return CliRunner().invoke(app, [*base, "review", *map(str, args)], env=env)
    return run


def one_line(res) -> str:
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    return lines[0]


def test_cli_team_mode_needs_a_known_user_and_password(cli, ws):
    cid = ws.claim_ids[0]
    res = cli(cid, "--verdict", "False", "--reviewer", "anyone", password="x")
    assert res.exit_code == 4
    line = one_line(res)
    assert "'anyone' is not a user" in line and "FACTCHECK_AUTH" in line and "factcheck auth add-user" in line
    res = cli(cid, "--verdict", "False", password="x")
    assert res.exit_code == 4 and "--reviewer NAME" in one_line(res)
    res = cli(cid, "--verdict", "False", "--reviewer", "ana", password="wrong")
    assert res.exit_code == 4 and "wrong password for ana" in one_line(res)
    res = cli(cid, "--verdict", "False", "--reviewer", "ana")  # no FACTCHECK_PASSWORD, no terminal
    assert res.exit_code == 4 and "FACTCHECK_PASSWORD" in one_line(res)
    assert review.get_verdict(ws, cid) is None


def test_cli_reviewer_cannot_complete_a_second_review_an_editor_can(cli, ws):
    cid = ws.claim_ids[0]
    res = cli(cid, "--verdict", "False", "--reviewer", "ana", "--status", "needs_second_review",
              password="ana-pw")
    assert res.exit_code == 0, res.output
    res = cli(cid, "--verdict", "True", "--reviewer", "ana", password="ana-pw")
    assert res.exit_code == 4
    assert "ana (reviewer) may not complete the second review" in one_line(res)
    assert "needs the editor role" in res.output
    assert review.get_verdict(ws, cid).label == "False"
    assert ws.store.get_claim(cid).status is ClaimStatus.needs_second_review
    res = cli(cid, "--verdict", "True", "--reviewer", "ED", "--json", password="ed-pw")
    assert res.exit_code == 0, res.output
    assert review.get_verdict(ws, cid).reviewer == "ed"  # the name from the file
    assert ws.store.get_claim(cid).status is ClaimStatus.done


def test_cli_team_mode_without_users_file(ws, settings, monkeypatch):
    monkeypatch.delenv("FACTCHECK_AUTH", raising=False)
    monkeypatch.setenv("FACTCHECK_TEAM", "1")
    res = CliRunner().invoke(app, ["--db", settings.db, "--index-dir", str(settings.index_dir),
                                   "review", str(ws.claim_ids[0]), "--verdict", "False",
                                   "--reviewer", "ana"], env={"FACTCHECK_PASSWORD": "x"})
    assert res.exit_code == 1 and "team mode needs a users file" in one_line(res)
    assert review.get_verdict(ws, ws.claim_ids[0]) is None
