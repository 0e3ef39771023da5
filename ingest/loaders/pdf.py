"""PDF documents (pypdf): the text of every page, with each page's start offset kept in
``Article.pages`` so chunks and citations can name their page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from ingest import dates
from ingest.clean import clean_pages
from ingest.loaders.base import Loaded, RawInput
from rag.errors import InputError
from rag.types import Article

_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "'")


def load_pdf(raw: RawInput) -> Iterator[Loaded]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PdfStreamError

    try:
        reader = PdfReader(io.BytesIO(raw.data))
        if reader.is_encrypted:
            raise InputError(f"{raw.origin}: the PDF is encrypted; save a decrypted copy")
        pages = [_unwrap(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{raw.origin}: corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    text, starts = clean_pages(pages)
    if not text.strip():
        raise InputError(f"{raw.origin}: the PDF has no extractable text (scanned? run OCR first)")
    title = str(getattr(info, "title", "") or "").strip() if info else ""
    created = getattr(info, "creation_date", None) if info else None
    published, provenance = dates.resolve(created or "", dates.date_from_text(text), raw.url)
    yield Article(
        id="",
        title=title or text.split("\n", 1)[0][:200] or raw.stem,
        text=text,
        author=str(getattr(info, "author", "") or "").strip() if info else "",
        published_at=published,
        date_provenance=provenance,
        url=raw.url,
        origin=raw.origin,
        pages=starts,
    )


def _unwrap(page: str) -> str:
    """Join the lines of a paragraph (PDF text breaks every line) and undo end-of-line hyphens."""
    page = _HYPHEN_BREAK.sub(r"\1\2", page.replace("\r", ""))
    out: list[str] = []
    for line in page.split("\n"):
        line = line.strip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        if out and out[-1] and not out[-1].endswith(_SENTENCE_END):
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out)
