"""Fetching links safely: an SSRF guard, a size cap, timeouts, and one-line errors that say the fix.

:func:`fetch` GETs a URL with httpx and follows redirects itself (at most ``max_redirects`` hops),
so every hop goes through the same checks. :func:`fetch_document` turns a web page (trafilatura,
with title/author/site/date), a PDF or a plain-text file into a :class:`~factcheck.io.readers.Document`.
:func:`robots_allowed` answers robots.txt questions (RFC 9309) through the same fetcher.

The SSRF guard (``allow_private=False``, the default) lives in the connection layer: a custom
httpcore network backend resolves the host once, refuses the connection if ANY resolved address
is loopback, private, link-local, multicast, reserved, unspecified or otherwise not global (IPv4
inside IPv6 — mapped, 6to4, Teredo, NAT64 — is unwrapped and checked too), then opens the socket
to one of exactly those checked addresses. httpx never resolves the name again, so a DNS answer
that changes between the check and the connection (DNS rebinding) cannot slip through. The URL,
the ``Host`` header, TLS SNI and certificate checks keep the host name. Proxies from the
environment are ignored (``trust_env=False``): through a proxy the guard would check the proxy,
not the target. Cloud metadata addresses (169.254.169.254, fd00:ec2::254, ...) are refused even
with ``allow_private=True``: no intranet document lives there.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib import robotparser
from urllib.parse import urlsplit

import httpcore
import httpx

from factcheck import __version__
from factcheck.config import Settings
from factcheck.errors import InputError
from factcheck.io.readers import MAX_BYTES, Document, decode_bytes, html_to_text, pdf_to_text

log = logging.getLogger(__name__)

# TODO(release): the project's public address, so site owners can see who is fetching.
PROJECT_URL = "https://pypi.org/project/factcheck-desk/"
USER_AGENT = f"factcheck/{__version__} (+{PROJECT_URL}; fact-check annotation tool)"

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
TOTAL_TIMEOUT = 120.0
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 500_000  # RFC 9309: parse at least 500 KiB
ROBOTS_CACHE_SECONDS = 3600.0

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
TEXT_TYPES = {"text/plain", "text/markdown", "text/x-markdown"}
GENERIC_TYPES = {
    "",
    "application/octet-stream",
    "binary/octet-stream",
    "application/unknown",
    "application/download",
    "application/force-download",
}
DOCUMENT_TYPES = HTML_TYPES | PDF_TYPES | TEXT_TYPES | GENERIC_TYPES
DOCUMENT_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,application/pdf;q=0.8,text/plain;q=0.7,"
    "text/markdown;q=0.7,*/*;q=0.1"
)

Timeout = float | tuple[float, float]


class FetchError(InputError):
    """A link that cannot be fetched or read. ``str(err)`` is one line naming the URL and the fix."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.url = url
        self.status = status


class PrivateAddressError(FetchError):
    """The link (or a redirect hop) resolves to a private, loopback or metadata address."""


class RobotsDisallowedError(FetchError):
    """robots.txt of the site disallows this user agent for the URL."""


# --- the address guard ---------------------------------------------------------------------------

_METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack... instance metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    ipaddress.ip_address("168.63.129.16"),  # Azure wireserver (a global address!)
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud metadata
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo client, NAT64, compatible)."""
    out: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        out.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        out.append(ip.sixtofour)
    if ip.teredo is not None:
        out.append(ip.teredo[1])
    if ip in _NAT64 or (ip in _V4_COMPATIBLE and int(ip) > 1):  # not :: and ::1
        out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return out


def address_problem(address: str) -> str | None:
    """Why connecting to this IP address is refused ("loopback", "cloud metadata"...), else None.

    Refused: loopback, private, link-local, multicast, reserved, unspecified, any other non-global
    address (e.g. carrier-grade NAT 100.64.0.0/10) and cloud metadata services; IPv4 addresses
    embedded in IPv6 ones are checked as well. An unparsable address is refused too.
    """
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
            candidates = [ip.ipv4_mapped]
        else:  # embedded IPv4 first: its reason is the more telling one
            candidates = [*_embedded_ipv4(ip), ip]
    for cand in candidates:
        if cand in _METADATA_ADDRESSES:
            return "cloud metadata"
    for cand in candidates:
        for kind in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
            if getattr(cand, f"is_{kind}"):
                return kind.replace("_", "-")
        if not cand.is_global:
            return "not public"
    return None


class _Refused(Exception):
    """Raised inside the connection layer; :func:`fetch` turns it into PrivateAddressError."""

    def __init__(self, host: str, address: str, problem: str) -> None:
        super().__init__(f"{host} -> {address} ({problem})")
        self.host, self.address, self.problem = host, address, problem


class _Unresolvable(Exception):
    """The host name has no address; :func:`fetch` turns it into a FetchError."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host, self.reason = host, reason


def _resolve(host: str, port: int) -> list[str]:
    """The host's addresses in the resolver's order (both families); a literal IP is itself."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise _Unresolvable(host, e.strerror or str(e)) from e
    except (UnicodeError, OSError) as e:
        raise _Unresolvable(host, str(e)) from e
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise _Unresolvable(host, "no address")
    return addresses


def _dial(
    address: str,
    port: int,
    timeout: float | None,
    local_address: str | None,
    socket_options: Iterable[Any] | None,
) -> httpcore.NetworkStream:
    """Open a TCP connection to this numeric address (no name resolution happens here)."""
    return httpcore.SyncBackend().connect_tcp(
        address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
    )


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that checks the resolved addresses and dials only those.

    The name is resolved once per connection; if any address is refused the connection is
    refused (a mixed answer is how rebinding attacks start), else the checked addresses are tried
    in order. TLS is started by httpcore afterwards with the URL's host name (SNI, certificate).
    """

    max_addresses = 3  # addresses tried per connection: bounds the time spent on dead ones

    def __init__(self, *, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check every address, then connect to a checked address."""
        addresses = _resolve(host, port)
        for address in addresses:
            problem = address_problem(address)
            if problem == "cloud metadata" or (problem and not self.allow_private):
                raise _Refused(host, address, problem)
        last: Exception | None = None
        for address in addresses[: self.max_addresses]:
            try:
                log.debug("connecting to %s (%s) port %d", host, address, port)
                return _dial(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e
        assert last is not None
        raise last

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        """Unix sockets are never used for links."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        """Sleep (used by httpcore's retry backoff)."""
        time.sleep(seconds)


def _ssl_context() -> ssl.SSLContext:
    """Certificate checks as httpx does them (certifi CAs, host name verified against the URL)."""
    return httpx.create_ssl_context()


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go through :class:`GuardedBackend`; no proxies."""

    def __init__(self, *, allow_private: bool = False) -> None:
        super().__init__(trust_env=False)
        # httpx has no public hook for the network backend: replace the pool it built (pinned
        # httpx<1; test_fetch checks that the guard is in force through a real client).
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private=allow_private),
        )


# --- fetching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """One fetched response (after redirects): where it came from, when, and its bytes."""

    requested_url: str
    final_url: str
    status: int
    fetched_at: datetime
    content_type: str  # media type, lower case, no parameters; "" when the server sent none
    charset: str | None
    etag: str | None
    last_modified: str | None
    body: bytes = field(repr=False)
    redirects: tuple[str, ...] = ()  # the URLs that redirected, in order

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request (the body is empty)."""
        return self.status == 304


def _show(url: str) -> str:
    """A URL for a one-line message."""
    url = " ".join(str(url).split())
    return url if len(url) <= 300 else url[:297] + "..."


def _parse_url(url: str, requested: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as e:
        raise FetchError(f"{_show(url)}: not a valid link ({e}); copy the full address", url=requested) from e
    if parsed.scheme not in ("http", "https"):
        raise FetchError(
            f"{_show(url)}: only http and https links can be fetched (got {parsed.scheme or 'no'} scheme); "
            "give the web address of the document",
            url=requested,
        )
    if not parsed.host:
        raise FetchError(f"{_show(url)}: the link has no host name; copy the full address", url=requested)
    return parsed


def _timeouts(timeout: Timeout) -> tuple[float, float]:
    if isinstance(timeout, tuple):
        return float(timeout[0]), float(timeout[1])
    return float(timeout), float(timeout)


_HTTP_FIXES = {
    401: "the page needs a login; save it from your browser and add it as a file",
    403: "the site refuses automated access; save the page from your browser and add it as a file",
    404: "check the link (the page may have moved or been deleted)",
    410: "the page was deleted; look for an archived copy",
    429: "the site is rate-limiting; wait and try again later",
}


def _http_error(status: int, reason: str, where: str, url: str) -> FetchError:
    if status in _HTTP_FIXES:
        fix = _HTTP_FIXES[status]
    elif status >= 500:
        fix = "the server has a problem; try again later"
    else:
        fix = "check the link, or save the page from your browser and add it as a file"
    return FetchError(f"{where}: HTTP {status} {reason or ''}".rstrip() + f"; {fix}", url=url, status=status)


def options_from_settings(settings: Settings) -> dict[str, Any]:
    """Keyword options for :func:`fetch` / :func:`fetch_document` / ``poll_feed`` from Settings."""
    return {"max_bytes": settings.max_bytes, "allow_private": settings.allow_private_hosts}


def fetch(
    url: str,
    *,
    max_bytes: int = MAX_BYTES,
    timeout: Timeout = (CONNECT_TIMEOUT, READ_TIMEOUT),
    total_timeout: float = TOTAL_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    allow_private: bool = False,
    user_agent: str = USER_AGENT,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "*/*",
    allowed_types: Collection[str] | None = None,
    truncate: bool = False,
) -> Fetched:
    """GET a URL, following up to `max_redirects` redirects, each hop checked; raises FetchError.

    `timeout` is (connect, read) seconds or one number for both; `total_timeout` bounds the whole
    download (a server dripping bytes never trips the read timeout). `etag` / `last_modified` send
    If-None-Match / If-Modified-Since; a 304 comes back as a Fetched with ``not_modified``.
    `allowed_types`: media types accepted (checked on the headers, before the body is read).
    `truncate`: keep the first `max_bytes` bytes instead of failing (for robots.txt).
    """
    connect_s, read_s = _timeouts(timeout)
    deadline = time.monotonic() + total_timeout
    current = _parse_url(url, url)
    headers = {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    redirects: list[str] = []
    client = httpx.Client(
        transport=GuardedTransport(allow_private=allow_private),
        timeout=httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s),
        follow_redirects=False,
        trust_env=False,
        headers=headers,
    )
    with client:
        for _hop in range(max_redirects + 1):
            where = _show(str(current))
            if redirects:
                where += f" (redirected from {_show(url)})"
            if time.monotonic() > deadline:
                raise FetchError(
                    f"{where}: the download took longer than {total_timeout:g} s; try again later",
                    url=url,
                )
            try:
                with client.stream("GET", current) as resp:
                    status = resp.status_code
                    if status in REDIRECT_STATUSES and resp.headers.get("location"):
                        target = current.join(resp.headers["location"])
                        log.debug("%s: %d redirect to %s", current, status, target)
                        redirects.append(str(current))
                        current = _parse_url(str(target), url)
                        continue
                    if status >= 400:
                        raise _http_error(status, resp.reason_phrase, where, url)
                    if status != 304 and not 200 <= status < 300:
                        raise FetchError(
                            f"{where}: unexpected HTTP {status} {resp.reason_phrase}".rstrip()
                            + "; open the link in a browser and use the address it ends on",
                            url=url,
                            status=status,
                        )
                    raw_type = resp.headers.get("content-type", "")
                    media = raw_type.split(";", 1)[0].strip().lower()
                    charset = resp.charset_encoding
                    if status != 304 and allowed_types is not None and media not in allowed_types:
                        raise FetchError(
                            f"{where}: unsupported content type {media}; link to a web page, a PDF or "
                            "a plain-text file (or download the file and convert it)",
                            url=url,
                            status=status,
                        )
                    body = b"" if status == 304 else _read_capped(resp, max_bytes, deadline, where, url,
                                                                   truncate=truncate, total=total_timeout)
                    log.info("fetched %s: HTTP %d, %s, %d bytes", current, status, media or "?", len(body))
                    return Fetched(
                        requested_url=url,
                        final_url=str(current),
                        status=status,
                        fetched_at=datetime.now(UTC),
                        content_type=media,
                        charset=charset,
                        etag=resp.headers.get("etag"),
                        last_modified=resp.headers.get("last-modified"),
                        body=body,
                        redirects=tuple(redirects),
                    )
            except _Refused as e:
                if e.problem == "cloud metadata":
                    fix = "this is never fetched; link to the document itself"
                else:
                    fix = "set FACTCHECK_ALLOW_PRIVATE_HOSTS=1 if this is an intranet document you trust"
                if e.host.strip("[]") == e.address:
                    what = f"{e.address} is a private address ({e.problem})"
                else:
                    what = f"{e.host} resolves to a private address ({e.address}, {e.problem})"
                raise PrivateAddressError(f"{where}: refused, {what}; {fix}", url=url) from None
            except _Unresolvable as e:
                raise FetchError(
                    f"{where}: cannot resolve the host name {e.host} ({e.reason}); check the spelling of "
                    "the link and the network connection",
                    url=url,
                ) from None
            except httpx.ConnectTimeout:
                raise FetchError(
                    f"{where}: no connection within {connect_s:g} s; check the link or try again later",
                    url=url,
                ) from None
            except httpx.ReadTimeout:
                raise FetchError(
                    f"{where}: the server sent nothing for {read_s:g} s; try again later, or save the page "
                    "from your browser and add it as a file",
                    url=url,
                ) from None
            except httpx.TimeoutException as e:
                raise FetchError(
                    f"{where}: timed out ({type(e).__name__}); try again later", url=url
                ) from None
            except httpx.ConnectError as e:
                raise FetchError(
                    f"{where}: cannot connect ({e}); check the link or try again later", url=url
                ) from None
            except httpx.HTTPError as e:  # protocol errors, broken connections, bad encodings
                raise FetchError(
                    f"{where}: the download failed ({type(e).__name__}: {e}); try again later, or save the "
                    "page from your browser and add it as a file",
                    url=url,
                ) from None
    raise FetchError(
        f"{_show(url)}: more than {max_redirects} redirects (last {_show(str(current))}); open the link in "
        "a browser and use the address it ends on",
        url=url,
    )


def _read_capped(
    resp: httpx.Response,
    max_bytes: int,
    deadline: float,
    where: str,
    url: str,
    *,
    truncate: bool,
    total: float,
) -> bytes:
    """The (decoded) body, stopping as soon as it passes `max_bytes` or the deadline."""

    def too_large() -> FetchError:
        return FetchError(
            f"{where}: larger than the {max_bytes:,}-byte limit; save a smaller part, or raise "
            "FACTCHECK_MAX_BYTES",
            url=url,
        )

    declared = resp.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise too_large()  # refused before reading; a lying header is caught by the count below
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_bytes():
        if size + len(chunk) > max_bytes:
            if truncate:
                chunks.append(chunk[: max_bytes - size])
                break
            raise too_large()
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise FetchError(
                f"{where}: the download took longer than {total:g} s; try again later, or save the page "
                "from your browser and add it as a file",
                url=url,
            )
    return b"".join(chunks)


# --- documents -------------------------------------------------------------------------------------


def fetch_document(url: str, **options: Any) -> Document:
    """Fetch a web page, PDF or plain-text file and read it into a Document; raises FetchError.

    `options` are :func:`fetch`'s keyword options (max_bytes, timeout, allow_private...).
    """
    for key in ("etag", "last_modified", "allowed_types", "truncate"):
        if key in options:
            raise TypeError(f"fetch_document() does not take {key!r}; use fetch() + document_from_fetched()")
    options.setdefault("accept", DOCUMENT_ACCEPT)
    got = fetch(url, allowed_types=DOCUMENT_TYPES, **options)
    return document_from_fetched(got)


def _sniff(body: bytes) -> str | None:
    """'pdf', 'html' or 'text' from the first bytes, for a missing or generic content type."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered:
        return "html"
    if body and b"\x00" not in body[:8192]:
        return "text"
    return None


def _kind(got: Fetched) -> str:
    media = got.content_type
    if media in HTML_TYPES:
        return "html"
    if media in PDF_TYPES:
        return "pdf"
    if media in TEXT_TYPES:
        return "text"
    if media in GENERIC_TYPES:
        sniffed = _sniff(got.body)
        if sniffed:
            return sniffed
    raise FetchError(
        f"{_show(got.final_url)}: unsupported content type {media or '(none, and not recognisable)'}; "
        "link to a web page, a PDF or a plain-text file (or download the file and convert it)",
        url=got.requested_url,
        status=got.status,
    )


def _decode_text(got: Fetched) -> str:
    name = _show(got.final_url)
    if got.charset:
        try:
            text = got.body.decode(got.charset)
        except (LookupError, UnicodeDecodeError):
            log.warning("%s: body is not %s as declared; guessing the encoding", name, got.charset)
        else:
            if text.strip("\ufeff \t\r\n"):
                return text.lstrip("\ufeff")
    return decode_bytes(got.body, name)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _decode_html(got: Fetched) -> str:
    """HTML text: the declared charset, else a <meta charset>, else UTF-8, else a guess."""
    candidates = [got.charset] if got.charset else []
    match = _META_CHARSET.search(got.body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii"))
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return got.body.decode(enc).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            continue
    from trafilatura.utils import decode_file

    return str(decode_file(got.body))


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return None


def _url_stem(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or urlsplit(url).netloc


def document_from_fetched(got: Fetched) -> Document:
    """Read a fetched HTML page, PDF or text into a Document (url = the final URL after redirects).

    ``extra`` keeps requested_url, final_url, fetched_at (ISO 8601 UTC), http_status,
    content_type, author, site, etag and last_modified.
    """
    if got.not_modified:
        raise FetchError(
            f"{_show(got.final_url)}: not modified since the last fetch (HTTP 304); keep the stored copy",
            url=got.requested_url,
            status=304,
        )
    name = _show(got.final_url)
    kind = _kind(got)
    author = site = published = None
    if kind == "html":
        html = _decode_html(got)
        text, title, author, site, published = _html_extract(html, got.final_url)
        if not text:
            text, fallback_title = html_to_text(html, name)
            title = title or fallback_title
    elif kind == "pdf":
        text = pdf_to_text(got.body, name)
        title = _pdf_title(got.body)
    else:
        text = _decode_text(got)
        title = _first_line(text)
    extra: dict[str, Any] = {
        "requested_url": got.requested_url,
        "final_url": got.final_url,
        "fetched_at": got.fetched_at.isoformat(),
        "http_status": got.status,
        "content_type": got.content_type or kind,
        "author": author,
        "site": site,
        "etag": got.etag,
        "last_modified": got.last_modified,
    }
    return Document(
        text=text,
        title=title or _url_stem(got.final_url),
        url=got.final_url,
        published=published,
        origin=got.requested_url,
        extra=extra,
    )


def _html_extract(html: str, url: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """(text, title, author, site name, date) of a page with trafilatura's bare_extraction."""
    import trafilatura

    try:
        result = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            favor_recall=True,
            include_comments=False,
            include_tables=False,
        )
    except Exception as e:  # noqa: BLE001 - trafilatura/lxml raise many kinds on junk
        log.warning("%s: trafilatura failed (%s); using the plain page text", _show(url), e)
        return None, None, None, None, None
    if result is None:
        return None, None, None, None, None
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)

    def opt(key: str) -> str | None:
        value = data.get(key)
        return (str(value).strip() or None) if value else None

    text = opt("text")
    return text, opt("title"), opt("author"), opt("sitename") or opt("hostname"), opt("date")


def _pdf_title(data: bytes) -> str | None:
    import io

    from pypdf import PdfReader

    try:
        meta = PdfReader(io.BytesIO(data)).metadata
        title = meta.title if meta else None
    except Exception:  # noqa: BLE001 - metadata is optional; the text was already read
        return None
    return (str(title).strip() or None) if title else None


# --- robots.txt ------------------------------------------------------------------------------------

_robots_cache: dict[tuple[str, str], tuple[float, robotparser.RobotFileParser]] = {}
_robots_lock = threading.Lock()


def clear_robots_cache() -> None:
    """Forget every cached robots.txt (tests; a long-running app after a site changed its rules)."""
    with _robots_lock:
        _robots_cache.clear()


def robots_allowed(
    url: str,
    user_agent: str = USER_AGENT,
    *,
    allow_private: bool = False,
    timeout: Timeout = (CONNECT_TIMEOUT, READ_TIMEOUT),
    max_bytes: int = ROBOTS_MAX_BYTES,
) -> bool:
    """Whether the site's robots.txt lets `user_agent` fetch `url` (RFC 9309), cached per host.

    robots.txt is fetched with :func:`fetch` (same address guard; redirects followed; only the
    first `max_bytes` read). A 4xx answer means no rules (allowed); a 5xx answer or a network error
    means "assume disallowed" and is not cached, so the next call asks again. A private-address
    refusal is raised as PrivateAddressError, like for the URL itself.
    """
    _parse_url(url, url)  # a bad link is a bad link, not a robots.txt answer
    parts = urlsplit(url.strip())
    key = (parts.scheme.lower(), parts.netloc.lower())
    now = time.monotonic()
    with _robots_lock:
        cached = _robots_cache.get(key)
    if cached is not None and now - cached[0] < ROBOTS_CACHE_SECONDS:
        return cached[1].can_fetch(user_agent, url)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    parser = robotparser.RobotFileParser(robots_url)
    cache = True
    try:
        got = fetch(
            robots_url,
            max_bytes=max_bytes,
            timeout=timeout,
            total_timeout=max(30.0, sum(_timeouts(timeout))),
            allow_private=allow_private,
            user_agent=user_agent,
            accept="text/plain",
            truncate=True,
        )
        parser.parse(got.body.decode("utf-8", errors="replace").splitlines())
    except PrivateAddressError:
        raise
    except FetchError as e:
        if e.status is not None and 400 <= e.status < 500:
            parser.allow_all = True
        else:
            log.warning("%s: robots.txt unavailable (%s); assuming disallowed for now", robots_url, e)
            parser.disallow_all = True
            cache = False
    if cache:
        with _robots_lock:
            _robots_cache[key] = (now, parser)
    return parser.can_fetch(user_agent, url)
