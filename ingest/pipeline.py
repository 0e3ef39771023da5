"""The ingest pipeline: inputs -> articles -> clean -> chunk -> embed -> stores.

Order of writes makes it idempotent and crash-safe: chunks go to the vector store (and any other
chunk index) first, then the article row, then the source manifest. A rerun skips sources whose
fingerprint is unchanged and articles already recorded, and embeds only chunks not yet stored.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from ingest.chunking import ChunkingConfig, chunk_article
from ingest.clean import clean_text, content_hash
from ingest.loaders import load_path, supported_suffixes
from rag.errors import InputError
from rag.types import Article, ArticleMeta, Chunk, IngestFailure, IngestSummary, Reporter
from store.articles import ArticleStore
from store.embeddings import Embedder
from store.vectors import ChromaStore


class ChunkIndex(Protocol):
    """Any extra index kept in step with the vector store (the lexical index, for one)."""

    def add(self, chunks: Sequence[Chunk], metas: dict[str, ArticleMeta]) -> None: ...

    def delete(self, chunk_ids: Sequence[str]) -> None: ...


@dataclass
class _Pending:
    articles: list[tuple[Article, list[Chunk]]] = field(default_factory=list)
    chunks: int = 0


class Ingestor:
    """Ingests files and folders into the stores; one instance per assistant."""

    def __init__(
        self,
        embedder: Embedder,
        vectors: ChromaStore,
        articles: ArticleStore,
        chunking: ChunkingConfig,
        indexes: Sequence[ChunkIndex] = (),
        flush_chunks: int = 256,
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.articles = articles
        self.chunking = chunking
        self.indexes = list(indexes)
        self.flush_chunks = flush_chunks

    def ingest(self, inputs: Iterable[str | Path], progress: bool = True) -> IngestSummary:
        """Ingest every input; bad inputs are reported in the summary, never fatal."""
        started = time.perf_counter()
        summary = IngestSummary()
        files = list(self._expand(inputs, summary))
        pending = _Pending()
        bar = tqdm(total=len(files), unit="file", desc="ingest", disable=not progress, leave=False)
        for path in files:
            try:
                self._ingest_file(path, summary, pending)
            except InputError as exc:
                summary.failed.append(IngestFailure(str(path), str(exc)))
            except (OSError, ValueError) as exc:
                summary.failed.append(IngestFailure(str(path), f"{type(exc).__name__}: {exc}"))
            bar.update(1)
            bar.set_postfix(chunks=summary.chunks)
        self._flush(pending, summary)
        bar.close()
        summary.seconds = time.perf_counter() - started
        return summary

    def _expand(self, inputs: Iterable[str | Path], summary: IngestSummary) -> Iterator[Path]:
        suffixes = set(supported_suffixes())
        for item in inputs:
            path = Path(item)
            if path.is_dir():
                yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            elif path.is_file():
                yield path
            else:
                summary.failed.append(IngestFailure(str(path), "no such file or folder"))

    def _ingest_file(self, path: Path, summary: IngestSummary, pending: _Pending) -> None:
        origin = str(path.resolve())
        fingerprint = hashlib.sha1(path.read_bytes()).hexdigest()
        previous = self.articles.source(origin)
        if previous and previous[0] == fingerprint and all(self.articles.has(a) for a in previous[1]):
            summary.unchanged += len(previous[1])
            summary.article_ids.extend(previous[1])
            return
        ids: list[str] = []
        for raw in load_path(path):
            article = self._prepare(raw)
            if article is None:
                summary.failed.append(IngestFailure(raw.origin or origin, "no article text"))
                continue
            if article.id in ids:
                continue
            ids.append(article.id)
            self._add(article, summary, pending, known=previous[1] if previous else [])
        if not ids:
            raise InputError(f"{path}: no article text found")
        self._flush(pending, summary)
        if previous:
            stale_ids: set[str] = set(previous[1]) - set(ids)
            for stale in stale_ids:
                self.remove_article(stale)
        self.articles.set_source(origin, fingerprint, ids)
        summary.article_ids.extend(ids)

    def _prepare(self, raw: Article) -> Article | None:
        text = clean_text(raw.text)
        if not text.strip():
            return None
        raw.text = text
        raw.id = content_hash(text)
        raw.ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
        return raw

    def _add(self, article: Article, summary: IngestSummary, pending: _Pending, known: list[str]) -> None:
        existing = self.articles.get(article.id)
        if existing is not None:
            if article.id in known or (existing.source, existing.url) == (article.source, article.url):
                summary.unchanged += 1
            else:
                summary.duplicates += 1
                self.articles.add_reporter(
                    article.id, Reporter(article.source, article.url, article.published_at)
                )
            return
        chunks = chunk_article(article, self.chunking, self.embedder.count_wordpieces)
        pending.articles.append((article, chunks))
        pending.chunks += len(chunks)
        if known:
            summary.updated += 1
        else:
            summary.added += 1
        if pending.chunks >= self.flush_chunks:
            self._flush(pending, summary)

    def _flush(self, pending: _Pending, summary: IngestSummary) -> None:
        if not pending.articles:
            return
        chunks = [c for _, cs in pending.articles for c in cs]
        metas = {a.id: a.meta() for a, _ in pending.articles}
        stored = self.vectors.existing_ids([c.id for c in chunks])  # left by a killed run
        todo = [c for c in chunks if c.id not in stored]
        if todo:
            vectors = self.embedder.embed([c.embed_text for c in todo])
            self.vectors.upsert(todo, metas, vectors)
        for index in self.indexes:
            index.add(chunks, metas)
        for article, cs in pending.articles:
            self.articles.put(article, [c.id for c in cs])
        summary.chunks += len(chunks)
        pending.articles.clear()
        pending.chunks = 0

    def remove_article(self, article_id: str) -> bool:
        """Delete an article from every store; False when it was not there."""
        if not self.articles.has(article_id):
            return False
        chunk_ids = self.articles.delete(article_id)
        self.vectors.delete_chunks(chunk_ids)
        for index in self.indexes:
            index.delete(chunk_ids)
        return True
