"""RSS and Atom feeds (feedparser), recognised by content whatever the file's extension.

Each entry becomes an article with its link, author and date (published, else updated); the text is
the entry's full content when the feed carries it, else its summary, as plain text. An entry with no
text is reported as a failure (``feed#index``) and the others are still ingested.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ingest import dates
from ingest.loaders.base import Loaded, RawInput
from rag.errors import InputError
from rag.types import Article, IngestFailure

_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


def looks_like_feed(data: bytes) -> bool:
    """RSS 0.9x/1.0/2.0 or Atom: the root element within the first bytes."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_FEED_ROOT.search(head)) and not head.lower().startswith((b"<!doctype html", b"<html"))


def load_feed(raw: RawInput) -> Iterator[Loaded]:
    import feedparser

    # a stream, never bytes or str: feedparser opens those as a path (or a URL) when one exists
    parsed = feedparser.parse(io.BytesIO(raw.data))
    if not parsed.entries:
        reason = f"{parsed.get('bozo_exception', 'no entries')}" if parsed.get("bozo") else "no entries"
        raise InputError(f"{raw.origin}: not a readable RSS/Atom feed ({reason})")
    outlet = str(parsed.feed.get("title") or "").strip()
    for index, entry in enumerate(parsed.entries):
        origin = f"{raw.origin}#{index}"
        try:
            article = _article(entry, outlet, origin)
        except (KeyError, TypeError, ValueError) as exc:
            yield IngestFailure(origin, f"broken feed entry ({type(exc).__name__}: {exc})")
            continue
        if article is None:
            yield IngestFailure(origin, "feed entry has no text (no content or summary)")
        else:
            yield article


def _article(entry: Any, outlet: str, origin: str) -> Article | None:
    html = ""
    for content in entry.get("content") or []:
        if len(content.get("value") or "") > len(html):
            html = content["value"]
    html = html or entry.get("summary") or entry.get("description") or ""
    text = html_to_text(html)
    if not text.strip():
        return None
    link = str(entry.get("link") or "")
    struct = entry.get("published_parsed") or entry.get("updated_parsed")
    raw_date = entry.get("published") or entry.get("updated") or ""
    when: object = datetime(*struct[:6]).replace(tzinfo=UTC) if struct else raw_date
    published, provenance = dates.resolve(when, "", link)
    source = entry.get("source", {}).get("title") if isinstance(entry.get("source"), dict) else None
    tags = entry.get("tags") or []
    return Article(
        id="",
        title=str(entry.get("title") or "").strip() or text[:80],
        text=text,
        source=str(source or outlet),
        author=str(entry.get("author") or ""),
        published_at=published,
        date_provenance=provenance,
        url=link,
        category=str(tags[0].get("term", "")) if tags else "",
        origin=origin,
    )


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, one paragraph per line."""
    if "<" not in html:
        return html
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, TypeError):
        return re.sub(r"<[^>]+>", " ", html)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = root.xpath(".//p|.//li|.//h1|.//h2|.//h3|.//h4|.//blockquote")
    if blocks:
        return "\n".join(b.text_content() for b in blocks if b.getparent() is not None)
    return str(root.text_content())
