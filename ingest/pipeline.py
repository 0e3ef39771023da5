"""The ingest pipeline: inputs -> articles -> clean -> chunk -> embed -> stores.

A background thread loads, cleans and chunks (:mod:`ingest.produce`) while this thread embeds and
writes, in batches of about ``flush_chunks`` chunks sorted by length. Writes are ordered so that a
run killed at any moment (SIGKILL included) and run again leaves the same store as one uninterrupted
run: chunk ids are first noted as pending in the article store, then embedded (through the
embedding cache), written to the vector store and every chunk index, and only then is the article
row committed; a source's manifest entry is written last, after its stale articles are removed. The
next run first deletes pending chunks whose article never committed (:meth:`Ingestor.recover`).

Reading (fetching URLs included), parsing and chunking happen on the loader thread with no lock held;
this thread takes ``write_lock`` (shared with the assistant's deletes) only while it touches the stores,
so a slow source never holds up a delete. Runs themselves go one at a time.

With a shard (``rag ingest --shard i/n``, see :class:`ingest.produce.Shard`) a run ingests only its
part of the inputs' articles. The write points above are announced to :func:`add_checkpoint_hook`
callbacks (none by default; the crash tests install one that kills the process at a given point).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from ingest.addresses import AddressPolicy, IPNetwork
from ingest.chunking import ChunkingConfig, chunk_article
from ingest.fetch import Source, expand, is_url
from ingest.grouping import Grouper
from ingest.produce import Producer, Ready, Shard, SourceDone, manifest_origin, page_at
from rag.errors import InputError
from rag.types import Article, ArticleMeta, Chunk, IngestFailure, IngestSummary
from store.articles import ArticleStore
from store.cache import EmbeddingCache, embed_cached
from store.embeddings import Embedder, Vectors
from store.repair import drop_uncommitted
from store.vectors import ChromaStore

Checkpoint = Callable[[str], None]
_checkpoint_hooks: list[Checkpoint] = []


def add_checkpoint_hook(hook: Checkpoint) -> None:
    """Call ``hook(point)`` each time any ingest in this process passes a write point: "embedded",
    "upserted", "committed" (one article), "stale" (a source's stale articles removed) or "source"
    (its manifest entry written). For tests that stop a run at one of them."""
    _checkpoint_hooks.append(hook)


class ChunkIndex(Protocol):
    """Any extra index kept in step with the vector store (the lexical index, for one)."""

    def add(self, chunks: Sequence[Chunk], metas: dict[str, ArticleMeta]) -> None: ...

    def delete(self, chunk_ids: Sequence[str]) -> None: ...


@dataclass
class _Batch:
    articles: dict[str, tuple[Article, list[Chunk], bytes]] = field(default_factory=dict)
    sources: list[tuple[SourceDone, list[str]]] = field(default_factory=list)
    chunks: int = 0
    fresh: dict[str, int] = field(default_factory=dict)  # new articles per source read so far


class Ingestor:
    """Ingests files, folders, feeds and URLs into the stores; one instance per assistant.

    ``write_lock`` guards every store write (pass the lock other writers use; one is made if none);
    ``fetch_allow_private``: networks URL inputs may come from besides public addresses; ``shard``:
    the part of every run's articles this process ingests (None: all).
    """

    def __init__(
        self,
        *,
        embedder: Embedder,
        vectors: ChromaStore,
        articles: ArticleStore,
        chunking: ChunkingConfig,
        indexes: Sequence[ChunkIndex] = (),
        flush_chunks: int = 256,
        cache: EmbeddingCache | None = None,
        max_file_mb: float = 50.0,
        fetch_timeout_s: float = 20.0,
        near_duplicate_threshold: float = 0.8,
        fetch_allow_private: Sequence[str | IPNetwork] = (),
        write_lock: threading.Lock | None = None,
        shard: Shard | None = None,
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.articles = articles
        self.chunking = chunking
        self.indexes = list(indexes)
        self.flush_chunks = flush_chunks
        self.cache = cache
        self.max_bytes = int(max_file_mb * 1_000_000)
        self.fetch_timeout_s = fetch_timeout_s
        self.fetch_policy = AddressPolicy.allowing(fetch_allow_private)
        self.write_lock = write_lock or threading.Lock()
        self._run_lock = threading.Lock()  # one run at a time: the grouper and pending rows are per run
        self.grouper = Grouper(articles, near_duplicate_threshold)
        self.shard = shard

    def ingest(
        self,
        inputs: Iterable[str | Path],
        progress: bool = True,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        prune: bool = False,
        shard: Shard | None = None,
    ) -> IngestSummary:
        """Ingest every input; bad inputs are reported in the summary (path and reason), never fatal.

        ``include``/``exclude`` filter the files found in folders (globs); ``prune`` then deletes the
        articles of manifest sources under the given inputs that no longer exist; ``shard`` (default
        :attr:`shard`): ingest only the articles of that shard (the other shards' runs ingest the rest).
        """
        with self._run_lock:
            return self._run(list(inputs), progress, include, exclude, prune, shard or self.shard)

    def _run(
        self,
        inputs: list[str | Path],
        progress: bool,
        include: Sequence[str],
        exclude: Sequence[str],
        prune: bool,
        shard: Shard | None,
    ) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        with self.write_lock:
            self.grouper.reset()
            self.recover()
        sources: dict[str, Source] = {}
        for item in expand(inputs, include, exclude):
            if isinstance(item, InputError):
                summary.failed.append(IngestFailure(str(item).split(": ", 1)[0], str(item)))
            else:
                sources.setdefault(item.origin, item)
        producer = Producer(
            list(sources.values()),
            self.articles,
            self.chunking,
            self.embedder.count_wordpieces,
            self.max_bytes,
            self.fetch_timeout_s,
            self.fetch_policy,
            shard,
        )
        files = tqdm(total=len(sources), unit="file", desc="files", disable=not progress, leave=False)
        chunks_bar = tqdm(unit="chunk", desc="chunks", disable=not progress, leave=False, position=1)
        batch = _Batch()
        thread = producer.start()
        try:
            # the loader fetches and parses unlocked; only handing its events to the stores is locked
            while (event := producer.events.get()) is not None:
                with self.write_lock:
                    if isinstance(event, Ready):
                        self._on_article(event, batch, summary)
                    else:
                        self._on_source(event, batch, summary)
                        files.update(1)
                    if batch.chunks >= self.flush_chunks:
                        chunks_bar.update(self._flush(batch, summary))
            if producer.error is not None:
                raise producer.error
            with self.write_lock:
                chunks_bar.update(self._flush(batch, summary))
        finally:
            producer.stop.set()
            thread.join()
            files.close()
            chunks_bar.close()
        with self.write_lock:
            if prune:
                summary.removed += self.prune(inputs, set(sources))
            self.articles.clear_pending()
        summary.files = len(sources)
        summary.seconds = time.perf_counter() - started
        return summary

    def _on_article(self, event: Ready, batch: _Batch, summary: IngestSummary) -> None:
        article, origin = event.article, event.origin
        ids = self._current_ids(batch, origin)
        pending = {a.id: a for a, _, _ in batch.articles.values()}
        canonical = self.grouper.canonical_of(article, event.signature, origin, pending)
        if canonical is not None:
            ids.append(canonical)
            if self.grouper.same_report(canonical, article, pending):
                summary.unchanged += 1
            else:
                summary.duplicates += 1
                self.grouper.add_reporter(canonical, article, pending)
            return
        chunks = event.chunks or self._chunk(article)
        batch.articles[article.id] = (article, chunks, event.signature)
        batch.chunks += len(chunks)
        self.grouper.added(article.id, event.signature)
        ids.append(article.id)
        batch.fresh[origin] = batch.fresh.get(origin, 0) + 1  # added or updated: known at its SourceDone

    def _current_ids(self, batch: _Batch, origin: str) -> list[str]:
        """Article ids collected so far for the source being read (its SourceDone comes later)."""
        key = f"\0{origin}"
        for done, ids in batch.sources:
            if done.origin == key:
                return ids
        placeholder = SourceDone(key, "", 0, [])
        batch.sources.append((placeholder, []))
        return batch.sources[-1][1]

    def _chunk(self, article: Article) -> list[Chunk]:
        chunks = chunk_article(article, self.chunking, self.embedder.count_wordpieces)
        for chunk in chunks:
            chunk.page = page_at(article.pages, chunk.start)
        return chunks

    def _on_source(self, done: SourceDone, batch: _Batch, summary: IngestSummary) -> None:
        key = f"\0{done.origin}"
        ids: list[str] = []
        for i, (pending, collected) in enumerate(batch.sources):
            if pending.origin == key:
                ids = collected
                del batch.sources[i]
                break
        summary.failed.extend(done.failed)
        fresh = batch.fresh.pop(done.origin, 0)
        if done.unchanged:
            summary.unchanged += len(done.previous)
            summary.article_ids.extend(done.previous)
            return
        if done.error:  # keep what it had (a source that fails to load is not a deleted one); retry next run
            summary.added += fresh  # articles read before the failure are still written
            summary.failed.append(IngestFailure(done.origin, done.error))
            return
        # a new article updates one the source's last complete run recorded and no longer yields; one a
        # killed run committed without recording is no such older version: it is unchanged now, and
        # the source's other new articles are added
        replaced = len(set(done.recorded) - set(ids))
        summary.updated += min(fresh, replaced)
        summary.added += fresh - min(fresh, replaced)
        if not ids and not done.failed and not done.foreign:
            summary.failed.append(IngestFailure(done.origin, "no article text found"))
            return
        summary.article_ids.extend(dict.fromkeys(ids))
        batch.sources.append((done, ids))

    def _flush(self, batch: _Batch, summary: IngestSummary) -> int:
        """Embed and write the batched articles, then finalize the sources read so far."""
        items = list(batch.articles.values())
        chunks = [c for _, cs, _ in items for c in cs]
        if chunks:
            metas = {a.id: a.meta() for a, _, _ in items}
            self.articles.add_pending([(c.id, c.article_id) for c in chunks])
            stored = self.vectors.existing_ids([c.id for c in chunks])  # left by a killed run
            todo = [c for c in chunks if c.id not in stored]
            if todo:
                vectors = self._embed([c.embed_text for c in todo], summary)
                self._checkpoint("embedded")
                self.vectors.upsert(todo, metas, vectors)
                self._checkpoint("upserted")
            for index in self.indexes:
                index.add(chunks, metas)
        for article, cs, signature in items:
            self.articles.put(article, [c.id for c in cs], signature)
            self._checkpoint("committed")
        summary.chunks += len(chunks)
        batch.articles.clear()
        batch.chunks = 0
        finished = [(d, ids) for d, ids in batch.sources if not d.origin.startswith("\0")]
        batch.sources = [(d, ids) for d, ids in batch.sources if d.origin.startswith("\0")]
        for done, ids in finished:
            self._finalize(done, ids)
        return len(chunks)

    def _embed(self, texts: list[str], summary: IngestSummary) -> Vectors:
        vectors, fresh = embed_cached(self.embedder, self.cache, texts)
        summary.embedded += fresh
        return vectors

    def _finalize(self, done: SourceDone, ids: list[str]) -> None:
        """Remove the articles a changed source no longer yields, then record the source."""
        for stale in dict.fromkeys(done.previous):
            if stale not in ids and not self.articles.referenced(stale, besides=done.key):
                self.remove_article(stale)
        self._checkpoint("stale")
        self.articles.set_source(done.key, done.fingerprint, ids, done.size)
        self._checkpoint("source")

    def recover(self) -> int:
        """Delete chunks a killed run wrote without committing their article; returns how many."""
        return drop_uncommitted(self.articles, self.vectors, self.indexes)

    def prune(self, inputs: Sequence[str | Path], seen: set[str]) -> int:
        """Forget manifest sources under ``inputs`` not seen this run; delete articles left unsourced."""
        roots = [str(Path(i).expanduser().resolve()) for i in inputs if not is_url(i)]
        removed = 0
        for origin, ids in self.articles.origins().items():
            if manifest_origin(origin) in seen or is_url(origin):
                continue
            if not any(origin == r or origin.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
                continue
            self.articles.remove_source(origin)
            for article_id in ids:
                if not self.articles.referenced(article_id) and self.remove_article(article_id):
                    removed += 1
        return removed

    def remove_article(self, article_id: str) -> bool:
        """Delete an article from every store; False when it was not there. Hold ``write_lock``."""
        if not self.articles.has(article_id):
            return False
        chunk_ids = self.articles.chunk_ids(article_id)
        self.vectors.delete_chunks(chunk_ids)
        for index in self.indexes:
            index.delete(chunk_ids)
        self.articles.delete(article_id)
        self.grouper.removed(article_id)
        return True

    @staticmethod
    def _checkpoint(point: str) -> None:
        for hook in _checkpoint_hooks:
            hook(point)
