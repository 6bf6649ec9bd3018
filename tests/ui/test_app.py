"""The Streamlit app, driven in-process by ``streamlit.testing.v1.AppTest``.

The app bootstraps ``sample_data/`` itself on first start; that happens once per test session (the
``template`` fixture, with the real embedding model from the session fixture ``st_model``), and
each test gets a copy of the bootstrapped database and indexes.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.ui.helpers import APP, SAMPLE, TIMEOUT, _db, _env, claim_with, htmls, ok, one, page, table, texts


# -- first start and the queue -----------------------------------------------------------------
@pytest.mark.slow
def test_first_start_bootstraps_the_sample_data(template):
    folder, queue = template
    engine = _db(folder)
    with engine.connect() as conn:
        count = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                 for t in ("articles", "claims", "sources", "passages", "archive")}
    engine.dispose()
    assert count["articles"] == len(list((SAMPLE / "articles").iterdir()))
    assert count["claims"] > 5 and count["sources"] >= 3 and count["passages"] > 10
    assert count["archive"] > 0
    for kind in ("claims", "passages", "archive"):
        assert (folder / "indexes" / kind / "manifest.json").exists()
    # the landing page lists claim texts, most check-worthy first
    assert len(queue) == count["claims"]
    assert any("$380 billion" in t for t in queue["claim"])
    assert list(queue["score"]) == sorted(queue["score"], reverse=True)


@pytest.mark.slow
def test_queue_filters_and_progress(app, db, ws):
    from factcheck.services.review import set_verdict

    at = app()
    assert "0 of" in texts(at) or any("claims done" in p.text for p in at.get("progress"))
    table = at.dataframe(key="queue_table").value
    cid = int(table.iloc[0]["claim_id"])
    set_verdict(ws, cid, "False", "ana", "checked")
    at = app()
    at.multiselect(key="queue_f_status").set_value(["done"])
    ok(at.run())
    done = at.dataframe(key="queue_table").value
    assert list(done["claim_id"]) == [cid] and done.iloc[0]["verdict"] == "False"
    at.multiselect(key="queue_f_status").set_value([])
    at.selectbox(key="queue_f_reviewer").set_value("ana")
    ok(at.run())
    assert list(at.dataframe(key="queue_table").value["claim_id"]) == [cid]
    at.selectbox(key="queue_f_reviewer").set_value("__nobody__")
    ok(at.run())
    assert cid not in set(at.dataframe(key="queue_table").value["claim_id"])
    at.slider(key="queue_f_score").set_value(1.0)
    at.multiselect(key="queue_f_type").set_value(["prediction"])
    ok(at.run())
    assert "No claims match these filters." in texts(at)


@pytest.mark.slow
def test_queue_opens_the_review_page(app):
    at = app()
    first = int(at.dataframe(key="queue_table").value.iloc[0]["claim_id"])
    at.button(key="queue_start").click()
    ok(at.run())
    assert f"### Claim #{first}" in texts(at)
    assert at.query_params.get("claim") == str(first)


# -- claim review --------------------------------------------------------------------------------
@pytest.mark.slow
def test_review_a_claim_end_to_end_and_find_it_after_reload(app, db):
    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    shown = texts(at)
    assert f"### Claim #{cid}" in shown
    assert '<mark class="fc-claim">' in shown and "fc-value" in shown  # claim and values marked
    links = [b.key for b in at.button if b.key and b.key.startswith("review_sg_link_")]
    assert links, "no suggested evidence"
    pid = int(links[0].split("_")[3])
    assert at.button(key=f"review_sg_link_{pid}_{cid}").disabled  # no stance preselected
    at.radio(key=f"review_sg_stance_{pid}_{cid}").set_value("refutes")
    at.text_input(key=f"review_sg_note_{pid}_{cid}").input("gives another valuation")
    ok(at.run())
    at.button(key=f"review_sg_link_{pid}_{cid}").click()
    ok(at.run())
    assert "Linked evidence (1)" in texts(at)
    at.selectbox(key=f"review_label_{cid}").set_value("Mostly false")
    at.text_area(key=f"review_rationale_{cid}").input("The filing gives a lower valuation.")
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    assert "Saved verdict “Mostly false”" in texts(at)

    again = app("review", claim=cid)  # a new session: everything comes from the database
    assert again.selectbox(key=f"review_label_{cid}").value == "Mostly false"
    assert again.text_area(key=f"review_rationale_{cid}").value == "The filing gives a lower valuation."
    assert "Linked evidence (1)" in texts(again)
    history = table(again, "what")
    assert {"verdict", "link"} <= set(history["what"])
    row = one(db, "SELECT label, rationale, reviewer FROM verdicts WHERE claim_id = :c", c=cid)
    assert row[0] == "Mostly false" and row[1] == "The filing gives a lower valuation."
    link = one(db, "SELECT stance, note FROM evidence_links WHERE claim_id = :c", c=cid)
    assert tuple(link) == ("refutes", "gives another valuation")
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=cid)[0] == "done"


@pytest.mark.slow
def test_reviewer_name_from_the_sidebar_is_recorded(app, db):
    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    at.sidebar.text_input(key="fc_reviewer_input").input("Ada Reviewer")
    ok(at.run())
    at.selectbox(key=f"review_label_{cid}").set_value("True")
    at.checkbox(key=f"review_second_{cid}").check()
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    assert one(db, "SELECT reviewer FROM verdicts WHERE claim_id = :c", c=cid)[0] == "Ada Reviewer"
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=cid)[0] == "needs_second_review"


@pytest.mark.slow
def test_conflicting_save_shows_the_other_verdict_and_reapplies(app, db, ws):
    from factcheck.services.review import set_verdict

    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    set_verdict(ws, cid, "True", "other-desk", "their reasons")  # saved while we look at it
    at.selectbox(key=f"review_label_{cid}").set_value("False")
    at.button(key=f"review_save_{cid}").click()
    ok(at.run())
    shown = texts(at)
    assert "conflict" in shown and "other-desk" in shown and "their reasons" in shown
    assert one(db, "SELECT label FROM verdicts WHERE claim_id = :c", c=cid)[0] == "True"
    at.button(key=f"review_reapply_{cid}").click()
    ok(at.run())
    assert "Re-applied your verdict “False”" in texts(at)
    assert one(db, "SELECT label FROM verdicts WHERE claim_id = :c", c=cid)[0] == "False"


@pytest.mark.slow
def test_next_previous_follow_the_queue(app):
    at = app()
    order = [int(i) for i in at.dataframe(key="queue_table").value["claim_id"]]
    at.button(key="queue_start").click()
    ok(at.run())
    at.button(key="review_next").click()
    ok(at.run())
    assert f"### Claim #{order[1]}" in texts(at)
    at.button(key="review_prev").click()
    ok(at.run())
    assert f"### Claim #{order[0]}" in texts(at)
    assert at.button(key="review_prev").disabled
    at.number_input(key="review_goto").set_value(order[2])
    ok(at.run())
    assert f"### Claim #{order[2]}" in texts(at)
    at.number_input(key="review_goto").set_value(999_999)
    ok(at.run())
    assert "There is no claim #999999" in texts(at)


@pytest.mark.slow
def test_reuse_an_earlier_verdict(app, db):
    cid = claim_with(db, "$380 billion")  # the sample archive rates "Anthropic is valued at $500 billion"
    at = app("review", claim=cid)
    if "Matching unavailable" in texts(at):
        pytest.skip("archive matching is unavailable: " + texts(at).split("Matching unavailable:")[1][:200])
    reuse = [b for b in at.button if b.key and b.key.startswith("review_reuse_") and not b.disabled]
    assert reuse, "no earlier fact-check offered for the valuation claim"
    reuse[0].click()
    ok(at.run())
    assert "Same claim as an earlier fact-check" in at.text_area(key=f"review_rationale_{cid}").value


# -- fixing the extraction -----------------------------------------------------------------------
@pytest.mark.slow
def test_edit_split_dismiss_and_add_claims(app, db):
    cid = claim_with(db, "$380 billion")
    full = one(db, "SELECT text FROM claims WHERE id = :c", c=cid)[0]
    at = app("review", claim=cid)
    # edit the span: keep the part up to and including the valuation
    cut = full.index("$380 billion") + len("$380 billion")
    at.text_area(key=f"review_fix_text_{cid}").input(full[:cut])
    at.button(key=f"review_fix_save_{cid}").click()
    ok(at.run())
    row = one(db, "SELECT text, origin FROM claims WHERE id = :c", c=cid)
    assert row[0] == full[:cut].strip() and row[1] == "edited"

    # split it in two at a word boundary
    text = row[0]
    mid = text.index(" ", len(text) // 2)
    at.text_area(key=f"review_fix_split_{cid}").input(text[:mid] + " | " + text[mid + 1:])
    at.button(key=f"review_fix_split_go_{cid}").click()
    ok(at.run())
    assert "Split claim" in texts(at)
    assert one(db, "SELECT text FROM claims WHERE id = :c", c=cid)[0] == text[:mid]
    split = one(db, "SELECT id, origin FROM claims WHERE origin = 'split'")
    assert split is not None

    # dismiss the second part: gone from the queue
    other = int(split[0])
    at = app("review", claim=other)
    at.text_input(key=f"review_fix_reason_{other}").input("not a checkable statement")
    at.button(key=f"review_fix_dismiss_{other}").click()
    ok(at.run())
    assert one(db, "SELECT status FROM claims WHERE id = :c", c=other)[0] == "dismissed"
    queue = app().dataframe(key="queue_table").value
    assert other not in set(queue["claim_id"])

    # add a claim from a sentence that holds none
    at = app("review", claim=cid)
    box = at.selectbox(key=f"review_add_{cid}_sentence")
    free = [i for i in box.options if not str(i).startswith("✓")]
    assert free, "every sentence already holds a claim"
    at.selectbox(key=f"review_add_{cid}_sentence").select(free[-1])
    before = one(db, "SELECT count(*) FROM claims")[0]
    at.button(key=f"review_add_{cid}_go").click()
    ok(at.run())
    assert "Added claim" in texts(at)
    assert one(db, "SELECT count(*) FROM claims")[0] == before + 1
    assert one(db, "SELECT origin FROM claims ORDER BY id DESC")[0] == "manual"


@pytest.mark.slow
def test_wrong_edits_are_explained_not_raised(app, db):
    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    at.text_area(key=f"review_fix_text_{cid}").input("words that are not in the article at all")
    at.button(key=f"review_fix_save_{cid}").click()
    ok(at.run())
    assert "not in the article" in texts(at)
    at.text_area(key=f"review_fix_split_{cid}").input("something else entirely")
    at.button(key=f"review_fix_split_go_{cid}").click()
    ok(at.run())
    assert "only add | marks" in texts(at)


@pytest.mark.slow
def test_custom_verdict_scale_and_broken_settings(app, db, tmp_path, monkeypatch):
    scale = tmp_path / "scale.toml"
    scale.write_text('verdicts = ["Correct", "Wrong", "Unproven"]\n')
    monkeypatch.setenv("FACTCHECK_VERDICTS", str(scale))
    cid = claim_with(db, "$380 billion")
    at = app("review", claim=cid)
    assert at.selectbox(key=f"review_label_{cid}").options == ["Correct", "Wrong", "Unproven"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("verdicts: [True, ")
    monkeypatch.setenv("FACTCHECK_VERDICTS", str(broken))
    from streamlit.testing.v1 import AppTest

    at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    assert "Cannot start" in texts(at) and "broken.yaml" in texts(at)


# -- sources and articles ------------------------------------------------------------------------
@pytest.mark.slow
def test_add_a_source_and_see_it_suggested(app, db):
    cid = claim_with(db, "$380 billion")
    claim_text = one(db, "SELECT text FROM claims WHERE id = :c", c=cid)[0]
    at = app("sources")
    at.text_input(key="sources_paste_title").input("Desk memo: valuation check")
    at.text_input(key="sources_paste_url").input("https://desk.example.org/memo")
    at.text_area(key="sources_paste_text").input(
        f"Desk memo, synthetic test source. {claim_text} Our records confirm this figure."
    )
    at.button(key="sources_paste_go").click()
    ok(at.run())
    assert "Added “Desk memo: valuation check”" in texts(at)
    assert one(db, "SELECT count(*) FROM sources WHERE url = 'https://desk.example.org/memo'")[0] == 1
    review = app("review", claim=cid)
    assert "Desk memo: valuation check" in texts(review)


@pytest.mark.slow
def test_source_with_unsafe_url_is_refused_and_text_is_escaped(app, db, ws):
    from factcheck.io.readers import Document
    from factcheck.services.sources import add_documents

    at = app("sources")
    at.text_input(key="sources_paste_url").input("javascript:alert(1)")
    at.text_area(key="sources_paste_text").input("Some text.")
    at.button(key="sources_paste_go").click()
    ok(at.run())
    assert "must start with http" in texts(at)
    cid = claim_with(db, "$380 billion")
    claim_text = one(db, "SELECT text FROM claims WHERE id = :c", c=cid)[0]
    add_documents(ws, [Document(text=f"{claim_text} <img src=x onerror=alert(1)>",
                                title="<script>alert('t')</script>", url="javascript:alert(2)",
                                origin="test")])
    from factcheck.db.store import index_source

    # added by another process: the app sees it within the recheck delay
    time.sleep(index_source("passages").recheck_s + 0.2)
    review = app("review", claim=cid)
    html = htmls(review)
    # the source's own markup is escaped (the app's one script, the hotkeys, is not from a source)
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html
    assert "<img" not in html and "&lt;img" in html
    assert 'href="javascript' not in html


@pytest.mark.slow
def test_add_an_article_by_paste_extracts_it(app, db):
    at = app("articles")
    at.text_input(key="articles_paste_title").input("Test article")
    at.text_area(key="articles_paste_text").input(
        "City officials said the new budget is $42 million, up 12% from last year.\n\n"
        "The mayor said unemployment fell to 3.1% in June, the lowest since 2019."
    )
    at.button(key="articles_paste_go").click()
    ok(at.run())
    assert "Extracted “Test article”" in texts(at)
    aid = one(db, "SELECT id FROM articles WHERE title = 'Test article'")[0]
    assert one(db, "SELECT count(*) FROM claims WHERE article_id = :a", a=aid)[0] >= 1
    queue = app()
    queue.multiselect(key="queue_f_article").set_value([aid])
    ok(queue.run())
    assert set(queue.dataframe(key="queue_table").value["article"]) == {"Test article"}


@pytest.mark.slow
def test_upload_a_source_file(app, db):
    at = app("sources")
    data = b"Synthetic upload. The agency hired 1,234 inspectors in 2024, a record."
    at.file_uploader(key="sources_upload_files").upload("inspectors.txt", data, "text/plain")
    ok(at.run())
    at.button(key="sources_upload_go").click()
    ok(at.run())
    assert "Added" in texts(at)
    assert one(db, "SELECT count(*) FROM sources WHERE text LIKE '%1,234 inspectors%'")[0] == 1


# -- dashboard and export ------------------------------------------------------------------------
@pytest.mark.slow
def test_dashboard_renders_with_data(app, db, ws):
    from factcheck.services.review import set_verdict

    with db.connect() as conn:
        ids = [int(i) for (i,) in conn.execute(sa.text("SELECT id FROM claims ORDER BY id LIMIT 4"))]
    a_labels = ["True", "False", "False", "Half true"]
    b_labels = ["True", "False", "Mostly false", "Half true"]
    for cid, a, b in zip(ids, a_labels, b_labels):
        set_verdict(ws, cid, a, "ana", "first review", status="needs_second_review")
        set_verdict(ws, cid, b, "ben", "second review")
    at = app("dashboard")
    assert len(at.get("vega_lite_chart")) == 2, "charts missing"
    reviewers = table(at, "claims reviewed")
    assert dict(zip(reviewers["reviewer"], reviewers["claims reviewed"])) == {"ana": 4, "ben": 4}
    kappa = table(at, "kappa")
    row = kappa.iloc[0]
    assert (row["reviewer A"], row["reviewer B"], row["claims in common"]) == ("ana", "ben", 4)
    from sklearn.metrics import cohen_kappa_score

    assert row["kappa"] == f"{cohen_kappa_score(a_labels, b_labels):.2f}"


@pytest.mark.slow
def test_export_page_offers_the_downloads(app):
    at = app("export")
    buttons = at.get("download_button")
    assert len(buttons) == 3
    at.text_input(key="export_cr_publisher").input("Test desk")
    at.text_input(key="export_cr_url").input("https://desk.example.org")
    ok(at.run())


@pytest.mark.slow
def test_every_page_renders_on_an_empty_database(tmp_path, monkeypatch, st_model):
    from streamlit.testing.v1 import AppTest

    _env(monkeypatch, tmp_path, st_model)
    monkeypatch.setenv("FACTCHECK_SAMPLE_DATA", "off")
    at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    assert "No articles yet" in texts(at)
    for name in ("review", "articles", "sources", "dashboard", "export"):
        at.switch_page(page(name))
        ok(at.run())


@pytest.mark.slow
def test_first_start_reports_what_could_not_be_prepared(tmp_path, monkeypatch, st_model):
    from streamlit.testing.v1 import AppTest

    data = tmp_path / "sample"
    (data / "articles").mkdir(parents=True)
    (data / "articles" / "empty.txt").write_text("")
    _env(monkeypatch, tmp_path, st_model)
    monkeypatch.setenv("FACTCHECK_SAMPLE_DATA", str(data))
    at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    assert "could not be prepared" in texts(at) and "empty.txt" in texts(at)


# -- from a link (a local HTTP server on 127.0.0.1; private hosts allowed for it) -----------------
LINK_ARTICLE = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Transit budget approved</title>
<meta name="date" content="2026-02-27"></head><body><article><h1>Transit budget approved</h1>
<p>City officials said on Friday that the new transit budget is $42 million, up 12% from last year.</p>
<p>The mayor said bus ridership rose to 3.1 million trips in June, the highest since 2019.</p>
</article></body></html>"""


def _valuation_page(claim_text: str) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Valuation filing (test page)</title>'
        "</head><body><article><h1>Valuation filing</h1>"
        "<p>The weather in the capital was mild for the season, with light rain expected on Sunday.</p>"
        "<p>Local football clubs announced their summer schedules and ticket prices for families.</p>"
        "<p>Museums extended their opening hours for the holiday weekend across the region.</p>"
        f"<p>Filing, synthetic test page. {claim_text} Investors were told the figure in a briefing.</p>"
        "</article></body></html>"
    ).encode()


@pytest.fixture
def site(monkeypatch):
    from tests.io.conftest import running

    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_HOSTS", "1")  # the server is on loopback
    with running() as srv:
        srv.routes["/transit.html"] = lambda h: h.send_body(200, LINK_ARTICLE, "text/html; charset=utf-8")
        srv.routes["/go"] = lambda h: h.redirect("/transit.html", 302)
        yield srv


@pytest.mark.slow
def test_add_article_from_a_link(app, db, site):
    at = app("articles")
    at.text_input(key="articles_link_url").input(site.url("/go"))
    at.button(key="articles_link_go").click()
    ok(at.run())
    assert "Extracted “Transit budget approved”" in texts(at)
    url, requested, status, fetched = one(
        db, "SELECT url, requested_url, http_status, fetched_at FROM articles WHERE title = :t",
        t="Transit budget approved")
    assert url == site.url("/transit.html") and requested == site.url("/go") and status == 200 and fetched
    # a link that fails: one line with the URL and the fix, nothing stored
    at.text_input(key="articles_link_url").input(site.url("/nowhere"))
    at.button(key="articles_link_go").click()
    ok(at.run())
    assert "HTTP 404" in texts(at) and site.url("/nowhere") in texts(at), [m.value for m in at.error]


@pytest.mark.slow
def test_add_source_from_a_link(app, db, site):
    at = app("sources")
    at.text_input(key="sources_link_url").input(site.url("/transit.html"))
    at.button(key="sources_link_go").click()
    ok(at.run())
    assert "Added “Transit budget approved”" in texts(at)
    sid, requested, fetched = one(db, "SELECT id, requested_url, fetched_at FROM sources WHERE url = :u",
                                  u=site.url("/transit.html"))
    assert requested == site.url("/transit.html") and fetched
    assert one(db, "SELECT count(*) FROM passages WHERE source_id = :s", s=sid)[0] >= 1
    at.text_input(key="sources_link_url").input(site.url("/transit.html"))
    at.button(key="sources_link_go").click()
    ok(at.run())
    assert "already stored (unchanged since" in texts(at)
    count = one(db, "SELECT count(*) FROM sources WHERE requested_url = :u", u=site.url("/transit.html"))
    assert count[0] == 1


@pytest.mark.slow
def test_add_evidence_from_a_link_needs_a_chosen_stance(app, db, site):
    cid = claim_with(db, "$380 billion")
    claim_text = one(db, "SELECT text FROM claims WHERE id = :c", c=cid)[0]
    page = _valuation_page(claim_text)
    site.routes["/filing.html"] = lambda h: h.send_body(200, page, "text/html; charset=utf-8")
    at = app("review", claim=cid)
    at.text_input(key=f"review_fromlink_url_{cid}").input(site.url("/filing.html"))
    at.button(key=f"review_fromlink_go_{cid}").click()
    ok(at.run())
    result = at.session_state[f"review_fromlink_result_{cid}"]
    pid = result["passages"][0]
    passage = one(db, "SELECT p.text, s.requested_url FROM passages p JOIN sources s ON s.id = p.source_id "
                      "WHERE p.id = :p", p=pid)
    assert claim_text in passage[0] and passage[1] == site.url("/filing.html")  # the best match
    shown = texts(at)
    assert "as fetched on" in shown and "Valuation filing" in shown
    stance = at.radio(key=f"review_fromlink_stance_{pid}_{cid}")
    assert stance.value is None  # nothing preselected
    assert at.button(key=f"review_fromlink_link_{cid}").disabled
    stance.set_value("supports")
    ok(at.run())
    assert not at.button(key=f"review_fromlink_link_{cid}").disabled
    at.text_input(key=f"review_fromlink_note_{pid}_{cid}").input("same figure")
    at.button(key=f"review_fromlink_link_{cid}").click()
    ok(at.run())
    assert "Linked evidence (1)" in texts(at)
    assert one(db, "SELECT stance, note FROM evidence_links WHERE claim_id = :c AND passage_id = :p",
               c=cid, p=pid) == ("supports", "same figure")
    assert "as fetched on" in texts(at)  # the linked passage says when its page was fetched
