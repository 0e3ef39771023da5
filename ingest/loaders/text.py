"""Plain text and Markdown with YAML front matter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rag.errors import InputError
from rag.types import Article


def read_text(path: Path) -> str:
    """Read a text file, detecting its encoding when it is not UTF-8."""
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: looks binary, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise InputError(f"{path}: unknown text encoding") from None
        return str(best)


def load_text(path: Path) -> Iterator[Article]:
    text = read_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    title = lines[0].strip()[:200] if lines else path.stem
    yield Article(id="", title=title or path.stem, text=text, origin=str(path))


def load_markdown(path: Path) -> Iterator[Article]:
    import frontmatter

    try:
        post = frontmatter.loads(read_text(path))
    except Exception as exc:  # yaml errors come in many types
        raise InputError(f"{path}: bad YAML front matter ({exc})") from exc
    meta = post.metadata
    body = post.content
    title = str(meta.get("title") or _first_heading(body) or path.stem)
    published = meta.get("published_at") or meta.get("date") or ""
    yield Article(
        id="",
        title=title,
        text=body,
        source=str(meta.get("source") or meta.get("outlet") or ""),
        author=str(meta.get("author") or ""),
        published_at=_iso(published),
        date_provenance="metadata" if published else "",
        url=str(meta.get("url") or ""),
        category=str(meta.get("category") or ""),
        origin=str(path),
    )


def _first_heading(body: str) -> str:
    for line in body.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def _iso(value: object) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value or "")
