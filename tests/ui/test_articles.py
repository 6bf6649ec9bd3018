"""Articles page (factcheck.ui.articles): upload summaries and encodings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.ui.helpers import ok, one, texts


def test_plural_and_encoding_warning():
    from factcheck.ui.components import encoding_warning, plural

    assert plural(1, "claim") == "1 claim" and plural(0, "claim") == "0 claims"
    assert plural(2, "sentence") == "2 sentences" and plural(1234, "passage") == "1,234 passages"
    assert encoding_warning("a.txt", "Café".encode()) is None
    assert encoding_warning("a.txt", "\ufeffCafé".encode("utf-16")) is None
    assert encoding_warning("a.pdf", b"%PDF-\xff") is None
    warn = encoding_warning("notes.txt", "Café crème".encode("cp1252"))
    assert warn and warn.startswith("notes.txt: not UTF-8") and "Windows-1252" in warn and "re-save" in warn


@pytest.mark.slow
def test_upload_of_a_non_utf8_article_warns_and_counts_in_the_singular(app, db):
    at = app("articles")
    text = "Le maire a déclaré que le budget de la ville atteint 42 millions d’euros en 2024."
    data = text.encode("cp1252")
    at.file_uploader(key="articles_upload_files").upload("budget.txt", data, "text/plain")
    ok(at.run())
    at.button(key="articles_upload_go").click()
    ok(at.run())
    shown = texts(at)
    assert "budget.txt: not UTF-8" in shown and "Windows-1252" in shown
    assert "1 sentence, 1 claim." in shown, shown
    assert "1 claims" not in shown and "1 sentences" not in shown
    row = one(db, "SELECT text FROM articles WHERE origin LIKE '%budget.txt%'")
    assert row is not None and "déclaré" in row[0]  # decoded as Windows-1252, not mangled


@pytest.mark.slow
def test_claim_detection_mode_sets_the_extraction_threshold(app, db):
    from factcheck.ml.checkworthy import operating_points

    points = operating_points()
    at = app("articles")
    ok(at.run())
    mode = at.selectbox(key="articles_mode")
    assert mode.value == "thorough" and list(mode.options) == [
        f"Thorough: more claims, recall first (score ≥ {points['thorough']:.2f})",
        f"Focused: fewer, surer claims (score ≥ {points['focused']:.2f})",
    ]
    mode.set_value("focused")
    at.text_input(key="articles_paste_title").input("Roads")
    at.text_area(key="articles_paste_text").input(
        "City officials said the new budget is $42 million, up 12% from last year. "
        "Residents have long complained about the state of the roads."
    )
    at.button(key="articles_paste_go").click()
    ok(at.run())
    assert "1 claim." in texts(at), texts(at)
    aid = one(db, "SELECT id FROM articles WHERE title = 'Roads'")[0]
    mid = one(db, "SELECT score FROM sentences WHERE article_id = :a AND text LIKE 'Residents%'", a=aid)[0]
    assert points["thorough"] <= mid < points["focused"]  # thorough would have kept it as a claim
    with db.connect() as conn:
        rows = conn.execute(sa.text("SELECT text FROM claims WHERE article_id = :a"), {"a": aid})
        claims = [r[0] for r in rows]
    assert claims and not any(c.startswith("Residents") for c in claims)
