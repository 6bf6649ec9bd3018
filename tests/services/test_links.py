"""Links and feeds through the library, on SQLite and PostgreSQL (`fake_ws` runs on both)."""

from __future__ import annotations

import pytest

from factcheck.io.fetch import PrivateAddressError
from factcheck.services.feeds import add_feed, list_feeds, poll_feeds
from factcheck.services.links import evidence_from_link, fetch_link, is_url, read_inputs
from factcheck.services.sources import add_sources, list_sources
from tests.cli.test_links import PRESS, V1, V2
from tests.io.conftest import running
from tests.io.test_feeds import Feed, rss


@pytest.fixture
def site():
    with running() as srv:
        state = {"living": V1}
        srv.state = state
        srv.routes["/living.html"] = lambda h: h.send_body(200, state["living"], "text/html")
        srv.routes["/press/123"] = lambda h: h.send_body(200, PRESS, "text/html")
        yield srv


def test_is_url():
    assert is_url("https://a.example/x") and is_url(" HTTP://a.example")
    assert not is_url("a.example/x") and not is_url("/tmp/file.html") and not is_url("ftp://a")


def test_private_address_refused_unless_allowed(fake_ws, site):
    with pytest.raises(PrivateAddressError, match="private address"):
        fetch_link(fake_ws, site.url("/press/123"))
    assert fetch_link(fake_ws, site.url("/press/123"), allow_private=True).url == site.url("/press/123")
    (err,) = list(read_inputs(fake_ws, [site.url("/press/123")]))
    assert isinstance(err, PrivateAddressError)


def test_source_versions_keep_the_old_text(fake_ws, site):
    url = site.url("/living.html")
    first = add_sources(fake_ws, [url], allow_private=True).results[0]
    assert first.status == "added"
    assert add_sources(fake_ws, [url], allow_private=True).results[0].status == "skipped"
    site.state["living"] = V2
    second = add_sources(fake_ws, [url], allow_private=True).results[0]
    assert second.status == "added" and second.source_id == f"{first.source_id}@2"
    rows = {r["source_id"]: r for r in list_sources(fake_ws)}
    assert rows[first.source_id]["version"] == 1 and rows[second.source_id]["version"] == 2
    assert rows[second.source_id]["requested_url"] == url and rows[second.source_id]["http_status"] == 200
    site.state["living"] = PRESS
    third = add_sources(fake_ws, [url], allow_private=True).results[0]
    assert third.source_id == f"{first.source_id}@3"


def test_evidence_from_link_ranks_the_page_passages(fake_ws, site, sample_text):
    from factcheck.io.readers import Document
    from factcheck.services.extract import analyse, to_article

    doc = Document(text="The agency said exports rose 12 percent in 2024 to $4.2 billion.", origin="t")
    article = to_article(doc)
    sents, claims = analyse(article.id, article.text, None, 0.0, scores=[0.9])
    (claim,) = fake_ws.store.save_extraction(article, sents, claims)
    got = evidence_from_link(fake_ws, int(claim.id), site.url("/press/123"), allow_private=True)
    assert got.ok and got.result.status == "added" and got.fetched_at is not None
    assert "$4.2 billion" in got.passages[0].text
    assert got.passages[0].value_matches
    bad = evidence_from_link(fake_ws, int(claim.id), site.url("/missing"), allow_private=True)
    assert not bad.ok and "HTTP 404" in (bad.result.message or "")


def test_poll_feeds_on_this_backend(fake_ws, site):
    a = (site.url("/press/123"), "Exports", "Exports rose 12 percent.")
    site.routes["/rss.xml"] = Feed(rss(a))
    feed, added = add_feed(fake_ws, site.url("/rss.xml"), "Test")
    assert added and add_feed(fake_ws, site.url("/rss.xml"))[1] is False
    report = poll_feeds(fake_ws, allow_private=True, min_score=0.0)
    assert report.new_items == 1 and report.articles == 1 and report.claims >= 1 and not report.errors
    again = poll_feeds(fake_ws, [int(feed.id)], allow_private=True)
    assert again.feeds[0].status == "not_modified" and again.new_items == 0
    (row,) = list_feeds(fake_ws)
    assert row["items"] == 1 and row["articles"] == 1 and row["claims"] == report.claims
