"""A URL input gets one deadline for the whole fetch, and its body one size cap, compressed or not."""

from __future__ import annotations

import time
import tracemalloc
from urllib.parse import quote

import pytest

from ingest.download import MAX_REDIRECTS, fetch
from rag.assistant import Assistant
from rag.errors import InputError
from rag.settings import Settings
from tests.security.drip import dripping_server
from tests.security.pages import gzip_bomb, page_server

LOOPBACK = ["127.0.0.0/8"]


@pytest.mark.slow
@pytest.mark.parametrize("via_redirect", [False, True])
def test_a_dripping_server_is_cut_at_the_deadline(settings: Settings, via_redirect: bool) -> None:
    assistant = Assistant.from_settings(settings, fetch_timeout_s=2, fetch_allow_private=LOOPBACK)
    with dripping_server() as slow, page_server() as pages:
        url = f"{pages.base}/redirect?to={quote(slow, safe='')}" if via_redirect else slow
        started = time.monotonic()
        summary = assistant.ingest([url])  # a byte every 0.5 s: no single read ever times out
        took = time.monotonic() - started
    assert summary.added == 0 and assistant.articles() == []
    [failure] = summary.failed
    assert failure.path == url and "timed out after 2s (RAG_FETCH_TIMEOUT_S)" in failure.reason
    assert took < 3, f"a 2 s deadline took {took:.1f} s"


def test_a_gzip_bomb_is_refused_at_the_cap_without_inflating_it() -> None:
    gzip_bomb()  # made before measuring: the server runs in this process
    with page_server() as server:
        tracemalloc.start()
        try:
            with pytest.raises(InputError, match=r"over the 1\.0 MB cap \(RAG_MAX_FILE_MB\)"):
                fetch(f"{server.base}/gzip-bomb", 1_000_000, 10, LOOPBACK)  # 100 MB inflated
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16_000_000, f"{peak / 1e6:.0f} MB held while refusing a 1 MB cap"


def test_stacked_content_encodings_are_refused() -> None:
    # each extra gzip layer multiplies what a few KB can inflate to
    refused = pytest.raises(InputError, match="unsupported Content-Encoding 'gzip, gzip'")
    with page_server() as server, refused:
        fetch(f"{server.base}/gzip-twice", 1_000_000, 10, LOOPBACK)


def test_redirects_are_capped() -> None:
    with page_server() as server:
        with pytest.raises(InputError, match=f"more than {MAX_REDIRECTS} redirects"):
            fetch(f"{server.base}/loop", 1_000_000, 10, LOOPBACK)
        assert len(server.requests) == MAX_REDIRECTS + 1


def test_a_gzipped_page_is_read() -> None:
    with page_server() as server:
        page = fetch(f"{server.base}/gzip", 1_000_000, 10, LOOPBACK)
    assert page.data.startswith(b"<html>") and b"Harbour cranes restarted" in page.data
