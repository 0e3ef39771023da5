"""The loading half of the pipeline, run on a background thread while the other half embeds.

For each source it reads the bytes (capped), skips it when its fingerprint matches the manifest,
loads, cleans and chunks its articles and computes their MinHash signatures, and emits events in
order. Nothing here writes to a store.
"""

from __future__ import annotations

import hashlib
import html
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest import dedup
from ingest.addresses import AddressPolicy
from ingest.chunking import ChunkingConfig, chunk_article
from ingest.clean import clean_text, content_hash
from ingest.fetch import Source, read
from ingest.loaders import load
from rag.errors import InputError
from rag.types import Article, Chunk, IngestFailure
from store.articles import ArticleStore


@dataclass
class Ready:
    """A cleaned, chunked article (chunks empty when the article is already stored)."""

    origin: str
    article: Article
    chunks: list[Chunk]
    signature: bytes


@dataclass
class SourceDone:
    """Every article of ``origin`` has been emitted; ``previous``: the ids it yielded before (those its
    manifest entry records, and any a killed run committed); ``recorded``: the manifest's alone."""

    origin: str
    fingerprint: str
    size: int
    previous: list[str]
    recorded: list[str] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    unchanged: bool = False
    error: str = ""  # the whole source failed


Event = Ready | SourceDone


@dataclass
class Producer:
    """Turns sources into events on a bounded queue (``None`` marks the end)."""

    sources: Sequence[Source]
    articles: ArticleStore
    chunking: ChunkingConfig
    count_wordpieces: Callable[[str], int]
    max_bytes: int
    timeout_s: float
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    events: queue.Queue[Event | None] = field(default_factory=lambda: queue.Queue(maxsize=512))
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="ingest-loader", daemon=True)
        thread.start()
        return thread

    def _put(self, event: Event | None) -> None:
        while not self.stop.is_set():
            try:
                self.events.put(event, timeout=0.2)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            for source in self.sources:
                if self.stop.is_set():
                    return
                self._source(source)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self.error = exc
        finally:
            self._put(None)

    def _source(self, source: Source) -> None:
        previous = self.articles.source(source.origin)
        recorded = previous[1] if previous else []
        # a killed run may have committed articles of this source before recording it in the manifest
        old_ids = list(dict.fromkeys([*recorded, *self.articles.ids_from(source.origin)]))
        try:
            raw = read(source, self.max_bytes, self.timeout_s, self.policy)
        except InputError as exc:
            self._put(SourceDone(source.origin, "", 0, old_ids, recorded, error=str(exc)))
            return
        fingerprint = hashlib.sha1(raw.data).hexdigest()
        if (
            previous
            and previous[0] == fingerprint
            and len(self.articles.existing(recorded)) == len(set(recorded))
        ):
            done = SourceDone(source.origin, fingerprint, len(raw.data), recorded, recorded, unchanged=True)
            self._put(done)
            return
        done = SourceDone(source.origin, fingerprint, len(raw.data), old_ids, recorded)
        try:
            for item in load(raw):
                if isinstance(item, IngestFailure):
                    done.failed.append(item)
                    continue
                ready = self._prepare(source.origin, item)
                if ready is None:
                    done.failed.append(IngestFailure(item.origin or source.origin, "no article text"))
                else:
                    self._put(ready)
        except InputError as exc:
            done.error = str(exc)
        except Exception as exc:  # a parser choking on bad input must not stop the other inputs
            done.error = f"{source.origin}: unreadable ({type(exc).__name__}: {exc})"
        self._put(done)

    def _prepare(self, origin: str, raw: Article) -> Ready | None:
        text = clean_text(raw.text)
        if not text.strip():
            return None
        raw.text = text
        raw.id = content_hash(text)
        # feeds and JSON exports often carry HTML entities in titles ("&#039;Massive intel failure&#039;")
        raw.title = clean_text(html.unescape(raw.title)).replace("\n", " ") or "(untitled)"
        raw.ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
        chunks: list[Chunk] = []
        if not self.articles.has(raw.id):
            chunks = chunk_article(raw, self.chunking, self.count_wordpieces)
            for chunk in chunks:
                chunk.page = page_at(raw.pages, chunk.start)
        return Ready(origin, raw, chunks, dedup.signature(text))


def page_at(pages: Sequence[tuple[int, int]], offset: int) -> int | None:
    """The page holding character ``offset`` given (start offset, page number) pairs."""
    page = None
    for start, number in pages:
        if start > offset:
            break
        page = number
    return page
