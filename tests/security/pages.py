"""A loopback HTTP server for the fetch tests: an article page, redirects, and a log of what it served."""

from __future__ import annotations

import functools
import gzip
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ARTICLE = (
    b"<html><head><title>Harbour cranes restarted</title></head><body><article><h1>Harbour cranes "
    b"restarted</h1><p>The container cranes at the northern harbour restarted on Monday after a week of "
    b"repairs, the port authority said, and the backlog of ships waiting outside the breakwater is "
    b"expected to clear by the end of the month.</p></article></body></html>"
)


@functools.cache
def gzip_bomb() -> bytes:
    """~100 KB of gzip that inflates to 100 MB of zeros."""
    return gzip.compress(b"\0" * 100_000_000, compresslevel=9)


@dataclass
class PageServer:
    """``base`` URL; ``requests``: (path, Host header) of every request served, in order."""

    base: str
    requests: list[tuple[str, str]] = field(default_factory=list)


def _handler(log: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.requests.append((self.path, self.headers.get("Host", "")))
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/redirect":  # /redirect?to=<url>
                self._send(302, b"", [("Location", query["to"][0])])
            elif url.path == "/loop":  # redirects to itself forever
                self._send(302, b"", [("Location", "/loop")])
            elif url.path == "/gzip-bomb":
                self._send(200, gzip_bomb(), [("Content-Encoding", "gzip"), ("Content-Type", "text/html")])
            elif url.path == "/gzip":
                body = gzip.compress(ARTICLE)
                self._send(200, body, [("Content-Encoding", "gzip"), ("Content-Type", "text/html")])
            elif url.path == "/gzip-twice":
                body = gzip.compress(gzip.compress(ARTICLE))
                self._send(200, body, [("Content-Encoding", "gzip, gzip"), ("Content-Type", "text/html")])
            else:
                self._send(200, ARTICLE, [("Content-Type", "text/html; charset=utf-8")])

        def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    return Handler


@contextmanager
def page_server(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[PageServer]:
    """Serve the article page (any path) and redirects on ``host`` (over TLS when given); yields the log."""
    log = PageServer("")
    server = ThreadingHTTPServer((host, 0), _handler(log))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    log.base = f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield log
    finally:
        server.shutdown()
        server.server_close()
