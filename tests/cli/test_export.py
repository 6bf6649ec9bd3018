"""CLI: export csv|claimreview|jsonl, import jsonl, review."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from factcheck.cli.app import app
from factcheck.db.store import passages, sources, to_row
from factcheck.models import Article, Claim, Passage, Source
from factcheck.services import review

TEXT = "=HYPERLINK(\"http://x.example\") is a claim. Sales fell -5% growth, the CEO said. Third."


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    """Solo mode on both databases (team-mode `review` is tested in test_roles.py)."""
    monkeypatch.setenv("FACTCHECK_TEAM", "0")
    monkeypatch.delenv("FACTCHECK_AUTH", raising=False)
    return CliRunner()


@pytest.fixture
def db(fake_ws, settings):
    """The fake workspace's database with 3 claims (one reviewed) and 2 passages; returns --db args."""
    spans = [(0, TEXT.index(" is a")), (TEXT.index("Sales"), TEXT.index(" Third")),
             (TEXT.index("Third"), len(TEXT))]
    art = Article(id="a1", title="T", url="https://news.example/a1", published="2025-02-01",
                  text=TEXT)
    cls = [Claim(article_id="a1", sentence_index=i, start=s, end=e, text=TEXT[s:e], speaker="Ann Lee")
           for i, (s, e) in enumerate(spans)]
    fake_ws.claim_ids = [c.id for c in fake_ws.store.save_extraction(art, [], cls)]
    with fake_ws.store.begin() as conn:
        conn.execute(sa.insert(sources).values(to_row(Source(id="s", url="https://s.example",
                                                             text="Sales rose 2%. Really."))))
        fake_ws.pids = [
            conn.execute(sa.insert(passages).values(to_row(p, drop_none_keys=["id"])))
            .inserted_primary_key[0]
            for p in (Passage(source_id="s", index=0, start=0, end=14, text="Sales rose 2%."),
                      Passage(source_id="s", index=1, start=15, end=22, text="Really."))
        ]
    review.set_verdict(fake_ws, fake_ws.claim_ids[0], "Unverifiable", "alice", "no link target")
    return ["--db", settings.db, "--index-dir", str(settings.index_dir)]


def test_export_csv(runner, db, fake_ws, tmp_path):
    path = tmp_path / "v.csv"
    res = runner.invoke(app, [*db, "export", "csv", str(path), "--excel"])
    assert res.exit_code == 0, res.output
    assert "wrote 3 claims" in res.output
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert df["claim_text"].tolist() == ["'=HYPERLINK(\"http://x.example\")",
                                         "Sales fell -5% growth, the CEO said.", "Third."]
    res = runner.invoke(app, [*db, "export", "csv", str(path), "--status", "done"])
    assert res.exit_code == 0 and "wrote 1 claim " in res.output


def test_export_csv_to_stdout(runner, db):
    res = runner.invoke(app, [*db, "export", "csv", "-", "--article", "a1"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout), dtype=str, keep_default_na=False)
    assert len(df) == 3 and df.loc[0, "verdict"] == "Unverifiable"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--status", "finished"], "unknown status 'finished'"),
     (["--article", "nope"], "no article 'nope'")],
)
def test_export_csv_errors_are_one_line(runner, db, tmp_path, args, message):
    res = runner.invoke(app, [*db, "export", "csv", str(tmp_path / "v.csv"), *args])
    assert res.exit_code == 1
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_export_claimreview(runner, db, tmp_path):
    path = tmp_path / "checks.jsonld"
    res = runner.invoke(app, [*db, "export", "claimreview", str(path), "--publisher", "Desk",
                              "--publisher-url", "https://desk.example"])
    assert res.exit_code == 0, res.output
    assert "wrote 1 ClaimReview object to" in res.output and "skipped 2 claims" in res.output
    [obj] = json.loads(path.read_text(encoding="utf-8"))
    assert obj["@context"] == "https://schema.org" and obj["@type"] == "ClaimReview"
    assert obj["reviewRating"] == {"@type": "Rating", "alternateName": "Unverifiable"}
    res = runner.invoke(app, [*db, "export", "claimreview", str(path), "--publisher", "Desk",
                              "--publisher-url", "ftp://desk"])
    assert res.exit_code == 1 and "--publisher-url https://" in res.output


def test_jsonl_export_import_roundtrip(runner, db, tmp_path, new_db_url):
    dump = tmp_path / "dump.jsonl"
    res = runner.invoke(app, [*db, "export", "jsonl", str(dump)])
    assert res.exit_code == 0, res.output
    other = ["--db", new_db_url().removeprefix("sqlite:///"), "--index-dir", str(tmp_path / "oi")]
    res = runner.invoke(app, [*other, "import", "jsonl", str(dump)])
    assert res.exit_code == 0, res.output
    assert "0 conflicts" in res.output and "0 bad lines" in res.output
    res = runner.invoke(app, [*other, "import", "jsonl", str(dump), "--json"])
    assert res.exit_code == 0
    report = json.loads(res.stdout)
    assert report["added"] == 0 and report["skipped_same"] > 0 and report["errors"] == []
    dump2 = tmp_path / "dump2.jsonl"
    runner.invoke(app, [*other, "export", "jsonl", str(dump2)])
    assert sorted(dump.read_bytes().splitlines()) == sorted(dump2.read_bytes().splitlines())


def test_import_bad_lines_exit_1_and_conflicts_exit_3(runner, db, fake_ws, tmp_path, new_db_url):
    dump = tmp_path / "dump.jsonl"
    runner.invoke(app, [*db, "export", "jsonl", str(dump)])
    other = ["--db", new_db_url().removeprefix("sqlite:///"), "--index-dir", str(tmp_path / "oi")]
    broken = tmp_path / "broken.jsonl"
    lines = dump.read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([lines[0], "{oops", *lines[1:]]) + "\n", encoding="utf-8")
    res = runner.invoke(app, [*other, "import", "jsonl", str(broken)])
    assert res.exit_code == 1
    assert f"{broken}:2: not JSON" in res.output and "1 bad lines" in res.output

    # the other desk re-reviews; importing the older dump again reports, does not overwrite
    cid = fake_ws.claim_ids[0]
    res = runner.invoke(app, [*other, "review", str(cid), "--verdict", "False", "--reviewer", "bob"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*other, "import", "jsonl", str(dump)])
    assert res.exit_code == 3
    assert "conflict" in res.output and "'False' by bob" in res.output


def test_review_command(runner, db, fake_ws):
    cid = fake_ws.claim_ids[1]
    p1, p2 = fake_ws.pids
    res = runner.invoke(app, [*db, "review", str(cid), "--verdict", "false", "--rationale",
                              "Sales rose 2%.", "--link", f"{p1}:refutes", "--link", f"{p2}:context",
                              "--reviewer", "carol", "--expect-version", "1", "--json"])
    assert res.exit_code == 0, res.output
    saved = json.loads(res.stdout)
    assert (saved["label"], saved["reviewer"], saved["version"]) == ("False", "carol", 2)
    assert {(lk.passage_id, lk.stance.value) for lk in review.links_for(fake_ws, cid)} == {
        (p1, "refutes"), (p2, "context")}
    [*links, verdict] = review.history(fake_ws, cid)  # same history event as the app's save
    assert [e.kind for e in links] == ["link", "link"]
    assert verdict.kind == "verdict" and verdict.data["rationale"] == "Sales rose 2%."


def test_review_conflict_exits_3_with_the_other_verdict(runner, db, fake_ws):
    cid = fake_ws.claim_ids[2]
    ok = runner.invoke(app, [*db, "review", str(cid), "--verdict", "Mostly true", "--reviewer",
                             "alice", "--expect-version", "1"])
    assert ok.exit_code == 0, ok.output
    res = runner.invoke(app, [*db, "review", str(cid), "--verdict", "False", "--reviewer", "bob",
                              "--expect-version", "1"])
    assert res.exit_code == 3
    assert "conflict" in res.output and "alice" in res.output and "'Mostly true'" in res.output
    assert review.get_verdict(fake_ws, cid).reviewer == "alice"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [(["--verdict", "Pants on fire"], 1, "unknown verdict"),
     (["--verdict", "True", "--link", "x:refutes"], 1, "PASSAGE_ID:supports"),
     (["--verdict", "True", "--link", "999:refutes"], 1, "no passage 999"),
     (["--verdict", "True", "--status", "later"], 1, "unknown status"),
     (["--rationale", "x"], 2, "--verdict")],
)
def test_review_errors(runner, db, fake_ws, args, code, message):
    res = runner.invoke(app, [*db, "review", str(fake_ws.claim_ids[1]), *args])
    assert res.exit_code == code, res.output
    assert message in res.output and "Traceback" not in res.output
    assert review.get_verdict(fake_ws, fake_ws.claim_ids[1]) is None


def test_review_unknown_claim(runner, db):
    res = runner.invoke(app, [*db, "review", "4242", "--verdict", "True"])
    assert res.exit_code == 1 and "no claim 4242" in res.output
