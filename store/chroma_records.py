"""What the Chroma-backed article store (store/chroma_articles.py) writes to and reads from its record
collections: the article record's JSON, the manifest's record ids, paging, and the change types."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.types import Article, Reporter

BATCH = 1000
PLACEHOLDER = [0.0]  # the vector of every record: Chroma stores one, nothing searches these
Record = tuple[Article, list[str], bytes | None]  # an article, its chunk ids, its MinHash signature


@dataclass(frozen=True)
class Change:
    """One article record as the server holds it: its id, version, and whether it is a tombstone."""

    article_id: str
    version: int
    deleted: bool


@dataclass
class Applied:
    """What applying changes did to a replica's copy: chunk ids that came and went, articles touched."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    articles: int = 0


def encode(article: Article, chunk_ids: list[str], signature: bytes | None) -> str:
    """An article record's document."""
    sig = base64.b64encode(signature).decode() if signature is not None else None
    return json.dumps({"article": asdict(article), "chunks": chunk_ids, "signature": sig})


def decode(document: str) -> Record:
    data = json.loads(document)
    fields = dict(data["article"])
    fields["also_reported_by"] = [Reporter(**r) for r in fields.get("also_reported_by") or []]
    fields["pages"] = [(int(s), int(p)) for s, p in fields.get("pages") or []]
    signature = data.get("signature")
    return Article(**fields), list(data["chunks"]), base64.b64decode(signature) if signature else None


def source_key(origin: str) -> str:
    """The manifest record id of an input (Chroma ids are kept short and plain)."""
    return hashlib.sha1(origin.encode("utf-8")).hexdigest()


def pages(
    collection: Any,
    include: list[str],
    where: dict[str, Any] | None = None,
    calls: Callable[[], AbstractContextManager[None]] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every record of ``collection`` matching ``where``, :data:`BATCH` a page; each call wrapped in
    ``calls()`` (the store's error mapping)."""
    offset = 0
    while True:
        if calls is None:
            page = collection.get(where=where, include=include, limit=BATCH, offset=offset)
        else:
            with calls():
                page = collection.get(where=where, include=include, limit=BATCH, offset=offset)
        yield page
        if len(page["ids"]) < BATCH:
            return
        offset += BATCH
