"""A local HTTP server on 127.0.0.1 (port 0) for the fetch and feed tests; no other network."""

from __future__ import annotations

import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    """Dispatches GETs to the routes of the owning :class:`LocalServer`; 404 for the rest."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        app = self.server.app
        parts = urlsplit(self.path)
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        app.hits.append((parts.path, dict(self.headers.items())))
        route = app.routes.get(parts.path)
        if route is None:
            self.send_body(404, b"not here", "text/plain")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_body(self, status: int, body: bytes, ctype: str | None, **headers: str) -> None:
        """A complete response with Content-Length."""
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 301) -> None:
        """A redirect with an empty body."""
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: LocalServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client drops a kept-alive connection (expected: refusals, caps)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class LocalServer:
    """A ThreadingHTTPServer in a thread; tests add routes and read the hits (path, headers)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.app = self
        self.scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """Absolute URL of a path on this server (optionally under another host name)."""
        return f"{self.scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        """Paths requested so far, in order."""
        return [p for p, _ in self.hits]


@contextmanager
def running(tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    """A started LocalServer, shut down on exit; robots.txt caches cleared around it."""
    from factcheck.io.fetch import clear_robots_cache

    clear_robots_cache()
    srv = LocalServer(tls)
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        clear_robots_cache()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A fresh local server per test (its own port, so robots.txt caches never mix)."""
    with running() as srv:
        yield srv


def sleep_then(seconds: float, route: Route) -> Route:
    """A route that waits before answering (for timeouts); bounded by `seconds`."""

    def slow(h: Handler) -> None:
        time.sleep(seconds)
        route(h)

    return slow
