"""CLI contract of `sources add/list`, `suggest`, `archive import`, `match`, `check`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factcheck.cli.app import app
from tests.conftest import REPO, HashingModel
from tests.services.test_checks import NUT_JOBS, VALUATION, store_claims

SOURCES = REPO / "sample_data" / "sources"
ARCHIVE = REPO / "sample_data" / "archive"
SUGGEST_KEYS = {"passage_id", "source_id", "source_url", "source_title", "text", "start", "end",
                "score", "value_matches", "value_conflicts"}
MATCH_KEYS = {"archive_id", "claim", "verdict", "url", "score"}


def _make_cli(tmp_path, monkeypatch, model):
    import factcheck.ml.embedder

    monkeypatch.setattr(factcheck.ml.embedder, "load_model", lambda _name=None: model)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    base = ["--db", str(tmp_path / "fc.db"), "--index-dir", str(tmp_path / "idx")]

    def run(*args):
        return runner.invoke(app, [*base, *[str(a) for a in args]])

    return run


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """The CLI on a fresh database with the fast hashing embedder."""
    return _make_cli(tmp_path, monkeypatch, HashingModel())


@pytest.fixture
def real_cli(tmp_path, monkeypatch, st_model):
    """The CLI on a fresh database with the session's real model."""
    return _make_cli(tmp_path, monkeypatch, st_model)


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _claims(tmp_path, sample_text, needles):
    """Store the sample article's claims in the CLI's database (no check-worthiness model needed)."""
    from factcheck.config import Settings
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    settings = Settings(db=str(tmp_path / "fc.db"), index_dir=tmp_path / "idx")
    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder("unused", store,
                                                            loader=lambda _n: HashingModel()))
    try:
        return store_claims(ws, sample_text, needles)
    finally:
        store.dispose()


def test_sources_add_twice_and_list(cli):
    res = cli("sources", "add", SOURCES, "--json")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert len(rows) == 6 and all(r["status"] == "added" for r in rows)
    again = cli("sources", "add", SOURCES)
    assert again.exit_code == 0 and "0 added, 6 already stored" in again.stderr
    listed = _lines(cli("sources", "list", "--json").stdout)
    assert {r["source_id"] for r in listed} == {r["source_id"] for r in rows}
    assert "demo-ipo-plans" in cli("sources", "list").stdout


def test_sources_add_bad_file_exit_1_batch_goes_on(cli, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("A fine source. It has two sentences.")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\nx,y\n")
    res = cli("sources", "add", tmp_path / "missing.txt", bad, good)
    assert res.exit_code == 1
    assert "missing.txt: no such file" in res.stderr
    assert f"{bad}:1:" in res.stderr and "Traceback" not in res.output
    assert "1 added" in res.stderr


def test_suggest_text_claim_and_batch(cli, tmp_path, sample_text):
    value_claim, _ = _claims(tmp_path, sample_text, [VALUATION, NUT_JOBS])
    assert cli("sources", "add", SOURCES).exit_code == 0
    res = cli("suggest", "--text", "Anthropic is valued at $380 billion", "--k", "3", "--json")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert len(rows) == 3 and all(SUGGEST_KEYS <= set(r) for r in rows)
    assert rows[0]["source_id"] == "demo-ipo-plans"
    assert rows[0]["value_matches"][0]["passage"]["text"] == "$380 billion"
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)

    by_id = _lines(cli("suggest", value_claim.id, "--k", "12", "--json").stdout)
    assert by_id[0]["source_id"] == "demo-ipo-plans"
    sids = [r["source_id"] for r in by_id]
    assert len(sids) == len(set(sids)) == 6  # one row per source: the 6 sample sources
    assert all(0.0 <= r["score"] <= 1.0 and r["passages_matched"] >= 1 for r in by_id)
    table = cli("suggest", value_claim.id)  # table form
    assert table.exit_code == 0 and "passage" in table.stdout and "score" in table.stdout

    jl = tmp_path / "q.jsonl"
    jl.write_text(json.dumps({"id": "q1", "text": "six-month phaseout"}) + "\n"
                  + json.dumps({"id": "q2", "text": "city transit budget"}) + "\n")
    rows = _lines(cli("suggest", "--file", jl, "--k", "2", "--json").stdout)
    assert [(r["query_id"], r["rank"]) for r in rows] == [("q1", 1), ("q1", 2), ("q2", 1), ("q2", 2)]
    assert all(SUGGEST_KEYS <= set(r) for r in rows)
    tsv = tmp_path / "q.tsv"
    tsv.write_text("id\ttext\nt1\tcity transit budget\nt2\t\n")
    res = cli("suggest", "--file", tsv, "--k", "1", "--json")
    assert res.exit_code == 1 and f"{tsv}:3:" in res.stderr  # bad row reported, batch goes on
    assert [r["query_id"] for r in _lines(res.stdout)] == ["t1"]


def test_suggest_by_source(cli, tmp_path, sample_text):
    value_claim, _ = _claims(tmp_path, sample_text, [VALUATION, NUT_JOBS])
    assert cli("sources", "add", SOURCES).exit_code == 0
    res = cli("suggest", value_claim.id, "--by", "source", "--k", "3", "--json")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert len(rows) == 3 and len({r["source_id"] for r in rows}) == 3
    first = rows[0]
    assert first["source_id"] == "demo-ipo-plans" and first["passages_matched"] >= 1
    assert {"passage_id", "text", "start", "end", "value_matches", "value_conflicts"} <= set(first["passage"])
    assert first["passage"]["value_matches"][0]["passage"]["text"] == "$380 billion"
    # the same ranking as the passage rows, one row per source
    plain = _lines(cli("suggest", value_claim.id, "--k", "3", "--json").stdout)
    assert [r["source_id"] for r in plain] == [r["source_id"] for r in rows]
    assert [r["passage_id"] for r in plain] == [r["passage"]["passage_id"] for r in rows]
    table = cli("suggest", value_claim.id, "--by", "source")
    assert table.exit_code == 0 and "best passage" in table.stdout
    jl = tmp_path / "q.jsonl"
    jl.write_text(json.dumps({"id": "q1", "text": "six-month phaseout"}) + "\n")
    rows = _lines(cli("suggest", "--file", jl, "--by", "source", "--k", "2", "--json").stdout)
    assert [(r["query_id"], r["rank"]) for r in rows] == [("q1", 1), ("q1", 2)] and "passage" in rows[0]
    bad = cli("suggest", value_claim.id, "--by", "page")
    assert bad.exit_code == 2 and "--by source" in bad.stderr


def test_suggest_usage_and_not_found(cli):
    assert cli("suggest").exit_code == 2
    assert cli("suggest", "1", "--text", "x").exit_code == 2
    res = cli("suggest", "999", "--json")
    assert res.exit_code == 1 and "no claim 999" in res.stderr
    res = cli("suggest", "--text", "nothing stored yet")
    assert res.exit_code == 0 and "factcheck sources add" in res.stderr


def test_archive_import_match_and_check(cli, tmp_path, sample_text):
    res = cli("archive", "import", ARCHIVE / "past_checks.csv", ARCHIVE / "claimreview_example.jsonld",
              "--json")
    assert res.exit_code == 0, res.output
    assert [r["added"] for r in _lines(res.stdout)] == [8, 3]
    again = _lines(cli("archive", "import", ARCHIVE / "past_checks.csv", "--json").stdout)
    assert again[0]["added"] == 0 and again[0]["skipped"] == 8

    bad = tmp_path / "bad.csv"
    bad.write_text("claim,verdict\nGood claim,True\n,False\nAnother,\n")
    res = cli("archive", "import", bad)
    assert res.exit_code == 1
    assert f"{bad}:3:" in res.stderr and f"{bad}:4:" in res.stderr
    assert "1 added" in res.stdout

    res = cli("match", "Trump ordered every federal agency to stop using Anthropic", "--k", "2",
              "--json")
    rows = _lines(res.stdout)
    assert res.exit_code == 0 and len(rows) == 2 and MATCH_KEYS <= set(rows[0])
    assert rows[0]["archive_id"] == "demo-2026-001" and rows[0]["verdict"] == "True"

    jl = tmp_path / "m.jsonl"
    jl.write_text(json.dumps({"id": "a", "text": "weekend bus service cut"}) + "\n")
    rows = _lines(cli("match", "--file", jl, "--k", "1", "--json").stdout)
    assert rows[0]["query_id"] == "a" and rows[0]["rank"] == 1 and MATCH_KEYS <= set(rows[0])

    value_claim, quote_claim = _claims(tmp_path, sample_text, [VALUATION, NUT_JOBS])
    by_id = cli("match", value_claim.id, "--json")
    assert by_id.exit_code == 0 and _lines(by_id.stdout)
    assert cli("match", "424242").exit_code == 1
    assert cli("match", "--text", "424242", "--json").exit_code == 0

    cli("sources", "add", SOURCES)
    res = cli("check", quote_claim.id, value_claim.id, "--json")
    assert res.exit_code == 0, res.output
    q_rep, v_rep = _lines(res.stdout)
    assert q_rep["quotes"][0]["status"] == "altered"
    assert any(n["claim_value"]["text"] == "$380 billion" for n in v_rep["numbers"])
    table = cli("check", quote_claim.id)
    assert "altered" in table.stdout and "{+nuts+}" in table.stdout
    res = cli("check", "31337", quote_claim.id, "--json")
    assert res.exit_code == 1 and "no claim 31337" in res.stderr and len(_lines(res.stdout)) == 1


@pytest.mark.slow
def test_real_model_cli_suggest_and_match(real_cli, tmp_path, sample_text):
    value_claim, _ = _claims(tmp_path, sample_text, [VALUATION, NUT_JOBS])
    assert real_cli("sources", "add", SOURCES).exit_code == 0
    rows = _lines(real_cli("suggest", value_claim.id, "--k", "5", "--json").stdout)
    assert rows[0]["source_id"] == "demo-ipo-plans"
    assert {r["source_id"] for r in rows if r["value_conflicts"]} == {"demo-funding-brief"}
    assert real_cli("archive", "import", ARCHIVE / "past_checks.csv").exit_code == 0
    rows = _lines(real_cli("match", "Did Trump order agencies to stop using Anthropic's AI?",
                           "--json").stdout)
    assert rows[0]["archive_id"] == "demo-2026-001"
