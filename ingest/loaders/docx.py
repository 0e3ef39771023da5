"""Word documents (python-docx): paragraphs and tables, title/author/date from the core properties.

The zip is checked against :mod:`ingest.loaders.zipped`'s limits before python-docx opens it, and the
parsed body's paragraphs and elements are counted (in C, by XPath) before python-docx walks them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ingest import dates
from ingest.loaders.base import Loaded, RawInput
from ingest.loaders.zipped import check_zip
from rag.errors import InputError
from rag.types import Article

MAX_PARAGRAPHS = 30_000  # python-docx spends ~10 µs on each, empty or not (a 300-page book has ~10,000)
MAX_BODY_ELEMENTS = 300_000  # runs, cells, breaks...: ~3 µs each
_HEADING_STYLES = "w:style[w:name/@w:val='Title' or w:name/@w:val='heading 1' or w:name/@w:val='Heading 1']"


def load_docx(raw: RawInput) -> Iterator[Loaded]:
    import docx

    check_zip(raw.data, raw.origin, "DOCX")
    try:
        document = docx.Document(io.BytesIO(raw.data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{raw.origin}: corrupt or unreadable DOCX ({type(exc).__name__}: {exc})") from exc
    _check_size(document.element.body, raw.origin)
    heading_ids = _heading_style_ids(document.styles.element)
    paragraphs: list[str] = []
    heading = ""
    for paragraph in document.paragraphs:
        line = paragraph.text
        paragraphs.append(line)
        # the raw style id: Paragraph.style resolves the default style anew for each paragraph (slow)
        if not heading and paragraph._p.style in heading_ids:
            heading = line.strip()
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    text = "\n".join(paragraphs)
    if not text.strip():
        raise InputError(f"{raw.origin}: the document has no text")
    props = document.core_properties
    first = next((p.strip() for p in paragraphs if p.strip()), "")
    published, provenance = dates.resolve(props.created or "", dates.date_from_text(text), raw.url)
    yield Article(
        id="",
        title=(props.title or "").strip() or heading or first[:200] or raw.stem,
        text=text,
        author=(props.author or "").strip(),
        published_at=published,
        date_provenance=provenance,
        url=raw.url,
        category=(props.category or "").strip(),
        origin=raw.origin,
    )


def _check_size(body: Any, origin: str) -> None:
    """Refuse a body with more paragraphs or elements than are read, counted before any is walked."""
    paragraphs = int(body.xpath("count(.//w:p)"))
    if paragraphs > MAX_PARAGRAPHS:
        raise InputError(
            f"{origin}: the DOCX has {paragraphs:,} paragraphs, over the {MAX_PARAGRAPHS:,} read; "
            "split it or save it as text"
        )
    elements = int(body.xpath("count(.//*)"))
    if elements > MAX_BODY_ELEMENTS:
        raise InputError(
            f"{origin}: the DOCX has {elements:,} XML elements, over the {MAX_BODY_ELEMENTS:,} read; "
            "split it or save it as text"
        )


def _heading_style_ids(styles: Any) -> set[str]:
    """The ids of the Title and Heading 1 styles (found by XPath: a styles part may hold very many)."""
    from docx.oxml.ns import qn

    return {str(style.get(qn("w:styleId"))) for style in styles.xpath(_HEADING_STYLES)}
