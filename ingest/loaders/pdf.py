"""PDF documents (pypdf): the text of every page, with each page's start offset kept in
``Article.pages`` so chunks and citations can name their page.

A small PDF can make pypdf work for minutes: thousands of page entries pointing at one page, or one
content stream that inflates to tens of MB shared by every page (a 68 KB file took 43 s). So pypdf's
own limits are tightened, and the pages and their inflated content are counted before any text is
extracted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from typing import Any

from ingest import dates
from ingest.clean import clean_pages
from ingest.loaders.base import Loaded, RawInput
from rag.errors import InputError
from rag.types import Article

_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "'")
MAX_PAGES = 5_000
MAX_CONTENT_BYTES = 32_000_000  # the pages' content streams, inflated, summed over pages (~2 s of parsing)
_INFLATED_STREAM_MAX = 16_000_000  # pypdf's default: 75 MB per stream
_PAGE_TREE_MAX = 20_000  # pypdf's default: 100,000 entries


def load_pdf(raw: RawInput) -> Iterator[Loaded]:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        with apply_configuration(
            zlib_maximum_output_length=_INFLATED_STREAM_MAX, page_tree_maximum_entries=_PAGE_TREE_MAX
        ):
            reader = PdfReader(io.BytesIO(raw.data))
            if reader.is_encrypted:
                raise InputError(f"{raw.origin}: the PDF is encrypted; save a decrypted copy")
            _check_size(reader.pages, raw.origin)
            pages = [_unwrap(page.extract_text() or "") for page in reader.pages]
            info = reader.metadata
    except LimitReachedError as exc:
        raise InputError(f"{raw.origin}: the PDF is over a size limit ({exc}); is it a PDF bomb?") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
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


def _check_size(pages: Sequence[Any], origin: str) -> None:
    """Refuse more pages, or more inflated page content, than is read (a stream shared by several
    pages counts once per page: each page's text extraction parses it again)."""
    if len(pages) > MAX_PAGES:
        raise InputError(f"{origin}: the PDF has {len(pages):,} pages, over the {MAX_PAGES:,} read; split it")
    inflated: dict[object, int] = {}  # content stream (reference) -> inflated size
    total = 0
    for page in pages:
        key = _reference(page.get("/Contents"))
        if key not in inflated:
            contents = page.get_contents()
            inflated[key] = len(contents.get_data()) if contents is not None else 0
        total += inflated[key]
        if total > MAX_CONTENT_BYTES:
            raise InputError(
                f"{origin}: the PDF's pages hold over {MAX_CONTENT_BYTES / 1e6:.0f} MB of drawing "
                "instructions, the most read; is it a PDF bomb?"
            )


def _reference(contents: Any) -> object:
    """What identifies a page's content: its stream's object number(s), else the object itself."""
    from pypdf.generic import IndirectObject

    items = contents if isinstance(contents, list) else [contents]
    return tuple((i.idnum, i.generation) if isinstance(i, IndirectObject) else id(i) for i in items)


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
