"""factcheck.io.feeds against a local server: RSS 2.0 and Atom, 304s, de-duplication, robots.txt."""

from __future__ import annotations

import pytest

from factcheck.io.feeds import FeedItem, new_items, parse_feed, poll_feed
from factcheck.io.fetch import FetchError, PrivateAddressError, RobotsDisallowedError

from .conftest import Handler, LocalServer

OPEN = {"allow_private": True}  # the test server is on loopback


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 feed of (link, title, description) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{desc}</description><pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>"
        for link, title, desc in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Daily Test</title>'
        f"<link>https://daily.example/</link><description>News</description>{body}</channel></rss>"
    ).encode()


A = ("https://daily.example/a", "Jobs report", "Unemployment fell to &lt;b&gt;4 percent&lt;/b&gt;.")
B = ("https://daily.example/b", "Budget", "The deficit was 3.1 percent of GDP.")
C = ("https://daily.example/c", "Inflation", "Prices rose 3.2 percent.")
A_AGAIN = ("https://daily.example/a?utm_source=rss", A[1], A[2])  # same story, tracking link

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Ministry releases</title>
  <link href="/"/>
  <id>urn:uuid:feed</id>
  <updated>2024-03-06T09:00:00Z</updated>
  <entry>
    <title>Exports up 5 percent</title>
    <link href="/releases/1"/>
    <id>urn:uuid:1</id>
    <updated>2024-03-06T09:00:00+01:00</updated>
    <summary type="html">&lt;p&gt;Exports rose &lt;em&gt;5 percent&lt;/em&gt; in February.&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title>Budget outturn</title>
    <link href="javascript:alert(1)"/>
    <id>urn:uuid:2</id>
    <published>2024-03-05T12:00:00Z</published>
    <content type="html">&lt;p&gt;The deficit was 3.1 percent.&lt;/p&gt;</content>
  </entry>
</feed>
"""


class Feed:
    """A feed route with a current version, its ETag and Last-Modified, answering 304s."""

    def __init__(self, body: bytes, ctype: str = "application/rss+xml") -> None:
        self.body, self.ctype, self.version = body, ctype, 1

    def update(self, body: bytes) -> None:
        self.body, self.version = body, self.version + 1

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'

    @property
    def modified(self) -> str:
        return f"Tue, 05 Mar 2024 10:0{self.version}:00 GMT"

    def __call__(self, h: Handler) -> None:
        if h.headers.get("If-None-Match") == self.etag or h.headers.get("If-Modified-Since") == self.modified:
            h.send_response(304)
            h.send_header("ETag", self.etag)
            h.end_headers()
            return
        h.send_body(200, self.body, self.ctype, ETag=self.etag, Last_Modified=self.modified)


@pytest.fixture
def feeds(server: LocalServer) -> LocalServer:
    server.routes["/rss.xml"] = Feed(rss(A, B))
    server.routes["/atom.xml"] = Feed(ATOM, "application/atom+xml")
    server.routes["/private/feed.xml"] = Feed(rss(C))
    server.routes["/robots.txt"] = lambda h: h.send_body(
        200, b"User-agent: *\nDisallow: /private/\n", "text/plain"
    )
    server.routes["/page.html"] = lambda h: h.send_body(
        200, b"<html><body><p>Not a feed.</p></body></html>", "text/html"
    )
    server.routes["/path-body"] = lambda h: h.send_body(200, b"/etc/hostname", "text/plain")
    return server


def test_rss_items(feeds: LocalServer) -> None:
    result = poll_feed(feeds.url("/rss.xml"), **OPEN)
    assert not result.not_modified and result.status == 200
    assert result.title == "Daily Test" and result.site_link == "https://daily.example/"
    assert result.etag == '"v1"' and result.last_modified == "Tue, 05 Mar 2024 10:01:00 GMT"
    assert [i.link for i in result.items] == [A[0], B[0]]
    first = result.items[0]
    assert first.title == "Jobs report"
    assert first.summary == "Unemployment fell to 4 percent."  # HTML made plain text
    assert first.guid == A[0]
    assert first.published == "2024-03-05T10:00:00+00:00"
    assert len(first.content_hash) == 64
    assert feeds.hits[-1][1]["Accept"].startswith("application/rss+xml")


def test_conditional_poll_gets_304_then_new_items(feeds: LocalServer) -> None:
    url = feeds.url("/rss.xml")
    first = poll_feed(url, **OPEN)
    seen_links = {i.key for i in first.items}
    seen_hashes = {i.content_hash for i in first.items}

    again = poll_feed(url, etag=first.etag, last_modified=first.last_modified, **OPEN)
    assert again.not_modified and again.status == 304 and again.items == ()
    assert again.etag == first.etag and again.last_modified == first.last_modified
    headers = feeds.hits[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 05 Mar 2024 10:01:00 GMT"
    # Last-Modified alone is enough too
    assert poll_feed(url, last_modified=first.last_modified, **OPEN).not_modified

    feeds.routes["/rss.xml"].update(rss(C, B, A_AGAIN))  # type: ignore[attr-defined]
    third = poll_feed(url, etag=first.etag, last_modified=first.last_modified, **OPEN)
    assert not third.not_modified and third.etag == '"v2"'
    assert [i.link for i in third.items] == [C[0], B[0], A_AGAIN[0]]
    fresh = new_items(third.items, seen_links, seen_hashes)
    assert [i.link for i in fresh] == [C[0]]  # B repeated by link, A_AGAIN by content hash


def test_atom_entries(feeds: LocalServer) -> None:
    result = poll_feed(feeds.url("/atom.xml"), **OPEN)
    assert result.title == "Ministry releases"
    one, two = result.items
    assert one.link == feeds.url("/releases/1")  # relative link resolved against the feed URL
    assert one.guid == "urn:uuid:1"
    assert one.summary == "Exports rose 5 percent in February."
    assert one.published == "2024-03-06T08:00:00+00:00"  # updated, in UTC
    assert two.link is None  # javascript: links are dropped
    assert two.key == "urn:uuid:2"
    assert two.summary == "The deficit was 3.1 percent."
    assert two.published == "2024-03-05T12:00:00+00:00"
    again = poll_feed(feeds.url("/atom.xml"), etag=result.etag, **OPEN)
    assert again.not_modified


def test_robots_txt_disallows_a_feed(feeds: LocalServer) -> None:
    with pytest.raises(RobotsDisallowedError) as err:
        poll_feed(feeds.url("/private/feed.xml"), **OPEN)
    msg = str(err.value)
    assert "\n" not in msg and "robots.txt" in msg and feeds.url("/private/feed.xml") in msg
    assert "/private/feed.xml" not in feeds.paths()  # never requested
    assert poll_feed(feeds.url("/rss.xml"), **OPEN).items
    assert poll_feed(feeds.url("/private/feed.xml"), respect_robots=False, **OPEN).items
    assert feeds.paths().count("/robots.txt") == 1  # cached per host


def test_not_a_feed(feeds: LocalServer) -> None:
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        poll_feed(feeds.url("/page.html"), **OPEN)


def test_feed_body_naming_a_file_is_not_opened(feeds: LocalServer) -> None:
    # feedparser opens a str/bytes argument as a file name if it can: the body must go in a stream
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        poll_feed(feeds.url("/path-body"), **OPEN)
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        parse_feed(b"/etc/hostname", url="https://x.example/feed")


def test_feed_on_a_private_address_refused(feeds: LocalServer) -> None:
    with pytest.raises(PrivateAddressError, match="FACTCHECK_ALLOW_PRIVATE_HOSTS=1"):
        poll_feed(feeds.url("/rss.xml"))
    assert feeds.hits == []


def test_feed_size_cap(feeds: LocalServer) -> None:
    with pytest.raises(FetchError, match="larger than the 100-byte limit"):
        poll_feed(feeds.url("/rss.xml"), max_bytes=100, **OPEN)


def test_new_items_dedupes_within_a_batch() -> None:
    def item(link: str | None, h: str, guid: str | None = None) -> FeedItem:
        return FeedItem(link=link, title=None, published=None, summary=None, guid=guid, content_hash=h)

    items = [item("u1", "h1"), item("u1", "h2"), item("u2", "h1"), item(None, "h3", "g3"), item(None, "h4")]
    assert [(i.link, i.content_hash) for i in new_items(items, set(), set())] == [
        ("u1", "h1"),
        (None, "h3"),
        (None, "h4"),
    ]
    assert new_items(items, {"u1", "g3"}, {"h4"}) == [items[2]]
