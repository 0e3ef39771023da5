"""Web pages: the main text without navigation, ads or comments (trafilatura), and their metadata.

Title, author, outlet (``og:site_name``, else the host), canonical URL and the publication date (meta
tags / JSON-LD, else the visible page, else the URL; see :mod:`ingest.dates`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from ingest import dates
from ingest.loaders.base import Loaded, RawInput
from rag.errors import InputError
from rag.types import Article

MIN_WORDS = 15  # fewer words of main text than this: a menu, a login wall or an error page


def load_html(raw: RawInput) -> Iterator[Loaded]:
    import trafilatura

    html = raw.text()
    doc: Any = trafilatura.bare_extraction(
        html, url=raw.url or None, with_metadata=True, include_comments=False, include_tables=True
    )
    text = str(getattr(doc, "text", "") or "") if doc is not None else ""
    if len(text.split()) < MIN_WORDS:
        raise InputError(f"{raw.origin}: no article text found (navigation or boilerplate only)")
    assert doc is not None
    title = str(doc.title or "").strip() or raw.stem
    lines = text.split("\n", 1)
    if len(lines) == 2 and lines[0].strip() == title:
        text = lines[1]  # trafilatura repeats the headline as the first line
    url = str(doc.url or raw.url or "")
    published, provenance = dates.date_from_html(html)
    if not published:
        published, provenance = dates.resolve(url=url)
    yield Article(
        id="",
        title=title,
        text=text,
        source=str(doc.sitename or "").strip() or _host(url),
        author=str(doc.author or "").strip(),
        published_at=published,
        date_provenance=provenance,
        url=url,
        category=str(getattr(doc, "categories", "") or "").split(",")[0].strip(),
        origin=raw.origin,
    )


def _host(url: str) -> str:
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.")
