"""JSON article records.

Two shapes are read, in ``.json`` (a list, or an object with an ``articles`` list, or one object) or
``.jsonl`` (one object per line):

* MultiHop-RAG: ``{"title", "author", "source", "published_at", "category", "url", "body"}``.
* Generic: ``{"title", "text"|"content", "outlet"|"site", "authors": [..]|"author", "date", "url",
  "tags": [..]}`` (the first tag is the category). Fields of both shapes may be mixed.

A record that is not an object or has no text is reported as a failure (``file#index``) and the
others are still ingested; a malformed line of a ``.jsonl`` file likewise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ingest import dates
from ingest.loaders.base import Loaded, RawInput
from rag.errors import InputError
from rag.types import Article, IngestFailure


def load_json(raw: RawInput) -> Iterator[Loaded]:
    text = raw.text()
    records: list[Any]
    if raw.suffix == ".jsonl":
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                records.append(IngestFailure(f"{raw.origin}:{number}", f"malformed JSON line ({exc})"))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{raw.origin}: malformed JSON ({exc}); fix the file or export it again"
            ) from exc
        if isinstance(data, dict):
            data = data.get("articles", [data])
        records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        origin = f"{raw.origin}#{index}"
        if isinstance(record, IngestFailure):
            yield record
        elif not isinstance(record, dict):
            yield IngestFailure(origin, f"record is a {type(record).__name__}, not an article object")
        else:
            article = article_from_record(record, origin)
            yield article if article is not None else IngestFailure(origin, "record has no body/text/content")


def article_from_record(record: dict[str, Any], origin: str) -> Article | None:
    """One record of either shape -> an Article with raw text; None when it has no text."""
    text = record.get("body") or record.get("text") or record.get("content") or ""
    if not isinstance(text, str) or not text.strip():
        return None
    url = _str(record.get("url") or record.get("link"))
    published, provenance = dates.resolve(
        record.get("published_at") or record.get("date") or record.get("published") or "", "", url
    )
    authors = record.get("authors")
    author = (
        ", ".join(map(str, authors)) if isinstance(authors, list) else _str(record.get("author") or authors)
    )
    tags = record.get("tags")
    category = _str(record.get("category")) or (_str(tags[0]) if isinstance(tags, list) and tags else "")
    return Article(
        id="",
        title=_str(record.get("title")).strip() or "(untitled)",
        text=text,
        source=_str(record.get("source") or record.get("outlet") or record.get("site")),
        author=author,
        published_at=published,
        date_provenance=provenance,
        url=url,
        category=category,
        origin=origin,
    )


def _str(value: object) -> str:
    return "" if value is None else str(value)
