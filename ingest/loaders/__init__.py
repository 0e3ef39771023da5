"""Loaders turn one input's bytes (:class:`RawInput`) into raw :class:`Article` records.

:func:`load` picks the loader from the content first (PDF, DOCX and feeds are recognised by their
bytes, whatever the extension; ``.xml`` that is not a feed is refused), then the HTTP content type,
then the extension. Loaders yield articles with raw text (the pipeline cleans it and sets ids) and
:class:`IngestFailure` for bad records inside a good file; a bad file raises :class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ingest.loaders.base import Loaded, Loader, RawInput, looks_binary
from ingest.loaders.docx import load_docx
from ingest.loaders.feed import load_feed, looks_like_feed
from ingest.loaders.html import load_html
from ingest.loaders.json_records import load_json
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_markdown, load_text
from rag.errors import InputError

LOADERS: dict[str, Loader] = {
    "text": load_text,
    "markdown": load_markdown,
    "html": load_html,
    "pdf": load_pdf,
    "docx": load_docx,
    "json": load_json,
    "feed": load_feed,
}
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".json": "json",
    ".jsonl": "json",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
_CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/json": "json",
    "application/x-ndjson": "json",
    "text/markdown": "markdown",
    "text/plain": "text",
}


def supported_suffixes() -> list[str]:
    """File extensions picked up when a folder is ingested."""
    return sorted(SUFFIXES)


def detect_format(raw: RawInput) -> str:
    """The loader name for an input; raises InputError when none fits."""
    data = raw.data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data:
        raise InputError(f"{raw.origin}: empty file")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and (raw.suffix == ".docx" or b"word/" in raw.data[:65536]):
        return "docx"
    if looks_like_feed(data):
        return "feed"
    kind = SUFFIXES.get(raw.suffix)
    if kind is None and raw.content_type:
        kind = _CONTENT_TYPES.get(raw.content_type.split(";")[0].strip().lower())
    if kind is None and data[:512].lower().lstrip().startswith((b"<!doctype html", b"<html")):
        kind = "html"
    if kind is None and raw.url and not looks_binary(data):
        kind = "html" if b"<" in data[:2048] else "text"
    if kind in ("pdf", "docx"):
        raise InputError(f"{raw.origin}: not a valid {kind.upper()} file (wrong signature); is it corrupt?")
    if kind == "feed":
        raise InputError(f"{raw.origin}: XML but not an RSS or Atom feed")
    if kind is None:
        raise InputError(
            f"{raw.origin}: unsupported input {raw.suffix or raw.content_type or '(no extension)'!r}; "
            f"supported: {', '.join(supported_suffixes())}, RSS/Atom feeds and URLs"
        )
    return kind


def load(raw: RawInput) -> Iterator[Loaded]:
    """Yield the articles (and bad records) in one input; raises InputError naming it when unusable."""
    yield from LOADERS[detect_format(raw)](raw)


__all__ = ["LOADERS", "Loaded", "RawInput", "detect_format", "load", "supported_suffixes"]
