"""The CLI against either database (`--db postgresql://...` or a SQLite path), same commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factcheck.cli.app import app
from factcheck.db.store import Store
from factcheck.models import Article, Claim


@pytest.fixture
def team_cli(settings, fake_model, monkeypatch, tmp_path):
    import factcheck.ml.embedder

    monkeypatch.setattr(factcheck.ml.embedder, "load_model", lambda _name=None: fake_model)
    monkeypatch.chdir(tmp_path)
    db = settings.url.replace("postgresql+psycopg://", "postgresql://")  # the bare form users type
    base = ["--db", db, "--index-dir", str(settings.index_dir)]
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [*base, *args])


def test_cli_on_either_database(team_cli, settings):
    store = Store(settings.url)
    text = "Exports fell by $3 billion. The sky is green."
    store.save_extraction(Article(id="a1", text=text), [], [
        Claim(article_id="a1", sentence_index=0, start=0, end=27, text=text[:27]),
        Claim(article_id="a1", sentence_index=1, start=28, end=len(text), text=text[28:]),
    ])
    store.dispose()
    listed = team_cli("claims", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [json.loads(x)["text"] for x in listed.stdout.splitlines()] == [text[:27], text[28:]]
    assert team_cli("index", "check").exit_code == 1  # no index yet
    assert team_cli("index", "rebuild").exit_code == 0
    assert team_cli("index", "check").exit_code == 0
    hits = team_cli("similar", "Exports fell by $3 billion", "--k", "1", "--json")
    assert hits.exit_code == 0 and json.loads(hits.stdout)["text"] == text[:27]


def test_db_in_a_missing_folder_says_so(tmp_path):
    from factcheck.cli.app import missing_db_folder

    missing = tmp_path / "no-such-folder"
    res = CliRunner().invoke(app, ["--db", str(missing / "fc.db"), "claims", "list"])
    assert res.exit_code == 1
    assert f"the folder {missing} does not exist" in res.output and "mkdir -p" in res.output
    assert not missing.exists()
    assert missing_db_folder(f"sqlite:///{tmp_path / 'fc.db'}") is None
    assert missing_db_folder("sqlite:///:memory:") is None
    assert missing_db_folder("postgresql+psycopg://u@h/db") is None


def test_command_list_shows_whole_summaries():
    from typer.testing import CliRunner

    from factcheck.cli.app import app

    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    commands = " ".join(res.stdout.split("Commands:", 1)[1].split())  # wrapped lines joined
    assert "pick check-worthy claims, embed and index them." in commands
    assert "..." not in commands  # no summary cut short
