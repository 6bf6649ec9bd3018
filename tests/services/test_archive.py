"""Archive import: CSV and ClaimReview JSON-LD, de-duplication, line-numbered errors."""

from __future__ import annotations

import json

import pytest

from factcheck.models import ArchiveCheck
from factcheck.services.archive import archive_id, import_archive, list_archive, read_archive
from tests.conftest import REPO

ARCHIVE = REPO / "sample_data" / "archive"


def test_sample_archive_imports_once(fake_ws):
    rep = import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    assert rep.errors == [] and rep.added == 8 and rep.skipped == 0
    rep = import_archive(fake_ws, ARCHIVE / "claimreview_example.jsonld")
    assert rep.errors == [] and rep.added == 3
    assert fake_ws.open_index("archive").count == 11
    again = import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    assert again.added == 0 and again.skipped == 8
    again = import_archive(fake_ws, ARCHIVE / "claimreview_example.jsonld")
    assert again.added == 0 and again.skipped == 3
    entries = {e.id: e for e in list_archive(fake_ws)}
    assert len(entries) == 11
    cr = entries["demo-cr-001"]
    assert cr.verdict == "Mostly accurate" and cr.date == "2026-02-27"
    assert cr.claim == "Anthropic has $14 billion in annual revenue."
    assert entries["demo-2025-017"].verdict == "Pants on Fire"  # kept verbatim, not our scale


def test_csv_dedupe_by_claim_and_url_without_id(fake_ws, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text(
        "claim,verdict,url\n"
        "The sky is green.,False,https://example.org/1\n"
        "The sky is green.,False,https://example.org/1\n"
        "The sky is green.,False,https://example.org/2\n"
    )
    rep = import_archive(fake_ws, f)
    assert rep.added == 2 and rep.skipped == 1
    ids = {e.id for e in list_archive(fake_ws)}
    assert archive_id("The sky is green.", "https://example.org/1") in ids
    assert import_archive(fake_ws, f).added == 0


def test_csv_malformed_rows_reported_with_lines_and_skipped(fake_ws, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "id,claim,verdict,url,date,title\n"  # 1
        "a1,Good claim one.,True,,2020-01-01,\n"  # 2
        "a2,,False,,,\n"  # 3 no claim
        "a3,Claim without verdict.,,,,\n"  # 4
        'a4,"A claim, with a comma",Mixed,u,d,t\n'  # 5 ok
        "a5,Too,many,fields,here,x,y\n"  # 6
        '"a6","Multi\nline claim",False,,,\n'  # 7-8 ok
        "a7,Last good.,True,,,\n"  # 9
    )
    rep = import_archive(fake_ws, f)
    assert rep.added == 4
    assert [e.split(": ")[0] for e in rep.errors] == [f"{f}:3", f"{f}:4", f"{f}:6"]
    assert "no claim text" in rep.errors[0]
    assert "no verdict" in rep.errors[1]
    assert "fields" in rep.errors[2]
    got = {e.id: e for e in list_archive(fake_ws)}
    assert got["a6"].claim == "Multi line claim" and got["a6"].origin == f"{f}:7"
    assert got["a7"].origin == f"{f}:9"


def test_csv_missing_required_columns(fake_ws, tmp_path):
    f = tmp_path / "cols.csv"
    f.write_text("claim,rating\nX,Y\n")
    rep = import_archive(fake_ws, f)
    assert rep.added == 0
    assert rep.errors[0].startswith(f"{f}:1: no verdict column")


def test_unreadable_inputs(fake_ws, tmp_path):
    rep = import_archive(fake_ws, tmp_path / "nope.csv")
    assert rep.errors == [f"{tmp_path / 'nope.csv'}: no such file"]
    other = tmp_path / "x.xlsx"
    other.write_bytes(b"PK\x03\x04")
    assert "unknown archive format" in import_archive(fake_ws, other).errors[0]
    empty = tmp_path / "e.jsonld"
    empty.write_text("  \n")
    assert "empty" in import_archive(fake_ws, empty).errors[0]


def _cr(claim: str | None, verdict: str | None, url: str = "https://example.org/x", **kw) -> dict:
    obj: dict = {"@type": "ClaimReview", "url": url, **kw}
    if claim is not None:
        obj["claimReviewed"] = claim
    if verdict is not None:
        obj["reviewRating"] = {"@type": "Rating", "alternateName": verdict}
    return obj


def test_claimreview_list_with_bad_items_has_line_numbers(tmp_path):
    items = [
        _cr("Claim A is true.", "True", identifier="cr-a"),
        _cr(None, "False"),
        _cr("Claim C.", None),
        {"@type": "NewsArticle", "headline": "not a review"},
        _cr("Claim E.", "Misleading", datePublished="2021-05-05", name="Title E"),
    ]
    f = tmp_path / "feed.jsonld"
    f.write_text(json.dumps(items, indent=2))
    text = f.read_text()
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == "  {"]
    out = list(read_archive(f))
    good = [x for x in out if isinstance(x, ArchiveCheck)]
    bad = [str(x) for x in out if not isinstance(x, ArchiveCheck)]
    assert [g.id for g in good][0] == "cr-a"
    assert good[1].title == "Title E" and good[1].date == "2021-05-05"
    assert [b.split(": ")[0] for b in bad] == [f"{f}:{starts[1]}", f"{f}:{starts[2]}",
                                              f"{f}:{starts[3]}"]
    assert "claimReviewed" in bad[0] and "alternateName" in bad[1] and "NewsArticle" in bad[2]


def test_claimreview_graph_datafeed_and_jsonl(fake_ws, tmp_path):
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "item": [_cr("Feed claim one.", "False", url="u1")]},
            {"@type": "DataFeedItem", "item": _cr("Feed claim two.", "True", url="u2")},
        ],
    }
    f = tmp_path / "feed.json"
    f.write_text(json.dumps(feed, indent=1))
    rep = import_archive(fake_ws, f)
    assert rep.added == 2 and rep.errors == []
    jl = tmp_path / "lines.jsonl"
    jl.write_text(
        json.dumps(_cr("Line claim one.", "True", url="l1")) + "\n"
        + "{broken json\n"
        + json.dumps(_cr("Line claim three.", "False", url="l3")) + "\n"
    )
    rep = import_archive(fake_ws, jl)
    assert rep.added == 2
    assert len(rep.errors) == 1 and rep.errors[0].startswith(f"{jl}:2: invalid JSON")


def test_claimreview_truncated_array(tmp_path):
    f = tmp_path / "t.jsonld"
    f.write_text('[\n {"@type": "ClaimReview", "claimReviewed": "A.", "reviewRating": '
                 '{"alternateName": "True"}},\n {"@type": "ClaimReview", "claimRev')
    out = list(read_archive(f))
    assert isinstance(out[0], ArchiveCheck)
    assert str(out[1]).startswith(f"{f}:3: invalid JSON")


@pytest.mark.slow
def test_real_model_import_twice_and_malformed_rows(real_ws, tmp_path):
    for name, n in (("past_checks.csv", 8), ("claimreview_example.jsonld", 3)):
        assert import_archive(real_ws, ARCHIVE / name).added == n
        again = import_archive(real_ws, ARCHIVE / name)
        assert again.added == 0 and again.skipped == n and again.errors == []
    assert real_ws.open_index("archive").count == 11
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps([_cr("Good claim.", "False"), _cr(None, "True")], indent=2))
    second = [i + 1 for i, line in enumerate(bad.read_text().splitlines()) if line == "  {"][1]
    rep = import_archive(real_ws, bad)
    assert rep.added == 1 and len(rep.errors) == 1
    assert rep.errors[0].startswith(f"{bad}:{second}: ClaimReview has no claimReviewed")
    assert real_ws.open_index("archive").count == 12
