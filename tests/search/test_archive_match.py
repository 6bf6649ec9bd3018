"""Archive matching: query cleaning, the reranker, earlier fact-checks and local verdicts
(factcheck.search.archive_match)."""

from __future__ import annotations

import pytest

from factcheck.errors import InputError, NotFoundError
from factcheck.search.archive_match import FEATURES, Reranker, clean_query, match, match_many
from factcheck.services.archive import import_archive
from factcheck.services.review import set_verdict
from factcheck.text.tokens import tokenize
from tests.conftest import REPO
from tests.services.test_checks import NUT_JOBS, VALUATION, store_claims

ARCHIVE = REPO / "sample_data" / "archive"


def test_tokenize_and_clean_query():
    assert tokenize("The valuations were RISING quickly") == ["valuation", "were", "ris", "quickly"]
    tweet = ("Wow, 97% of people agree! https://t.co/abc pic.twitter.com/xyz "
             "— Jane Doe (@jdoe) May 5, 2020")
    assert clean_query(tweet) == "Wow, 97% of people agree! — Jane Doe (@jdoe) May 5, 2020"
    assert clean_query("https://t.co/x") == "https://t.co/x"  # nothing left: keep the input


# -- matching (fast embedder) ---------------------------------------------------
def test_reranker_file_matches_features():
    r = Reranker.load()
    assert r.features == FEATURES and len(r.coef) == len(FEATURES)
    assert "dev_map5" in r.info


def test_match_archive_and_local_verdicts(fake_ws, sample_text):
    assert match(fake_ws, "anything", 3) == []
    import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    res = match(fake_ws, "Trump ordered every federal agency to stop using Anthropic technology", 3)
    assert res[0].archive_id == "demo-2026-001" and res[0].verdict == "True"
    assert {"archive_id", "claim", "verdict", "url", "score"} <= set(res[0].contract_json())
    assert 0.0 <= res[-1].score <= res[0].score <= 1.0

    # a verdict recorded here is matchable, but a claim never matches itself
    c1, c2 = store_claims(fake_ws, sample_text, [VALUATION, NUT_JOBS])
    set_verdict(fake_ws, c1.id, "Mostly true", "tester", "checked the filing")
    fake_ws.sync_index("claims")
    res = match(fake_ws, c1.text, 3)
    local = [m for m in res if m.kind == "verdict"]
    assert local and local[0].claim_id == c1.id and local[0].archive_id == f"claim:{c1.id}"
    assert local[0].verdict == "Mostly true" and local[0].url == "https://example.org/article"
    assert all(m.claim_id != c1.id for m in match(fake_ws, c1.id, 5))
    with pytest.raises(NotFoundError):
        match(fake_ws, 99999)
    with pytest.raises(InputError):
        match(fake_ws, "  ")
    batch = match_many(fake_ws, [c1.text, "city transit weekend bus service"], 2)
    assert batch[1][0].archive_id == "demo-2025-017"


def test_match_cache_lives_in_the_user_cache_and_must_be_private(fake_ws, caplog):
    """The saved corpus is a pickle: never in the (possibly shared) index folder, and a file that
    others could have written is ignored and rebuilt."""
    import os

    from factcheck.search.archive_match import _corpus_path
    from factcheck.search.state import ws_cache

    import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    first = match(fake_ws, "Trump ordered every federal agency to stop using Anthropic", 2)
    path = _corpus_path(fake_ws)
    assert path.exists() and fake_ws.settings.user_cache in path.parents
    assert not any(fake_ws.index_dir.rglob("*.pkl"))
    assert path.stat().st_mode & 0o077 == 0
    os.chmod(path, 0o666)  # as if anyone could have replaced it
    ws_cache(fake_ws).pop("match", None)  # a new process: load from disk
    again = match(fake_ws, "Trump ordered every federal agency to stop using Anthropic", 2)
    assert "writable by others; ignoring it" in caplog.text
    assert [m.archive_id for m in again] == [m.archive_id for m in first]
    assert path.stat().st_mode & 0o077 == 0  # rebuilt and saved privately


def test_new_verdicts_update_the_corpus_without_a_refit(fake_ws, sample_text, tmp_path):
    """A verdict saved (or a verdict claim dismissed) updates the in-memory corpus in place of a
    full refit, and matching gives what a full rebuild gives."""
    import csv

    from factcheck.search.archive_match import _corpus_path
    from factcheck.search.state import ws_cache
    from factcheck.services.review import dismiss_claims

    import_archive(fake_ws, ARCHIVE / "past_checks.csv")
    more = tmp_path / "more.csv"  # a bigger archive: one new verdict is a small change
    topics = ["bus fares", "school meals", "river pollution", "housing permits", "tax refunds"]
    with more.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "claim", "verdict", "url", "date", "title"])
        for i in range(40):
            w.writerow([f"x-{i}", f"The city spent {i + 3} million dollars on {topics[i % 5]} in {2000 + i}.",
                        "False", f"https://example.org/x/{i}", "2025-01-01", ""])
    import_archive(fake_ws, more)
    c1, c2 = store_claims(fake_ws, sample_text, [VALUATION, NUT_JOBS])
    set_verdict(fake_ws, c1.id, "Mostly true", "tester")
    queries = [c1.text, c2.text, "Anthropic valuation billion", "federal agency stop using Anthropic"]
    match_many(fake_ws, queries, 5)  # full build
    set_verdict(fake_ws, c2.id, "False", "tester")
    fake_ws.changed("verdicts")
    incremental = match_many(fake_ws, queries, 5)
    corpus = ws_cache(fake_ws)["match"]
    assert corpus.changed_rows == 1  # c2 appended, nothing refitted
    assert any(m.claim_id == c2.id for m in incremental[1] + incremental[0])
    dismiss_claims(fake_ws, [c1.id], "tester")
    fake_ws.changed("claims", "verdicts")
    after = match_many(fake_ws, queries, 5)
    assert all(m.claim_id != c1.id for ms in after for m in ms)  # retired

    ws_cache(fake_ws).pop("match")  # a full rebuild of the same data
    _corpus_path(fake_ws).unlink()
    rebuilt = match_many(fake_ws, queries, 5)
    assert ws_cache(fake_ws)["match"].changed_rows == 0
    for got, want in zip(after, rebuilt):
        assert got[0].archive_id == want[0].archive_id
        # the statistics of a refit drift a little
        assert [m.score for m in got] == pytest.approx([m.score for m in want], abs=0.06)


# -- with the real model ------------------------------------------------------------
@pytest.mark.slow
def test_real_archive_matching(real_ws):
    for f in ("past_checks.csv", "claimreview_example.jsonld"):
        import_archive(real_ws, ARCHIVE / f)
    res = match(real_ws, "Trump directs every federal agency to immediately cease all use of "
                "Anthropic's technology", 3)
    assert res[0].archive_id == "demo-2026-001"
    res = match(real_ws, "Anthropic's $14 billion in revenue", 2)
    assert res[0].archive_id == "demo-cr-001" and res[0].verdict == "Mostly accurate"
