"""Plain text and Markdown with YAML front matter (title, source|outlet, author, date, url, category)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest import dates
from ingest.loaders.base import Loaded, RawInput, decode_text
from rag.errors import InputError
from rag.types import Article


def read_text(path: Path) -> str:
    """Read a text file, detecting its encoding when it is not UTF-8."""
    return decode_text(path.read_bytes(), str(path))


def load_text(raw: RawInput) -> Iterator[Loaded]:
    """A .txt file: the first non-empty line is the title; a date near the top is the page date."""
    text = raw.text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = lines[0][:200] if lines else raw.stem
    published, provenance = dates.resolve(page=dates.date_from_text(text), url=raw.url)
    yield Article(
        id="",
        title=title or raw.stem,
        text=text,
        published_at=published,
        date_provenance=provenance,
        url=raw.url,
        origin=raw.origin,
    )


def load_markdown(raw: RawInput) -> Iterator[Loaded]:
    """A .md file; YAML front matter gives the metadata, else the first heading is the title."""
    import frontmatter

    try:
        post = frontmatter.loads(raw.text())
    except InputError:
        raise
    except Exception as exc:  # yaml errors come in many types
        raise InputError(f"{raw.origin}: bad YAML front matter ({exc}); fix or remove the --- block") from exc
    meta = post.metadata
    body = post.content
    url = str(meta.get("url") or raw.url)
    published, provenance = dates.resolve(
        meta.get("published_at") or meta.get("date") or "", dates.date_from_text(body), url
    )
    yield Article(
        id="",
        title=str(meta.get("title") or _first_heading(body) or raw.stem),
        text=body,
        source=str(meta.get("source") or meta.get("outlet") or ""),
        author=str(meta.get("author") or ""),
        published_at=published,
        date_provenance=provenance,
        url=url,
        category=str(meta.get("category") or ""),
        origin=raw.origin,
    )


def _first_heading(body: str) -> str:
    for line in body.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""
