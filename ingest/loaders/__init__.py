"""Loaders turn one input (a file or URL) into raw :class:`Article` records.

Each loader takes a path and yields articles whose ``text`` is raw (the pipeline cleans it and sets
ids). ``load_path`` dispatches on the file's suffix (and content, for feeds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.loaders.json_records import load_json
from ingest.loaders.text import load_markdown, load_text
from rag.errors import InputError
from rag.types import Article

Loader = Callable[[Path], Iterator[Article]]

LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".json": load_json,
    ".jsonl": load_json,
}


def supported_suffixes() -> list[str]:
    return sorted(LOADERS)


def load_path(path: Path) -> Iterator[Article]:
    """Yield the articles in one file; raises InputError naming the file when it can't be read."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise InputError(f"{path}: unsupported file type {path.suffix!r}; supported: {supported_suffixes()}")
    yield from loader(path)
