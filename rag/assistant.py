"""The wiring: :meth:`Assistant.from_settings` builds every stage from one settings object.

This is the public Python API (``from rag import Assistant``); the CLI, the app and the evals all
go through it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ingest.chunking import ChunkingConfig
from ingest.pipeline import Ingestor
from rag.answer import AnswerGenerator
from rag.errors import ConfigError, InputError, NotFoundError
from rag.offline import configure
from rag.retrieval import Retriever
from rag.settings import Settings, load_settings
from rag.types import Answer, Article, Filters, IngestSummary
from store.articles import ArticleStore
from store.embeddings import Embedder, shared_embedder
from store.vectors import ChromaStore


class Assistant:
    """Ingest articles, ask questions, get cited answers. Safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        vectors: ChromaStore,
        articles: ArticleStore,
        retriever: Retriever,
        generator: AnswerGenerator,
        ingestor: Ingestor,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.vectors = vectors
        self.article_store = articles
        self.retriever = retriever
        self.generator = generator
        self.ingestor = ingestor
        self._write_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> Assistant:
        """Build the assistant from settings (env vars ``RAG_*`` when none are given)."""
        if settings is None:
            settings = load_settings(None, **overrides)
        elif overrides:
            settings = settings.model_copy(update=overrides)
        configure(settings.cache_dir)
        embedder = shared_embedder(
            settings.embedding_model,
            settings.embedding_backend,
            settings.embedding_device,
            settings.embedding_batch_size,
        )
        store_dir = Path(settings.chroma_path)
        vectors = ChromaStore(
            embedder, path=store_dir / "chroma", url=settings.chroma_url, collection=settings.collection
        )
        articles = ArticleStore(store_dir / f"{settings.collection}.sqlite")
        retriever = build_retriever(settings, embedder, vectors)
        generator = build_generator(settings, embedder)
        chunking = ChunkingConfig(
            settings.chunk_tokens,
            settings.chunk_overlap_tokens,
            settings.max_embed_wordpieces,
            settings.tokenizer_encoding,
        )
        ingestor = Ingestor(embedder, vectors, articles, chunking)
        return cls(settings, embedder, vectors, articles, retriever, generator, ingestor)

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        """Answer ``question`` from the ingested articles, citing the sentences it rests on."""
        question = (question or "").strip()
        if not question:
            raise InputError("the question is empty: ask something about the ingested articles")
        started = time.perf_counter()
        hits = self.retriever.retrieve(question, k or self.settings.top_k, filters)
        retrieved = time.perf_counter()
        answer = self.generator.generate(question, hits)
        done = time.perf_counter()
        answer.filters = filters or Filters()
        answer.timings_ms.update(retrieve=_ms(retrieved - started), generate=_ms(done - retrieved))
        answer.timings_ms["total"] = _ms(done - started)
        return answer

    def ingest(self, inputs: Iterable[str | Path], progress: bool = False) -> IngestSummary:
        """Ingest files or folders; returns what was added, skipped and refused (with reasons)."""
        with self._write_lock:
            return self.ingestor.ingest(inputs, progress=progress)

    def articles(self) -> list[Article]:
        return self.article_store.all()

    def article(self, article_id: str) -> Article:
        found = self.article_store.get(article_id)
        if found is None:
            raise NotFoundError(f"no article with id {article_id!r}: list them with `rag articles`")
        return found

    def delete_article(self, article_id: str) -> None:
        with self._write_lock:
            if not self.ingestor.remove_article(article_id):
                raise NotFoundError(f"no article with id {article_id!r}: list them with `rag articles`")

    def outlets(self) -> list[str]:
        return sorted({a.source for a in self.article_store.all() if a.source})

    def chunk_count(self) -> int:
        return self.vectors.count()


def build_retriever(settings: Settings, embedder: Embedder, vectors: ChromaStore) -> Retriever:
    from rag.retrieval.dense import DenseRetriever

    return DenseRetriever(embedder, vectors)


def build_generator(settings: Settings, embedder: Embedder) -> AnswerGenerator:
    if settings.answer_backend == "extractive":
        from rag.answer.extractive import ExtractiveGenerator

        return ExtractiveGenerator(embedder, settings.max_answer_sentences, settings.abstain_threshold)
    raise ConfigError(
        f"answer backend {settings.answer_backend!r} is not available yet: set RAG_ANSWER_BACKEND=extractive"
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


__all__: Sequence[str] = ["Assistant"]
