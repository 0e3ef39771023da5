"""URL inputs against a server the test starts on 127.0.0.1 (no other network)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.assistant import Assistant
from rag.settings import Settings
from tests.ingest import fixtures

FEED = fixtures.rss(
    [
        {
            "title": "Feed one",
            "link": "https://f.example/1",
            "author": "a@f.example (Ann)",
            "date": "Wed, 04 Oct 2023 07:00:00 GMT",
            "text": "<p>Naval drills were held near Crete.</p>",
        },
        {
            "title": "Feed two",
            "link": "https://f.example/2",
            "date": "Thu, 05 Oct 2023 07:00:00 GMT",
            "text": "<p>The harbour at Piraeus reopened after the strike ended.</p>",
        },
    ]
)
ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/2023/10/05/radar": (200, "text/html; charset=utf-8", fixtures.html_page().encode()),
    "/latest": (200, "application/rss+xml", FEED.encode()),
    "/big": (200, "text/plain", b"x" * 300_000),
    "/redirect": (302, "/2023/10/05/radar", b""),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, kind, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        if status == 302:
            self.send_header("Location", kind)
        else:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_urls_pages_and_feeds_are_fetched_with_caps(settings: Settings, server: str) -> None:
    # the test server is on loopback, which fetches refuse unless allowed (tests/security/test_ssrf.py)
    assistant = Assistant.from_settings(settings, max_file_mb=0.1, fetch_allow_private=["127.0.0.0/8"])
    urls = [f"{server}/2023/10/05/radar", f"{server}/latest", f"{server}/big", f"{server}/missing"]
    summary = assistant.ingest(urls)
    assert summary.added == 3  # the page and both feed entries
    reasons = {f.path: f.reason for f in summary.failed}
    assert set(reasons) == {f"{server}/big", f"{server}/missing"}
    assert "cap" in reasons[f"{server}/big"] and "404" in reasons[f"{server}/missing"]
    by_title = {a.title: a for a in assistant.articles()}
    page = by_title["Radar deliveries confirmed"]
    assert page.url == "https://defensewire.example/news/radar-deliveries"  # the canonical URL
    assert (page.published_at, page.date_provenance) == ("2023-10-05", "metadata")
    entry = by_title["Feed one"]
    assert (entry.url, entry.published_at, entry.source) == (
        "https://f.example/1",
        "2023-10-04T07:00:00+00:00",
        "Wire Feed",
    )
    assert "Ann" in entry.author
    again = assistant.ingest([f"{server}/redirect", f"{server}/latest"])
    assert (again.added, again.unchanged) == (0, 3)
