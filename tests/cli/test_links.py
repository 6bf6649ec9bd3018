"""CLI from links, against a local HTTP server on 127.0.0.1: `extract URL`, `sources add URL`, feeds.

The server is on loopback, so the tests that fetch turn ``FACTCHECK_ALLOW_PRIVATE_HOSTS=1`` on;
the refusal tests leave it off.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.cli.test_evidence import _make_cli
from tests.conftest import HashingModel
from tests.io.conftest import LocalServer, running
from tests.io.test_feeds import Feed, rss
from tests.io.test_fetch import ARTICLE, PDF

CONTRACT = {"article_id", "claim_id", "text", "start", "end", "type", "score", "speaker", "values"}

PRESS = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Agency press release 123</title>
</head><body><article><h1>Agency reports record exports</h1>
<p>The agency said exports rose 12 percent in 2024 to $4.2 billion, the highest level on record.</p>
<p>Officials expect growth of 5 percent next year, according to the statement released on Monday.</p>
<p>The figures will be revised in June when the full annual survey is published by the agency.</p>
</article></body></html>"""


def page(*paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Living page</title></head>'
            f"<body><article><h1>Living page</h1>{body}</article></body></html>").encode()


V1 = page("The council approved a budget of $12 million for transit in 2025, officials said on Monday.",
          "Ridership grew 8 percent last year according to the city transport department report.")
V2 = page("The council approved a budget of $15 million for transit in 2025, officials said on Monday.",
          "Ridership grew 8 percent last year according to the city transport department report.")


@pytest.fixture
def site():
    with running() as srv:
        state = {"living": V1}
        srv.state = state
        r = srv.routes
        r["/story.html"] = lambda h: h.send_body(200, ARTICLE, "text/html; charset=utf-8")
        r["/old-story"] = lambda h: h.redirect("/story.html", 301)
        r["/report.pdf"] = lambda h: h.send_body(200, PDF, "application/pdf")
        r["/press/123"] = lambda h: h.send_body(200, PRESS, "text/html; charset=utf-8")
        r["/living.html"] = lambda h: h.send_body(200, state["living"], "text/html; charset=utf-8")
        r["/image.png"] = lambda h: h.send_body(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
        yield srv


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.delenv("FACTCHECK_ALLOW_PRIVATE_HOSTS", raising=False)
    return _make_cli(tmp_path, monkeypatch, HashingModel())


@pytest.fixture
def open_cli(cli, monkeypatch):
    """The CLI allowed to fetch from the loopback test server."""
    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_HOSTS", "1")
    return cli


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _db(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 'fc.db'}")


def _rows(tmp_path, sql: str, **params) -> list[tuple]:
    engine = _db(tmp_path)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


# -- extract -----------------------------------------------------------------------------------
def test_extract_url_json_with_metadata_and_final_url(open_cli, site, tmp_path):
    res = open_cli("extract", site.url("/old-story"), "--json", "--min-score", "0")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert rows and all(set(r) == CONTRACT for r in rows)
    assert any("4 percent" in r["text"] for r in rows)
    (article,) = _rows(tmp_path, "SELECT id, url, requested_url, title, published, http_status, "
                                 "fetched_at, text FROM articles")
    aid, url, requested, title, published, status, fetched, text = article
    assert url == site.url("/story.html")  # the final URL after the redirect
    assert requested == site.url("/old-story")
    assert "Unemployment fell" in title and published == "2024-03-05"
    assert status == 200 and fetched
    assert {r["article_id"] for r in rows} == {aid}
    assert all(text[r["start"]:r["end"]] == r["text"] for r in rows)
    # same page again: already stored, same claims
    again = open_cli("extract", site.url("/story.html"), "--json", "--min-score", "0")
    assert again.exit_code == 0 and [r["claim_id"] for r in _lines(again.stdout)] == [
        r["claim_id"] for r in rows]


def test_extract_mixes_files_and_urls_and_goes_on_past_a_failing_url(open_cli, site, tmp_path):
    f = tmp_path / "local.txt"
    f.write_text("The mayor said the new bridge cost $40 million and opened in 2023.")
    res = open_cli("extract", str(f), site.url("/missing"), site.url("/press/123"), "--min-score", "0")
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and site.url("/missing") in errors[0] and "HTTP 404" in errors[0]
    assert "check the link" in errors[0]
    assert "1 of 3 inputs failed" in res.stderr
    assert len(_rows(tmp_path, "SELECT id FROM articles")) == 2


def test_extract_private_address_refused_without_the_setting(cli, site, tmp_path):
    res = cli("extract", site.url("/story.html"), "--json")
    assert res.exit_code == 1
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "private address" in lines[0] and site.url("/story.html") in lines[0]
    assert "FACTCHECK_ALLOW_PRIVATE_HOSTS=1" in lines[0]
    assert site.hits == []  # nothing was sent
    # the per-command and the global flag allow it
    assert cli("extract", site.url("/story.html"), "--allow-private-hosts").exit_code == 0
    assert cli("--allow-private-hosts", "extract", site.url("/story.html")).exit_code == 0


def test_extract_not_a_document(open_cli, site):
    res = open_cli("extract", site.url("/image.png"))
    assert res.exit_code == 1 and "unsupported content type image/png" in res.stderr
    assert "link to a web page, a PDF" in res.stderr


# -- sources -----------------------------------------------------------------------------------
def test_sources_add_pdf_and_html(open_cli, site, tmp_path):
    res = open_cli("sources", "add", site.url("/report.pdf"), site.url("/press/123"), "--json")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert [r["status"] for r in rows] == ["added", "added"] and all(r["passages"] > 0 for r in rows)
    listed = {r["url"]: r for r in _lines(open_cli("sources", "list", "--json").stdout)}
    pdf, press = listed[site.url("/report.pdf")], listed[site.url("/press/123")]
    assert pdf["title"] == "Budget report" and pdf["http_status"] == 200 and pdf["fetched_at"]
    assert pdf["requested_url"] == site.url("/report.pdf") and pdf["version"] == 1
    assert press["title"] == "Agency press release 123" or "exports" in (press["title"] or "").lower()
    (text,) = _rows(tmp_path, "SELECT text FROM sources WHERE url = :u", u=site.url("/report.pdf"))[0]
    assert "deficit was 3.1 percent" in text


def test_sources_readd_unchanged_adds_nothing_changed_makes_a_version(open_cli, site, tmp_path):
    url = site.url("/living.html")
    first = _lines(open_cli("sources", "add", url, "--json").stdout)
    assert first[0]["status"] == "added"
    sid = first[0]["source_id"]
    (pid,) = _rows(tmp_path, "SELECT min(id) FROM passages WHERE source_id = :s", s=sid)[0]
    again = open_cli("sources", "add", url)
    assert again.exit_code == 0 and "0 added, 1 already stored" in again.stderr
    assert "unchanged since" in again.stdout
    assert len(_rows(tmp_path, "SELECT id FROM sources")) == 1

    site.state["living"] = V2
    changed = open_cli("sources", "add", url, "--json")
    assert changed.exit_code == 0, changed.output
    row = _lines(changed.stdout)[0]
    assert row["status"] == "added" and row["source_id"] == f"{sid}@2"
    versions = _rows(tmp_path, "SELECT id, version, text FROM sources ORDER BY version")
    assert [(v[0], v[1]) for v in versions] == [(sid, 1), (f"{sid}@2", 2)]
    assert "$12 million" in versions[0][2] and "$15 million" in versions[1][2]  # the old text stays
    (old_passage,) = _rows(tmp_path, "SELECT source_id, text FROM passages WHERE id = :p", p=pid)
    assert old_passage[0] == sid and "$12 million" in old_passage[1]
    # unchanged again: nothing; the third version comes only with a third text
    (same,) = _lines(open_cli("sources", "add", url, "--json").stdout)
    assert same["status"] == "skipped" and same["source_id"] == f"{sid}@2"
    assert len(_rows(tmp_path, "SELECT id FROM sources")) == 2


def test_sources_add_batch_goes_on_past_a_failing_url(open_cli, site, tmp_path):
    res = open_cli("sources", "add", site.url("/missing.pdf"), site.url("/press/123"))
    assert res.exit_code == 1
    assert site.url("/missing.pdf") in res.stderr and "HTTP 404" in res.stderr
    assert "1 added" in res.stderr and "1 failed" in res.stderr
    assert len(_rows(tmp_path, "SELECT id FROM sources")) == 1


def test_sources_add_private_address_refused(cli, site):
    res = cli("sources", "add", site.url("/press/123"))
    assert res.exit_code == 1 and "private address" in res.stderr
    assert site.hits == []


# -- feeds -------------------------------------------------------------------------------------
def item(srv: LocalServer, path: str, title: str, summary: str) -> tuple[str, str, str]:
    return srv.url(path), title, summary


@pytest.fixture
def news(site):
    a = item(site, "/story.html", "Jobs report", "Unemployment fell to 4 percent.")
    b = item(site, "/press/123", "Exports", "Exports rose 12 percent.")
    c = item(site, "/gone-page", "Budget", "The deficit was 3.1 percent of GDP in 2023, the ministry said.")
    site.routes["/rss.xml"] = Feed(rss(a, b))
    site.routes["/broken.xml"] = lambda h: h.send_body(500, b"down", "text/plain")
    site.items = {"a": a, "b": b, "c": c}
    return site


def test_feeds_add_list_poll_new_and_repeated_items_and_304(open_cli, news, tmp_path):
    res = open_cli("feeds", "add", news.url("/rss.xml"), "--name", "Example News")
    assert res.exit_code == 0 and "added feed 1" in res.stdout
    assert "already polls" in open_cli("feeds", "add", news.url("/rss.xml")).stdout

    first = open_cli("feeds", "poll")
    assert first.exit_code == 0, first.output
    assert "Example News: 2 new items of 2, 2 articles" in first.stdout
    assert "1 feed, 2 new items, 2 articles" in first.stdout and "0 errors" in first.stdout
    arts = _rows(tmp_path, "SELECT url FROM articles ORDER BY url")
    assert {a[0] for a in arts} == {news.url("/story.html"), news.url("/press/123")}

    second = open_cli("feeds", "poll")
    assert second.exit_code == 0 and "Example News: not modified" in second.stdout
    rss_hits = [h for p, h in news.hits if p == "/rss.xml"]
    assert rss_hits[-1].get("If-None-Match") == '"v1"'
    assert "0 new items" in second.stdout

    # the feed changes: a repeated item and a new one whose page is gone (summary fallback)
    news.routes["/rss.xml"].update(rss(news.items["a"], news.items["c"]))
    third = open_cli("feeds", "poll", "--json")
    assert third.exit_code == 0, third.output
    (poll,) = _lines(third.stdout)
    assert poll["new_items"] == 1 and poll["articles"] == 1 and poll["from_summary"] == 1
    status, error = _rows(tmp_path, "SELECT status, error FROM feed_items WHERE link = :l",
                          l=news.url("/gone-page"))[0]
    assert status == "summary" and "HTTP 404" in error
    assert len(_rows(tmp_path, "SELECT id FROM articles")) == 3

    listed = _lines(open_cli("feeds", "list", "--json").stdout)
    assert listed[0]["name"] == "Example News" and listed[0]["items"] == 3 and listed[0]["articles"] == 3
    assert listed[0]["last_status"] == 200 and listed[0]["last_error"] is None
    assert "Example News" in open_cli("feeds", "list").stdout


def test_a_failing_feed_does_not_stop_another(open_cli, news, tmp_path):
    assert open_cli("feeds", "add", news.url("/broken.xml"), "--name", "Broken").exit_code == 0
    assert open_cli("feeds", "add", news.url("/rss.xml"), "--name", "Good").exit_code == 0
    res = open_cli("feeds", "poll")
    assert res.exit_code == 1
    assert "Good: 2 new items of 2, 2 articles" in res.stdout
    errors = [line for line in res.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and news.url("/broken.xml") in errors[0] and "HTTP 500" in errors[0]
    assert "2 feeds, 2 new items, 2 articles" in res.stdout and "1 error" in res.stdout
    listed = {r["name"]: r for r in _lines(open_cli("feeds", "list", "--json").stdout)}
    assert "HTTP 500" in listed["Broken"]["last_error"] and listed["Good"]["articles"] == 2


def test_feed_item_without_summary_is_retried(open_cli, news, tmp_path):
    bare = (news.url("/later.html"), "Later", "")
    news.routes["/rss.xml"] = Feed(rss(news.items["a"], bare))
    open_cli("feeds", "add", news.url("/rss.xml"))
    res = open_cli("feeds", "poll")
    assert res.exit_code == 1 and news.url("/later.html") in res.stderr and "retried" in res.stderr
    news.routes["/later.html"] = lambda h: h.send_body(200, PRESS, "text/html")
    res = open_cli("feeds", "poll")  # no 304: the validators were not kept, the item is retried
    assert res.exit_code == 0, res.output
    assert "1 new item of 2, 1 article" in res.stdout


def test_feeds_poll_private_address_refused(cli, news):
    cli("feeds", "add", news.url("/rss.xml"))
    res = cli("feeds", "poll")
    assert res.exit_code == 1 and "private address" in res.stderr


def test_feeds_add_rejects_a_non_link(cli):
    res = cli("feeds", "add", "news.example/rss")
    assert res.exit_code == 1 and "not an http(s) link" in res.stderr
