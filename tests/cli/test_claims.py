"""CLI tests: the contract of `extract`, `claims list`, `similar`, `index check/rebuild`."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from factcheck.cli.app import app
from tests.conftest import SAMPLE_ARTICLE

CONTRACT = {"article_id", "claim_id", "text", "start", "end", "type", "score", "speaker", "values"}


@pytest.fixture
def cli(tmp_path, monkeypatch, st_model):
    """Run the CLI against a fresh database, with the session's real model."""
    import factcheck.ml.embedder

    monkeypatch.setattr(factcheck.ml.embedder, "load_model", lambda _name=None: st_model)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    base = ["--db", str(tmp_path / "fc.db"), "--index-dir", str(tmp_path / "idx")]

    def run(*args, input=None):
        return runner.invoke(app, [*base, *args], input=input)

    return run


def _lines(output):
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_extract_json_contract_and_idempotent(cli):
    res = cli("extract", str(SAMPLE_ARTICLE.parent), "--json")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert rows and all(set(r) == CONTRACT for r in rows)
    text = SAMPLE_ARTICLE.read_text()
    assert all(text[r["start"] : r["end"]] == r["text"] for r in rows)
    money = [v for r in rows for v in r["values"] if v["text"] == "$380 billion"]
    assert money and money[0]["kind"] == "money" and money[0]["value"] == pytest.approx(3.8e11)

    again = cli("extract", str(SAMPLE_ARTICLE.parent), "--json")
    assert [r["claim_id"] for r in _lines(again.stdout)] == [r["claim_id"] for r in rows]
    listed = cli("claims", "list", "--json")
    assert sorted(r["claim_id"] for r in _lines(listed.stdout)) == sorted(r["claim_id"] for r in rows)
    assert all(set(r) == CONTRACT for r in _lines(listed.stdout))


def test_extract_table_summary(cli):
    res = cli("extract", str(SAMPLE_ARTICLE))
    assert res.exit_code == 0
    assert "sentences" in res.stdout and "quote" in res.stdout and "new" in res.stdout
    assert "already stored" in cli("extract", str(SAMPLE_ARTICLE)).stdout


def test_similar_and_index_lifecycle(cli, tmp_path, caplog):
    cli("extract", str(SAMPLE_ARTICLE))
    res = cli("similar", "Anthropic is worth $380 billion", "--k", "5", "--json")
    hits = _lines(res.stdout)
    assert res.exit_code == 0 and len(hits) == 5
    assert set(hits[0]) == {"claim_id", "text", "score"}
    assert any("$380 billion" in h["text"] for h in hits[:3])
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert cli("index", "check").exit_code == 0

    import shutil

    shutil.rmtree(tmp_path / "idx" / "claims")
    check = cli("index", "check")
    assert check.exit_code == 1 and "factcheck index rebuild" in check.stdout
    assert cli("index", "rebuild").exit_code == 0
    assert cli("index", "check").exit_code == 0

    # a search repairs a missing index by itself, and says so
    shutil.rmtree(tmp_path / "idx" / "claims")
    repaired = cli("similar", "Anthropic is worth $380 billion", "--json")
    assert repaired.exit_code == 0 and len(_lines(repaired.stdout)) == 5
    assert "rebuilding it from the database" in caplog.text  # a WARNING line on stderr
    assert cli("index", "check").exit_code == 0


def test_first_extract_builds_the_index_without_a_warning(cli, caplog):
    import logging

    caplog.set_level(logging.INFO)
    assert cli("extract", str(SAMPLE_ARTICLE)).exit_code == 0
    built = [r for r in caplog.records if "rebuilding it from the database" in r.getMessage()]
    assert built and all(r.levelno == logging.INFO for r in built)


def test_min_score_zero_ranks_every_sentence(cli):
    rows = _lines(cli("extract", str(SAMPLE_ARTICLE), "--min-score", "0", "--json").stdout)
    assert any("contributed to this report" in r["text"] for r in rows)


def test_mode_focused_is_a_subset_of_thorough_and_min_score_wins(cli, tmp_path):
    from factcheck.ml.checkworthy import CheckworthinessModel, mode_threshold

    def extract(db: str, *opts: str, path: str = str(SAMPLE_ARTICLE), text: str | None = None) -> list[dict]:
        res = CliRunner().invoke(app, ["--db", str(tmp_path / db), "--index-dir", str(tmp_path / f"{db}-idx"),
                                       "extract", path, "--json", *opts], input=text)
        assert res.exit_code == 0, res.output
        rows = _lines(res.stdout)
        assert rows and all(set(r) == CONTRACT for r in rows)  # the contract is the same in every mode
        return rows

    thorough = extract("thorough.db", "--mode", "thorough")
    focused = extract("focused.db", "--mode", "focused")
    assert thorough == extract("default.db")  # thorough is the default
    key = {(r["start"], r["end"], r["text"]) for r in thorough}
    assert {(r["start"], r["end"], r["text"]) for r in focused} <= key
    # (on the sample article every claim scored between the two thresholds is a quote with a speaker,
    # kept in both modes; a sentence scored in between is a claim only in thorough mode)
    text = ("City officials said the new budget is $42 million, up 12% from last year. "
            "Residents have long complained about the state of the roads.")
    assert [r["text"][:9] for r in extract("t2.db", "--mode", "thorough", path="-", text=text)] == [
        "City offi", "Residents"]
    focused2 = extract("f2.db", "--mode", "focused", path="-", text=text)
    assert [r["text"][:9] for r in focused2] == ["City offi"]
    assert mode_threshold("thorough") == CheckworthinessModel.load().threshold < mode_threshold("focused")
    assert all(r["score"] >= mode_threshold("focused") or r["type"] == "quote" for r in focused)
    # an explicit --min-score wins over --mode: 0 still outputs every sentence
    every = extract("every.db", "--mode", "focused", "--min-score", "0")
    assert any("contributed to this report" in r["text"] for r in every) and len(every) > len(thorough)
    bad = cli("extract", str(SAMPLE_ARTICLE), "--mode", "fast")
    assert bad.exit_code == 2 and "thorough or focused" in bad.output


def test_mode_thresholds_live_in_one_place():
    """The focused threshold is written once in the package; the CLI, settings and app read it."""
    import re
    from pathlib import Path

    import factcheck
    from factcheck.ml.checkworthy import FOCUSED_THRESHOLD, operating_points

    assert operating_points()["focused"] == FOCUSED_THRESHOLD
    number = re.compile(rf"(?<![\d.]){re.escape(str(FOCUSED_THRESHOLD))}(?!\d)")
    where = [p.name for p in Path(factcheck.__file__).parent.rglob("*.py") if number.search(p.read_text())]
    assert where == ["checkworthy.py"], where


def test_bad_inputs_batch_goes_on(cli, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "empty.txt").write_text("")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 10)
    (d / "bad.jsonl").write_text('{"id": "j1", "text": "Exports fell by $3 billion in 2023."}\n{oops\n')
    (d / "good.txt").write_text("The company is valued at $380 billion, the report said.")
    res = cli("extract", str(d), "--json")
    assert res.exit_code == 1
    assert "empty.txt" in res.stderr and "binary.txt" in res.stderr and "bad.jsonl:2" in res.stderr
    ids = {r["article_id"] for r in _lines(res.stdout)}
    assert "j1" in ids  # external ids are kept
    listed = _lines(cli("claims", "list", "--json").stdout)
    assert {r["article_id"] for r in listed} >= ids


def test_stdin(cli):
    text = "Unemployment fell to 3.5 percent in 2019, the lowest in 50 years."
    res = cli("extract", "-", "--json", input=text)
    assert res.exit_code == 0 and _lines(res.stdout)


def test_unknown_claim_and_bad_db_are_one_line(cli, tmp_path):
    res = CliRunner().invoke(app, ["--db", str(tmp_path / "nodir" / "x.db"), "claims", "list"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_help_is_fast_and_does_not_import_torch():
    code = "import sys, factcheck.cli; print('sentence_transformers' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
    res = subprocess.run([sys.executable, "-m", "factcheck", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "extract" in res.stdout


def test_extract_engine_ray_json_out_and_load(cli, ray_cluster, tmp_path):
    """`--engine ray --json` prints what the local engine prints; `--out` writes shards and no
    database rows; `load` stores them with the same claims."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "npr.txt").write_text(SAMPLE_ARTICLE.read_text())
    (src / "bad.txt").write_bytes(b"")
    local = cli("extract", str(src), "--json")
    assert local.exit_code == 1 and "bad.txt: file is empty" in local.stderr
    base = ["--db", str(tmp_path / "ray.db"), "--index-dir", str(tmp_path / "ray-idx")]
    runner = CliRunner()
    ray_run = runner.invoke(app, [*base, "extract", str(src), "--engine", "ray", "--json"])
    assert ray_run.exit_code == 1 and "bad.txt: file is empty" in ray_run.stderr
    assert _lines(ray_run.stdout) == _lines(local.stdout)

    shards = tmp_path / "claims.parquet"
    other = ["--db", str(tmp_path / "load.db"), "--index-dir", str(tmp_path / "load-idx")]
    out = runner.invoke(app, [*other, "extract", str(src / "npr.txt"), "--engine", "ray",
                              "--out", str(shards)])
    assert out.exit_code == 0, out.output
    assert "factcheck load" in out.stdout and list(shards.glob("part-*.parquet"))
    listed = runner.invoke(app, [*other, "claims", "list", "--json"])
    assert _lines(listed.stdout) == []  # --out wrote no database rows
    loaded = runner.invoke(app, [*other, "load", str(shards)])
    assert loaded.exit_code == 0 and "loaded 1 article," in loaded.stdout
    listed = _lines(runner.invoke(app, [*other, "claims", "list", "--json"]).stdout)
    key = lambda r: (r["start"], r["text"], r["score"], r["speaker"])  # noqa: E731
    assert sorted(map(key, listed)) == sorted(map(key, _lines(local.stdout)))
    assert "already stored" in runner.invoke(app, [*other, "load", str(shards)]).stdout


def test_engine_options_need_ray(cli, tmp_path):
    res = cli("extract", str(SAMPLE_ARTICLE), "--out", str(tmp_path / "x"))
    assert res.exit_code == 2 and "need --engine ray" in res.output
    res = cli("extract", str(SAMPLE_ARTICLE), "--engine", "spark")
    assert res.exit_code == 2 and "unknown engine" in res.output


def test_train_checkworthy_cli_errors(tmp_path):
    runner = CliRunner()
    base = ["--db", str(tmp_path / "fc.db"), "--index-dir", str(tmp_path / "idx")]
    res = runner.invoke(app, [*base, "train", "checkworthy"])
    assert res.exit_code == 2 and "--from-reviews" in res.output
    res = runner.invoke(app, [*base, "train", "checkworthy", "--from-reviews"])
    assert res.exit_code == 1
    assert res.stderr.strip().count("\n") == 0 and "too few review decisions" in res.stderr
    res = runner.invoke(app, [*base, "train", "checkworthy", "--reset"])
    assert res.exit_code == 0 and "nothing to do" in res.stderr
