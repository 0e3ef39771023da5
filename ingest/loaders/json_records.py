"""JSON article records: a list (MultiHop-RAG shape) or JSON Lines, one article per record.

Accepted fields: title, body|text|content, source|outlet, author, published_at|date, url, category.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.loaders.text import read_text
from rag.errors import InputError
from rag.types import Article


def load_json(path: Path) -> Iterator[Article]:
    raw = read_text(path)
    try:
        if path.suffix.lower() == ".jsonl":
            records = [json.loads(line) for line in raw.splitlines() if line.strip()]
        else:
            data = json.loads(raw)
            records = data if isinstance(data, list) else data.get("articles", [data])
    except (json.JSONDecodeError, AttributeError) as exc:
        raise InputError(f"{path}: malformed JSON ({exc})") from exc
    for index, record in enumerate(records):
        if isinstance(record, dict):
            article = article_from_record(record, origin=f"{path}#{index}")
            if article is not None:
                yield article


def article_from_record(record: dict[str, Any], origin: str) -> Article | None:
    text = record.get("body") or record.get("text") or record.get("content") or ""
    if not isinstance(text, str) or not text.strip():
        return None
    published = str(record.get("published_at") or record.get("date") or "")
    return Article(
        id="",
        title=str(record.get("title") or "").strip() or "(untitled)",
        text=text,
        source=str(record.get("source") or record.get("outlet") or ""),
        author=str(record.get("author") or ""),
        published_at=published,
        date_provenance="metadata" if published else "",
        url=str(record.get("url") or ""),
        category=str(record.get("category") or ""),
        origin=origin,
    )
