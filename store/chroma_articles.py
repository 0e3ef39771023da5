"""The article store and the ingest manifest in a Chroma server, shared by replicas (``RAG_CHROMA_URL``).

Beside the chunk collection ``<c>``, the server holds three collections of records that are only
ever read by id or metadata (each carries a one-number placeholder vector: Chroma stores vectors):

- ``<c>__articles``: one record per article id. The document is the article as JSON (clean text,
  metadata, the outlets that also carried it, pages, its chunk ids, its MinHash signature); the
  metadata holds ``v``, its version, and ``deleted`` (a tombstone, so a delete reaches every replica).
- ``<c>__sources``: the manifest, one record per input (document: JSON list of the article ids it
  yielded; metadata: origin, fingerprint, size, updated_at).
- ``<c>__pending``: chunk ids an ingest is about to write, with the writer that noted them (a writer
  id kept in each process's store folder), so crash recovery drops only its own run's leftovers.

Versions: every write stamps its article record with ``v``, the writer's clock in nanoseconds (strictly
increasing within one writer); the store version is the largest ``v``. A replica asks for the records
stamped at or after the version it last saw less :data:`WINDOW_NS` (writes in flight, clocks a little
apart) and applies those whose version differs from its copy's (:meth:`changes`, :meth:`apply`; the
polling is in store/replica.py).

:class:`ChromaArticleStore` is an :class:`~store.articles.ArticleStore` whose SQLite file is this
process's copy (mirror) of the articles: the inherited reads (get, all, has, counts, signatures, ...)
are local; every write goes to Chroma first, then to the mirror; the manifest and the pending rows
are read and written in Chroma only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.types import Article, Reporter
from store.articles import ArticleStore
from store.chroma_records import (
    BATCH,
    PLACEHOLDER,
    Applied,
    Change,
    Record,
    decode,
    encode,
    pages,
    source_key,
)
from store.sqlite import damage_as_error, report_damage
from store.vectors import ChromaStore

WINDOW_NS = 30 * 10**9
_VERSIONS = "CREATE TABLE IF NOT EXISTS versions (article_id TEXT PRIMARY KEY, v INTEGER NOT NULL);"


@report_damage()
class ChromaArticleStore(ArticleStore):
    """Articles and manifest in the Chroma server of ``vectors``; ``mirror`` is this process's copy
    of the articles (a SQLite file); ``writer`` names this process's ingests (see module doc)."""

    def __init__(self, mirror: Path, vectors: ChromaStore, writer: str) -> None:
        super().__init__(mirror)
        with damage_as_error(mirror):
            self._db.executescript(_VERSIONS)
            self._versions = dict(self._db.execute("SELECT article_id, v FROM versions").fetchall())
        self.vectors = vectors
        self.writer = writer
        self.syncer: Callable[[], int] | None = None  # brings the mirror up to date (store/replica.py)
        self._records = vectors.companion("articles")
        self._sources = vectors.companion("sources")
        self._pending = vectors.companion("pending")
        self._sync_lock = threading.RLock()  # Chroma then mirror, one writer or sync at a time
        self._stamped = 0

    @property
    def where(self) -> str:
        return f"the Chroma server at {self.vectors.url} (collection {self._records.name})"

    def refresh(self) -> None:
        if self.syncer is not None:
            self.syncer()

    def record_count(self) -> int:
        """Article records on the server, tombstones included."""
        with self.vectors.calls():
            return int(self._records.count())

    # article writes: Chroma first (the record is the commit marker), then the mirror
    def put(self, article: Article, chunk_ids: Sequence[str], signature: bytes | None = None) -> None:
        with self._sync_lock:
            if signature is None:  # `rag repair` re-attaching chunks keeps the signature it had
                with self._lock:
                    query = "SELECT signature FROM minhash WHERE article_id = ?"
                    found = self._db.execute(query, (article.id,)).fetchone()
                signature = bytes(found[0]) if found else None
            self._write(article, list(chunk_ids), signature)

    def add_reporter(self, article_id: str, reporter: Reporter) -> None:
        with self._sync_lock:
            record = self._fetch([article_id]).get(article_id)
            if record is None or reporter in record[0].also_reported_by:
                return
            record[0].also_reported_by.append(reporter)
            self._write(*record)

    def delete(self, article_id: str) -> list[str]:
        with self._sync_lock:
            record = self._fetch([article_id]).get(article_id)
            chunk_ids = record[1] if record is not None else self.chunk_ids(article_id)
            version = self._stamp()
            with self.vectors.calls():
                self._records.upsert(
                    ids=[article_id],
                    embeddings=[PLACEHOLDER],
                    documents=["{}"],
                    metadatas=[{"v": version, "deleted": True}],
                )
                if naming := self._naming(article_id):
                    self._sources.delete(ids=list(naming))
            self._mirror_delete(article_id, version)
        return chunk_ids

    def _write(self, article: Article, chunk_ids: list[str], signature: bytes | None) -> None:
        version = self._stamp()
        with self.vectors.calls():
            self._records.upsert(
                ids=[article.id],
                embeddings=[PLACEHOLDER],
                documents=[encode(article, chunk_ids, signature)],
                metadatas=[{"v": version, "deleted": False}],
            )
        self._mirror_put((article, chunk_ids, signature), version)

    def _stamp(self) -> int:
        self._stamped = max(time.time_ns(), self._stamped + 1)
        return self._stamped

    def _mirror_put(self, record: Record, version: int) -> None:
        super().put(*record)
        self._note(record[0].id, version)

    def _mirror_delete(self, article_id: str, version: int) -> list[str]:
        chunk_ids = super().delete(article_id)
        self._note(article_id, version)
        return chunk_ids

    def _note(self, article_id: str, version: int) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?)", (article_id, version))
        self._versions[article_id] = version

    # keeping the mirror in step (store/replica.py)
    def version_of(self, article_id: str) -> int | None:
        """The version of the article record the mirror holds (None: never seen)."""
        return self._versions.get(article_id)

    def changes(self, since: int | None = None) -> list[Change]:
        """Every article record stamped at or after ``since`` (all of them when None)."""
        where = {"v": {"$gte": since}} if since is not None else None
        return [
            Change(cid, int(meta.get("v", 0)), bool(meta.get("deleted", False)))
            for page in self._pages(self._records, ["metadatas"], where)
            for cid, meta in zip(page["ids"], page["metadatas"], strict=True)
        ]

    def apply(self, changes: Sequence[Change]) -> Applied:
        """Make the mirror hold these records as the server holds them now; returns the chunk ids that
        came and went (for the lexical index)."""
        applied = Applied()
        with self._sync_lock:
            records = self._fetch([c.article_id for c in changes if not c.deleted])
            for change in changes:
                before = set(self.chunk_ids(change.article_id))
                record = records.get(change.article_id)
                if record is None:
                    self._mirror_delete(change.article_id, change.version)
                    after: set[str] = set()
                else:
                    self._mirror_put(record, change.version)
                    after = set(record[1])
                applied.added += sorted(after - before)
                applied.removed += sorted(before - after)
                applied.articles += 1
        return applied

    def _fetch(self, article_ids: Sequence[str]) -> dict[str, Record]:
        """The live (not deleted) records among ``article_ids``, read from the server."""
        out: dict[str, Record] = {}
        with self.vectors.calls():
            for i in range(0, len(article_ids), BATCH):
                page = self._records.get(
                    ids=list(article_ids[i : i + BATCH]), include=["documents", "metadatas"]
                )
                for cid, doc, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True):
                    if not (meta or {}).get("deleted") and doc:
                        out[cid] = decode(doc)
        return out

    # pending chunk ids: this writer's own
    def add_pending(self, chunks: Sequence[tuple[str, str]]) -> None:
        rows = list(dict(chunks).items())
        with self.vectors.calls():
            for i in range(0, len(rows), BATCH):
                batch = rows[i : i + BATCH]
                self._pending.upsert(
                    ids=[c for c, _ in batch],
                    embeddings=[PLACEHOLDER] * len(batch),
                    metadatas=[{"article_id": a, "writer": self.writer} for _, a in batch],
                )

    def pending(self) -> set[str]:
        """Chunk ids noted by any writer's running (or killed) ingest."""
        return {cid for page in self._pages(self._pending, []) for cid in page["ids"]}

    def orphans(self) -> list[str]:
        """This writer's pending chunk ids whose article record never committed them."""
        mine: dict[str, str] = {}
        for page in self._pages(self._pending, ["metadatas"], {"writer": self.writer}):
            pairs = zip(page["ids"], page["metadatas"], strict=True)
            mine.update((chunk_id, str(meta["article_id"])) for chunk_id, meta in pairs)
        committed = self._fetch(sorted(set(mine.values())))
        kept = {c for _, chunk_ids, _ in committed.values() for c in chunk_ids}
        return sorted(c for c in mine if c not in kept)

    def clear_pending(self) -> None:
        with self.vectors.calls():
            self._pending.delete(where={"writer": self.writer})

    # the manifest
    def source(self, origin: str) -> tuple[str, list[str]] | None:
        with self.vectors.calls():
            found = self._sources.get(ids=[source_key(origin)], include=["documents", "metadatas"])
        if not found["ids"]:
            return None
        return str(found["metadatas"][0].get("fingerprint", "")), json.loads(found["documents"][0] or "[]")

    def set_source(self, origin: str, fingerprint: str, article_ids: Sequence[str], size: int = 0) -> None:
        meta = {
            "origin": origin,
            "fingerprint": fingerprint,
            "size": size,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self.vectors.calls():
            self._sources.upsert(
                ids=[source_key(origin)],
                embeddings=[PLACEHOLDER],
                documents=[json.dumps(list(dict.fromkeys(article_ids)))],
                metadatas=[meta],
            )

    def origins(self) -> dict[str, list[str]]:
        return {
            str(meta["origin"]): json.loads(doc or "[]")
            for page in self._pages(self._sources, ["documents", "metadatas"])
            for doc, meta in zip(page["documents"], page["metadatas"], strict=True)
        }

    def remove_source(self, origin: str) -> None:
        with self.vectors.calls():
            self._sources.delete(ids=[source_key(origin)])

    def referenced(self, article_id: str, besides: str = "") -> bool:
        return any(origin != besides for origin in self._naming(article_id).values())

    def _naming(self, article_id: str) -> dict[str, str]:
        """The manifest records (id -> origin) whose article list holds ``article_id``."""
        with self.vectors.calls():
            found = self._sources.get(
                where_document={"$contains": article_id}, include=["documents", "metadatas"]
            )
        return {
            key: str(meta["origin"])
            for key, doc, meta in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
            if article_id in json.loads(doc or "[]")
        }

    def _pages(
        self, collection: Any, include: list[str], where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        return pages(collection, include, where, self.vectors.calls)
