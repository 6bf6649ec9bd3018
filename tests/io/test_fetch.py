"""factcheck.io.fetch against a local server: documents, redirects, caps, timeouts, the address guard.

The test server listens on 127.0.0.1, which the guard refuses by default, so tests that read
from it pass ``allow_private=True``. The guard itself is tested with ``allow_private`` left off:
on literal private addresses and ``localhost`` (the dial function is replaced by one that fails the
test, so nothing is ever sent to 10.0.0.1 or 169.254.169.254), and on redirect hops and DNS answers
through a fake resolver that says ``news.test`` is a public address plus a fake dial that sends
that one address — and only it — to the loopback test server.
"""

from __future__ import annotations

import socket
import time

import httpcore
import httpx
import pytest

from factcheck.config import Settings
from factcheck.errors import InputError
from factcheck.io import fetch as fetch_mod
from factcheck.io.fetch import (
    FetchError,
    GuardedTransport,
    PrivateAddressError,
    address_problem,
    document_from_fetched,
    fetch,
    fetch_document,
    options_from_settings,
    robots_allowed,
)

from .conftest import Handler, LocalServer, sleep_then

OPEN = {"allow_private": True}  # the test server is on loopback

ARTICLE = b"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Unemployment fell in March | Daily Test</title>
<meta name="author" content="Jane Doe">
<meta property="og:site_name" content="Daily Test">
<meta property="og:title" content="Unemployment fell to 4 percent in March">
<meta name="date" content="2024-03-05">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Unemployment fell to 4 percent in March</h1>
<p>The minister said on Tuesday that unemployment fell to 4 percent in March, the lowest rate
since 2019, and that 120,000 jobs were added in the first quarter of the year.</p>
<p>Opposition leaders disputed the figures, saying that part-time work accounted for most of the
new jobs and that wages had not kept up with inflation of 3.2 percent.</p>
<p>The statistics office will publish the detailed labour market survey next month, including
regional breakdowns and revisions to the figures for January and February.</p>
</article>
<footer>Copyright Daily Test</footer>
</body></html>
"""

TEXT = "Budget notes\n\nThe deficit was 3.1 percent of GDP in 2023, says the finance ministry.\n"


def make_pdf(text: str, title: str = "Budget report") -> bytes:
    """A minimal valid one-page PDF with a text object (Helvetica) and an Info title."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + title.encode("latin-1") + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF = make_pdf("The deficit was 3.1 percent of GDP in 2023.")


def stream_forever(h: Handler, *, chunked: bool, limit: int = 8_000_000) -> None:
    """Send up to `limit` bytes without Content-Length (close-delimited or chunked)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    if chunked:
        h.send_header("Transfer-Encoding", "chunked")
    else:
        h.send_header("Connection", "close")
        h.close_connection = True
    h.end_headers()
    block = b"x" * 65536
    sent = 0
    while sent < limit:
        if chunked:
            h.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
        else:
            h.wfile.write(block)
        sent += len(block)
    if chunked:
        h.wfile.write(b"0\r\n\r\n")


def drip(h: Handler) -> None:
    """Headers, then one byte every 0.1 s for up to 3 s."""
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.send_header("Connection", "close")
    h.close_connection = True
    h.end_headers()
    for _ in range(30):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.1)


def hops(h: Handler) -> None:
    """/hops?n=N redirects N more times, then serves text."""
    n = int(h.query.get("n", "0"))
    if n > 0:
        h.redirect(f"/hops?n={n - 1}", 302)
    else:
        h.send_body(200, b"arrived after the redirects", "text/plain")


@pytest.fixture
def site(server: LocalServer) -> LocalServer:
    """The test server with the document routes."""
    r = server.routes
    r["/article.html"] = lambda h: h.send_body(
        200, ARTICLE, "text/html; charset=utf-8", ETag='"a1"', Last_Modified="Tue, 05 Mar 2024 10:00:00 GMT"
    )
    r["/report.pdf"] = lambda h: h.send_body(200, PDF, "application/pdf")
    r["/notes.txt"] = lambda h: h.send_body(200, TEXT.encode(), "text/plain; charset=utf-8")
    r["/notes.md"] = lambda h: h.send_body(200, b"# Heading\n\nSome *markdown* text.", "text/markdown")
    latin1 = "Caf\u00e9 prices rose".encode("latin-1")
    r["/latin1.txt"] = lambda h: h.send_body(200, latin1, "text/plain; charset=iso-8859-1")
    r["/download"] = lambda h: h.send_body(200, PDF, "application/octet-stream")
    r["/untyped"] = lambda h: h.send_body(200, ARTICLE, None)
    r["/archive.zip"] = lambda h: h.send_body(200, b"PK\x03\x04" + b"\x00" * 100, "application/zip")
    r["/image"] = lambda h: h.send_body(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "application/octet-stream")
    r["/r1"] = lambda h: h.redirect("/r2", 301)
    r["/r2"] = lambda h: h.redirect(server.url("/article.html"), 301)
    r["/hops"] = hops
    r["/redirect"] = lambda h: h.redirect(h.query["to"], 302)
    r["/no-location"] = lambda h: h.send_body(302, b"", "text/plain")
    r["/big-declared"] = lambda h: h.send_body(200, b"y" * 5000, "text/plain")
    r["/big-close"] = lambda h: stream_forever(h, chunked=False)
    r["/big-chunked"] = lambda h: stream_forever(h, chunked=True)
    r["/slow"] = sleep_then(1.5, lambda h: h.send_body(200, b"late", "text/plain"))
    r["/drip"] = drip
    r["/gone"] = lambda h: h.send_body(410, b"gone", "text/plain")
    r["/broken"] = lambda h: h.send_body(503, b"down", "text/plain")
    r["/empty.txt"] = lambda h: h.send_body(200, b"  \n", "text/plain")
    return server


def one_line(err: BaseException) -> str:
    msg = str(err)
    assert "\n" not in msg
    return msg


# --- documents -------------------------------------------------------------------------------------


def test_html_document_with_metadata(site: LocalServer) -> None:
    doc = fetch_document(site.url("/article.html"), **OPEN)
    assert "unemployment fell to 4 percent in March" in doc.text
    assert "Copyright Daily Test" not in doc.text  # boilerplate removed by trafilatura
    assert doc.title and "Unemployment fell" in doc.title
    assert doc.url == site.url("/article.html")
    assert doc.published == "2024-03-05"
    extra = doc.extra
    assert extra["author"] == "Jane Doe"
    assert extra["site"] == "Daily Test"
    assert extra["http_status"] == 200
    assert extra["content_type"] == "text/html"
    assert extra["etag"] == '"a1"'
    assert extra["last_modified"] == "Tue, 05 Mar 2024 10:00:00 GMT"
    assert extra["requested_url"] == extra["final_url"] == site.url("/article.html")
    assert extra["fetched_at"].endswith("+00:00")
    # the request identifies the tool
    headers = dict(site.hits[-1][1])
    assert headers["User-Agent"].startswith("factcheck/")
    assert "fact-check annotation tool" in headers["User-Agent"]


def test_pdf_document(site: LocalServer) -> None:
    doc = fetch_document(site.url("/report.pdf"), **OPEN)
    assert "deficit was 3.1 percent" in doc.text
    assert doc.title == "Budget report"
    assert doc.extra["content_type"] == "application/pdf"


@pytest.mark.parametrize(
    "path, expected, title",
    [
        ("/notes.txt", "The deficit was 3.1 percent", "Budget notes"),
        ("/notes.md", "Some *markdown* text.", "Heading"),
        ("/latin1.txt", "Caf\u00e9 prices rose", "Caf\u00e9 prices rose"),
    ],
)
def test_text_documents(site: LocalServer, path: str, expected: str, title: str) -> None:
    doc = fetch_document(site.url(path), **OPEN)
    assert expected in doc.text
    assert doc.title == title


def test_generic_types_are_sniffed(site: LocalServer) -> None:
    pdf = fetch_document(site.url("/download"), **OPEN)
    assert "deficit was 3.1 percent" in pdf.text
    html = fetch_document(site.url("/untyped"), **OPEN)
    assert "unemployment fell" in html.text
    with pytest.raises(FetchError, match="unsupported content type application/octet-stream"):
        fetch_document(site.url("/image"), **OPEN)


def test_wrong_content_type_refused_before_the_body(site: LocalServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch_document(site.url("/archive.zip"), **OPEN)
    msg = one_line(err.value)
    assert "unsupported content type application/zip" in msg
    assert site.url("/archive.zip") in msg
    assert "PDF" in msg  # says what would work
    # fetch() itself accepts any type unless asked
    assert fetch(site.url("/archive.zip"), **OPEN).body.startswith(b"PK")


def test_empty_text_is_an_input_error(site: LocalServer) -> None:
    with pytest.raises(InputError, match="empty"):
        fetch_document(site.url("/empty.txt"), **OPEN)


def test_fetch_error_is_an_input_error() -> None:
    assert issubclass(FetchError, InputError)
    assert issubclass(PrivateAddressError, FetchError)


# --- redirects -------------------------------------------------------------------------------------


def test_two_redirects_followed_and_recorded(site: LocalServer) -> None:
    got = fetch(site.url("/r1"), **OPEN)
    assert got.status == 200
    assert got.requested_url == site.url("/r1")
    assert got.final_url == site.url("/article.html")
    assert got.redirects == (site.url("/r1"), site.url("/r2"))
    doc = document_from_fetched(got)
    assert doc.url == site.url("/article.html")
    assert doc.extra["requested_url"] == site.url("/r1")


def test_five_redirects_ok_six_refused(site: LocalServer) -> None:
    assert fetch(site.url("/hops?n=5"), **OPEN).body == b"arrived after the redirects"
    with pytest.raises(FetchError) as err:
        fetch(site.url("/hops?n=6"), **OPEN)
    msg = one_line(err.value)
    assert "more than 5 redirects" in msg and site.url("/hops?n=6") in msg
    assert site.paths().count("/hops") == 6 + 6  # the 6-hop chain stopped at its 6th redirect


def test_redirect_without_location(site: LocalServer) -> None:
    with pytest.raises(FetchError, match="unexpected HTTP 302"):
        fetch(site.url("/no-location"), **OPEN)


def test_redirect_to_another_scheme_refused(site: LocalServer) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch(site.url("/redirect?to=file:///etc/passwd"), **OPEN)


# --- size cap, timeouts, HTTP errors -------------------------------------------------------------


def test_declared_too_large_refused_before_reading(site: LocalServer) -> None:
    with pytest.raises(FetchError) as err:
        fetch(site.url("/big-declared"), max_bytes=1000, **OPEN)
    msg = one_line(err.value)
    assert "larger than the 1,000-byte limit" in msg
    assert "FACTCHECK_MAX_BYTES" in msg and site.url("/big-declared") in msg


@pytest.mark.parametrize("path", ["/big-close", "/big-chunked"])
def test_too_large_without_content_length(site: LocalServer, path: str) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError, match="larger than the 100,000-byte limit"):
        fetch(site.url(path), max_bytes=100_000, **OPEN)
    assert time.monotonic() - start < 5  # stopped early, did not read the 8 MB


def test_lying_content_length_cannot_pass_the_cap(site: LocalServer) -> None:
    # Content-Length says 100 while 5,000 bytes follow: the body is framed by the header, so the
    # extra bytes are never read as body; the cap counts what was actually read.
    def lying(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", "100")
        h.send_header("Connection", "close")
        h.close_connection = True
        h.end_headers()
        h.wfile.write(b"z" * 5000)

    site.routes["/lying"] = lying
    got = fetch(site.url("/lying"), max_bytes=1000, **OPEN)
    assert got.body == b"z" * 100


def test_truncate_keeps_the_first_bytes(site: LocalServer) -> None:
    got = fetch(site.url("/big-chunked"), max_bytes=1000, truncate=True, **OPEN)
    assert got.body == b"x" * 1000


def test_read_timeout(site: LocalServer) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(site.url("/slow"), timeout=(2.0, 0.3), **OPEN)
    assert time.monotonic() - start < 1.4
    msg = one_line(err.value)
    assert "sent nothing for 0.3 s" in msg and site.url("/slow") in msg


def test_total_timeout_stops_a_dripping_server(site: LocalServer) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError, match="took longer than 0.5 s"):
        fetch(site.url("/drip"), timeout=(2.0, 1.0), total_timeout=0.5, **OPEN)
    assert time.monotonic() - start < 2.5


@pytest.mark.parametrize(
    "path, status, fix",
    [
        ("/missing", 404, "check the link"),
        ("/gone", 410, "archived copy"),
        ("/broken", 503, "try again later"),
    ],
)
def test_http_errors(site: LocalServer, path: str, status: int, fix: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch_document(site.url(path), **OPEN)
    msg = one_line(err.value)
    assert f"HTTP {status}" in msg and fix in msg and site.url(path) in msg
    assert err.value.status == status


def test_connection_refused(site: LocalServer) -> None:
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="cannot connect"):
        fetch(f"http://127.0.0.1:{port}/", **OPEN)


def test_connect_timeout_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def timeout_dial(*_a: object, **_k: object) -> httpcore.NetworkStream:
        raise httpcore.ConnectTimeout("timed out")

    monkeypatch.setattr(fetch_mod, "_dial", timeout_dial)
    with pytest.raises(FetchError) as err:
        fetch("http://127.0.0.1:9/x", timeout=(0.2, 1.0), **OPEN)
    assert "no connection within 0.2 s" in one_line(err.value)


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(host: str, *_a: object, **_k: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(FetchError) as err:
        fetch("https://no-such-host.test/page")
    msg = one_line(err.value)
    assert "cannot resolve the host name no-such-host.test" in msg
    assert "https://no-such-host.test/page" in msg and "spelling" in msg


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "http://"])
def test_bad_links(url: str) -> None:
    with pytest.raises(FetchError):
        fetch(url)


# --- the address guard (allow_private left off) ---------------------------------------------------


@pytest.fixture
def no_dial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test (so refused addresses are never contacted)."""

    def forbidden(address: str, port: int, *_a: object) -> httpcore.NetworkStream:
        raise AssertionError(f"dialled {address}:{port}")

    monkeypatch.setattr(fetch_mod, "_dial", forbidden)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/notes.txt",
        "http://10.0.0.1/notes.txt",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/notes.txt",
        "http://0.0.0.0:{port}/notes.txt",
        "http://[::ffff:127.0.0.1]:{port}/notes.txt",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://localhost:{port}/notes.txt",
    ],
)
def test_private_addresses_refused(site: LocalServer, no_dial: None, url: str) -> None:
    url = url.format(port=site.port)
    with pytest.raises(PrivateAddressError) as err:
        fetch_document(url)
    msg = one_line(err.value)
    assert "private address" in msg and url in msg
    if "169.254" in url or "fd00:ec2" in url:
        assert "cloud metadata" in msg
    else:
        assert "set FACTCHECK_ALLOW_PRIVATE_HOSTS=1 if this is an intranet document you trust" in msg
    assert site.hits == []


def test_localhost_message_names_the_address(site: LocalServer, no_dial: None) -> None:
    expected = r"localhost resolves to a private address \((127\.0\.0\.1|::1)"
    with pytest.raises(PrivateAddressError, match=expected):
        fetch(site.url("/notes.txt", host="localhost"))


def test_metadata_refused_even_when_private_allowed(no_dial: None) -> None:
    with pytest.raises(PrivateAddressError, match="cloud metadata"):
        fetch("http://169.254.169.254/latest/meta-data/", allow_private=True)


def test_guard_is_in_the_transport(site: LocalServer) -> None:
    """A plain httpx client with the transport refuses loopback too (the guard is not in fetch())."""
    with httpx.Client(transport=GuardedTransport()) as client, pytest.raises(fetch_mod._Refused):
        client.get(site.url("/notes.txt"))
    with httpx.Client(transport=GuardedTransport(allow_private=True)) as client:
        assert client.get(site.url("/notes.txt")).text == TEXT
    assert site.paths() == ["/notes.txt"]


@pytest.mark.parametrize(
    "address, problem",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "cloud metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("ff02::1", "multicast"),
        ("not-an-ip", "not an IP address"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_address_problem(address: str, problem: str | None) -> None:
    assert address_problem(address) == problem


PUBLIC_IP = "93.184.215.14"  # never dialled: the fake dial below sends it to the loopback server


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch, site: LocalServer) -> dict[str, list]:
    """news.test resolves to PUBLIC_IP; the dial sends PUBLIC_IP (only) to the test server.

    Returns the log: "resolve" (host names asked) and "dial" (addresses connected to).
    """
    real_resolve = fetch_mod._resolve
    real_dial = fetch_mod._dial
    calls: dict[str, list] = {"resolve": [], "dial": []}
    answers: dict[str, list[list[str]]] = {"news.test": [[PUBLIC_IP]]}

    def resolve(host: str, port: int) -> list[str]:
        calls["resolve"].append(host)
        if host in answers:
            queue = answers[host]
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return real_resolve(host, port)

    def dial(address: str, port: int, *rest: object) -> httpcore.NetworkStream:
        calls["dial"].append(address)
        if address != PUBLIC_IP:
            raise AssertionError(f"dialled {address}:{port}")
        return real_dial("127.0.0.1", port, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(fetch_mod, "_resolve", resolve)
    monkeypatch.setattr(fetch_mod, "_dial", dial)
    calls["answers"] = answers  # type: ignore[assignment]
    return calls


def test_public_host_is_fetched_with_its_host_header(site: LocalServer, fake_dns: dict) -> None:
    doc = fetch_document(site.url("/article.html", host="news.test"))  # allow_private left off
    assert "unemployment fell" in doc.text
    assert doc.url == site.url("/article.html", host="news.test")
    assert site.hits[0][1]["Host"] == f"news.test:{site.port}"
    got = fetch(site.url("/hops?n=2", host="news.test"))  # relative redirects stay on news.test
    assert got.final_url == site.url("/hops?n=0", host="news.test")
    assert fake_dns["dial"] and set(fake_dns["dial"]) == {PUBLIC_IP}


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/notes.txt",
        "http://localhost:{port}/notes.txt",
        "http://[::1]:{port}/notes.txt",
        "http://10.0.0.1/notes.txt",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_redirect_hop_to_private_address_refused(site: LocalServer, fake_dns: dict, target: str) -> None:
    target = target.format(port=site.port)
    start = site.url(f"/redirect?to={target}", host="news.test")
    with pytest.raises(PrivateAddressError) as err:
        fetch(start)
    msg = one_line(err.value)
    assert "private address" in msg and target in msg and "redirected from" in msg
    assert site.paths() == ["/redirect"]  # the first hop was served, the private one never asked
    assert set(fake_dns["dial"]) == {PUBLIC_IP}


def test_mixed_dns_answer_refused(site: LocalServer, fake_dns: dict) -> None:
    fake_dns["answers"]["mixed.test"] = [[PUBLIC_IP, "127.0.0.1"]]
    with pytest.raises(PrivateAddressError, match=r"mixed.test resolves to a private address \(127.0.0.1"):
        fetch(site.url("/notes.txt", host="mixed.test"))
    assert fake_dns["dial"] == [] and site.hits == []


def test_dns_rebinding_connects_to_the_checked_address(site: LocalServer, fake_dns: dict) -> None:
    """The first answer is public, every later one loopback: the connection uses the first."""
    fake_dns["answers"]["rebind.test"] = [[PUBLIC_IP], ["127.0.0.1"]]
    got = fetch(site.url("/notes.txt", host="rebind.test"))
    assert got.body == TEXT.encode()
    assert fake_dns["resolve"] == ["rebind.test"]  # resolved once, by the guard
    assert fake_dns["dial"] == [PUBLIC_IP]  # and that checked address is what was dialled
    # a second connection asks again and gets the loopback answer: refused
    with pytest.raises(PrivateAddressError):
        fetch(site.url("/notes.txt", host="rebind.test"))


# --- settings and robots.txt ----------------------------------------------------------------------


def test_options_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("FACTCHECK_MAX_BYTES", "12345")
    assert options_from_settings(Settings()) == {"max_bytes": 12345, "allow_private": True}
    monkeypatch.delenv("FACTCHECK_ALLOW_PRIVATE_HOSTS")
    assert options_from_settings(Settings())["allow_private"] is False


def test_robots_allowed_and_cached(site: LocalServer) -> None:
    site.routes["/robots.txt"] = lambda h: h.send_body(
        200, b"User-agent: factcheck\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n", "text/plain"
    )
    assert robots_allowed(site.url("/feed.xml"), allow_private=True)
    assert not robots_allowed(site.url("/private/feed.xml"), allow_private=True)
    assert not robots_allowed(site.url("/feed.xml"), "otherbot/1.0", allow_private=True)
    assert site.paths().count("/robots.txt") == 1


def test_robots_missing_allows_and_server_error_disallows(site: LocalServer) -> None:
    assert robots_allowed(site.url("/feed.xml"), allow_private=True)  # 404: no rules
    fetch_mod.clear_robots_cache()
    site.routes["/robots.txt"] = lambda h: h.send_body(500, b"oops", "text/plain")
    assert not robots_allowed(site.url("/feed.xml"), allow_private=True)
    assert not robots_allowed(site.url("/feed.xml"), allow_private=True)
    assert site.paths().count("/robots.txt") == 3  # 5xx is not cached: asked again


def test_robots_uses_the_guard(site: LocalServer, no_dial: None) -> None:
    with pytest.raises(PrivateAddressError):
        robots_allowed(site.url("/feed.xml"))


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "017700000001", "127.1", "0"])
def test_numeric_host_spellings_refused(host: str, no_dial: None) -> None:
    """Odd spellings of loopback are resolved (inet_aton) and the resolved address is checked."""
    with pytest.raises(PrivateAddressError, match="private address"):
        fetch(f"http://{host}:8080/")


def test_robots_rejects_bad_links() -> None:
    with pytest.raises(FetchError, match="only http and https"):
        robots_allowed("ftp://example.org/feed")


# --- HTTPS: the checked address is dialled, the host name is used for SNI and the certificate ------


@pytest.fixture
def tls_site(tmp_path, monkeypatch: pytest.MonkeyPatch, fake_dns: dict):
    """An HTTPS server with a self-signed certificate for news.test (openssl), trusted by fetch."""
    import shutil
    import ssl
    import subprocess

    from .conftest import running

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=news.test",
         "-addext", "subjectAltName=DNS:news.test"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda _sock, name, _ctx: sni.append(name)  # type: ignore[assignment]
    monkeypatch.setattr(fetch_mod, "_ssl_context", lambda: ssl.create_default_context(cafile=str(cert)))
    fake_dns["answers"]["other.test"] = [[PUBLIC_IP]]
    with running(server_ctx) as srv:
        srv.routes["/notes.txt"] = lambda h: h.send_body(200, TEXT.encode(), "text/plain")
        yield srv, sni


def test_https_uses_host_name_for_sni_and_certificate(tls_site, fake_dns: dict) -> None:
    srv, sni = tls_site
    got = fetch(srv.url("/notes.txt", host="news.test"))
    assert got.final_url.startswith("https://news.test:")
    assert got.body == TEXT.encode()
    assert fake_dns["dial"] == [PUBLIC_IP]  # the socket went to the checked address...
    assert sni == ["news.test"]  # ...while TLS named the host
    assert srv.hits[0][1]["Host"] == f"news.test:{srv.port}"
    # the same server under a name its certificate does not cover: verification fails
    with pytest.raises(FetchError, match="cannot connect.*(CERTIFICATE_VERIFY_FAILED|match|certificate)"):
        fetch(srv.url("/notes.txt", host="other.test"))
