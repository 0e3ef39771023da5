"""Word documents (python-docx): paragraphs and tables, title/author/date from the core properties."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from ingest import dates
from ingest.loaders.base import Loaded, RawInput
from rag.errors import InputError
from rag.types import Article


def load_docx(raw: RawInput) -> Iterator[Loaded]:
    import docx

    try:
        document = docx.Document(io.BytesIO(raw.data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{raw.origin}: corrupt or unreadable DOCX ({type(exc).__name__}: {exc})") from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    text = "\n".join(paragraphs)
    if not text.strip():
        raise InputError(f"{raw.origin}: the document has no text")
    props = document.core_properties
    heading = next(
        (
            p.text.strip()
            for p in document.paragraphs
            if p.style is not None and p.style.name in ("Title", "Heading 1") and p.text.strip()
        ),
        "",
    )
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
