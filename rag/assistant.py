"""The wiring: :meth:`Assistant.from_settings` builds every stage from one settings object.

This is the public Python API (``from rag import Assistant``); the CLI, the app and the evals all
go through it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunking import ChunkingConfig
from ingest.pipeline import Ingestor
from rag.answer import AnswerGenerator
from rag.errors import InputError, NotFoundError
from rag.jobs import IngestJobs
from rag.offline import configure
from rag.retrieval import Retriever
from rag.settings import Settings, load_settings
from rag.types import Answer, Article, Filters, IngestSummary, StreamEvent, Turn
from rag.warm import SentenceWarmer
from store.articles import ArticleStore
from store.cache import EmbeddingCache, SentenceVectors
from store.doctor import Consistency, StoreFiles, check_at_open
from store.embeddings import Embedder, QueryRoutedEmbedder, shared_embedder
from store.health import StoreMonitor, StoreStatus, monitor_store
from store.ingest_lock import IngestLock
from store.lexical import LexicalIndex
from store.vectors import ChromaStore

if TYPE_CHECKING:
    from rag.chain import AnswerChain

log = logging.getLogger("osint-rag")


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
        sentence_vectors: SentenceVectors | None = None,
    ) -> None:
        self.settings = settings
        self.sentence_vectors = sentence_vectors  # shared by the excerpts and the evidence ranking
        self.embedder = embedder
        self.vectors = vectors
        self.article_store = articles
        self.retriever = retriever
        self.generator = generator
        self.ingestor = ingestor
        self._write_lock = ingestor.write_lock  # the ingestor takes it around its store writes only
        self._asking = 0  # questions being answered now (the sentence warm-up waits for none)
        self._asking_lock = threading.Lock()
        self.warmer: SentenceWarmer | None = None
        # background ingest (rag/jobs.py): what rag serve uses, so no request waits on a slow input
        self.jobs = IngestJobs(lambda inputs: self.ingest(inputs))
        self.store_files = StoreFiles(Path(settings.chroma_path), settings.collection)
        self.ingest_lock = IngestLock(self.store_files.folder)  # one ingesting process per store
        self.consistency = Consistency()  # as found at open (see open_store)
        self._monitor: StoreMonitor | None = None
        self._monitor_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> Assistant:
        """Build the assistant from settings (env vars ``RAG_*`` when none are given)."""
        if settings is None:
            settings = load_settings(None, **overrides)
        elif overrides:
            settings = settings.model_copy(update=overrides)
        configure(settings.cache_dir)
        embedder = route_queries(document_embedder(settings), settings)
        files = StoreFiles(Path(settings.chroma_path), settings.collection)
        vectors = open_vectors(settings, embedder)
        articles = ArticleStore(files.articles)
        from rag.retrieval.factory import open_lexical_index

        cache = EmbeddingCache(files.cache)
        sentence_vectors = SentenceVectors(embedder, cache=cache)
        lexical = open_lexical_index(settings, vectors)
        retriever = build_retriever(settings, embedder, vectors, lexical, articles, sentence_vectors)
        generator = build_generator(settings, embedder)
        chunking = ChunkingConfig(
            settings.chunk_tokens,
            settings.chunk_overlap_tokens,
            settings.max_embed_wordpieces,
            settings.tokenizer_encoding,
        )
        ingestor = Ingestor(
            embedder,
            vectors,
            articles,
            chunking,
            indexes=[lexical],
            cache=cache,
            max_file_mb=settings.max_file_mb,
            fetch_timeout_s=settings.fetch_timeout_s,
            fetch_allow_private=settings.fetch_allow_private,
            write_lock=threading.Lock(),  # also the assistant's (deletes), see __init__
            flush_chunks=settings.ingest_batch_chunks,
        )
        assistant = cls(
            settings, embedder, vectors, articles, retriever, generator, ingestor, sentence_vectors
        )
        assistant.open_store()
        return assistant

    def open_store(self) -> Consistency:
        """Recover what a killed ingest left (unless another process is ingesting now), then check that
        the parts of the store agree (see :func:`store.doctor.check_at_open`: StoreDamagedError for a
        corrupt or lost file; a disagreement is logged and shown by /api/health)."""
        with self.ingest_lock.try_held() as free, self._write_lock:
            if free and (recovered := self.ingestor.recover()):
                log.warning("dropped %d chunks a killed ingest left uncommitted", recovered)
        self.consistency = check_at_open(self.store_files, self.article_store, self.vectors, self._lexical())
        return self.consistency

    def store_status(self) -> StoreStatus:
        """The store's health as last read in the background (never waits on the store)."""
        with self._monitor_lock:
            if self._monitor is None:
                lexical = self._lexical()
                self._monitor = monitor_store(self.article_store, self.vectors, lexical, self.consistency)
        return self._monitor.status()

    def _recount(self) -> None:
        """Have the health monitor read the counts now rather than within the second."""
        if self._monitor is not None:
            self._monitor.wake.set()

    def _lexical(self) -> LexicalIndex | None:
        return next((i for i in self.ingestor.indexes if isinstance(i, LexicalIndex)), None)

    @cached_property
    def chain(self) -> AnswerChain:
        """The answer chain (rag/chain.py): condense -> retrieve -> pack -> generate -> verify."""
        from rag.chain import AnswerChain, ChainConfig

        s = self.settings
        config = ChainConfig(
            top_k=s.top_k,
            context_tokens=s.context_tokens,
            encoding=s.tokenizer_encoding,
            evidence_dense_weight=s.evidence_dense_weight,
            support_threshold=s.support_threshold,
            quote_sentences=s.extractive_max_sentences,
        )
        from rag.retrieval.factory import (
            LiveQuestionParser,
            live_parser,
            outlet_clause_finder,
            unknown_outlet_finder,
        )

        lexical = next((i for i in self.ingestor.indexes if isinstance(i, LexicalIndex)), None)
        frequency = lexical.document_frequency if lexical is not None else None
        parser = getattr(self.retriever, "parser", None)  # the full pipeline's: share it
        if not isinstance(parser, LiveQuestionParser) and lexical is not None:
            parser = live_parser(s, lexical)
        return AnswerChain(
            self.retriever,
            self.generator,
            self.embedder,
            config,
            frequency,
            unknown_outlet_finder(parser) if parser is not None else None,
            self.ingestor.cache,
            outlet_clause_finder(parser) if parser is not None else None,
            self.sentence_vectors,
            known_articles=self.article_store.existing,
        )

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        history: Sequence[Turn | Mapping[str, str]] | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer ``question`` from the ingested articles, citing the sentences it rests on.

        ``history`` holds the conversation so far (``Turn`` or ``{"role", "content"}``); a follow-up
        is turned into a standalone question first. Raises :class:`BackendError` when an LLM fails.
        """
        for event in self.stream(question, filters, history, k):
            if event.answer is not None:
                return event.answer
        raise RuntimeError("the answer chain ended without an answer")

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        history: Sequence[Turn | Mapping[str, str]] | None = None,
        k: int | None = None,
    ) -> Iterator[StreamEvent]:
        """Like :meth:`ask`, streamed: text deltas as they are written, then the verified answer."""
        from rag.answer.followup import as_turns
        from rag.chain import ChainInput

        question = (question or "").strip()
        if not question:
            raise InputError("the question is empty: ask something about the ingested articles")
        request = ChainInput(question, filters, as_turns(history), k)
        with self._asking_lock:
            self._asking += 1
        try:
            yield from self.chain.stream(request)
        finally:
            with self._asking_lock:
                self._asking -= 1

    @property
    def busy(self) -> bool:
        """Whether a question is being answered right now."""
        return self._asking > 0

    def ingest(
        self,
        inputs: Iterable[str | Path],
        progress: bool = False,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        prune: bool = False,
    ) -> IngestSummary:
        """Ingest files, folders (recursively), feeds and URLs; returns what was added, updated,
        skipped as unchanged or duplicate, and refused (path and reason), with timings.

        ``include``/``exclude``: glob patterns for files found in folders (``"*.html"``, ``"drafts/*"``).
        ``prune``: also delete articles whose source file under ``inputs`` is gone.
        """
        # not under the write lock: the ingestor takes it only around store writes, so a slow fetch
        # never blocks a delete
        with self.ingest_lock.held():  # another process's ingest into this store goes first
            summary = self.ingestor.ingest(
                inputs, progress=progress, include=include, exclude=exclude, prune=prune
            )
        if self.warmer is not None:
            self.warmer.submit(summary.article_ids)
        self._recount()
        return summary

    def embed_sentences(self, article_ids: Iterable[str] | None = None, progress: bool = False) -> int:
        """Embed the sentences of these articles (all by default) ahead of questions; returns how many
        the model embedded (the rest were cached).

        Excerpts score every sentence of a retrieved article by its embedding
        (``RAG_EXCERPT_DENSE_WEIGHT``); a sentence not embedded yet is embedded by the first question
        that retrieves its article (seconds on a fresh store). The vectors persist in the store's
        embedding cache. Does nothing when excerpts do not use embeddings.
        """
        from tqdm import tqdm

        if self._excerpt_vectors() is None:
            return 0
        ids = list(article_ids) if article_ids is not None else [a.id for a in self.articles()]
        bar = tqdm(ids, unit="article", desc="sentences", disable=not progress, leave=False)
        return sum(self.embed_article_sentences(article_id) for article_id in bar)

    def embed_article_sentences(self, article_id: str) -> int:
        """Embed one article's sentences, exactly as the excerpts split them; returns how many the
        model embedded (0 when cached, when the article is gone, or when excerpts use no vectors)."""
        from rag.text import sentence_texts

        vectors = self._excerpt_vectors()
        article = self.article_store.get(article_id)
        if vectors is None or article is None:
            return 0
        return vectors.fill(sentence_texts(article.text))

    def warm_sentences(self) -> SentenceWarmer | None:
        """Start embedding every stored article's sentences in the background (then those of each
        article ingested later), waiting while questions run; None when excerpts use no vectors.
        See :mod:`rag.warm`."""
        if self._excerpt_vectors() is None:
            return None
        if self.warmer is None:
            self.warmer = SentenceWarmer(self.embed_article_sentences, lambda: self.busy)
        self.warmer.submit(a.id for a in self.articles())
        return self.warmer

    def _excerpt_vectors(self) -> SentenceVectors | None:
        """The sentence vectors the full pipeline's excerpts score with; None when they use none."""
        from rag.retrieval.excerpts import ExcerptBuilder

        widener = getattr(self.retriever, "widener", None)
        return widener.dense_vectors if isinstance(widener, ExcerptBuilder) else None

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
        self._recount()

    def outlets(self) -> list[str]:
        return sorted({a.source for a in self.article_store.all() if a.source})

    def chunk_count(self) -> int:
        return self.vectors.count()


def build_retriever(
    settings: Settings,
    embedder: Embedder,
    vectors: ChromaStore,
    lexical: LexicalIndex | None = None,
    articles: ArticleStore | None = None,
    sentence_vectors: SentenceVectors | None = None,
) -> Retriever:
    """The retriever ``settings.retrieval_mode`` names (see rag/retrieval/factory.py)."""
    from rag.retrieval.factory import build_retriever as build

    return build(settings, embedder, vectors, lexical, articles, sentence_vectors=sentence_vectors)


def build_generator(settings: Settings, embedder: Embedder) -> AnswerGenerator:
    """The answer backend ``settings.answer_backend`` names (see rag/answer/)."""
    if settings.answer_backend == "extractive":
        from rag.answer.extractive import ExtractiveGenerator

        return ExtractiveGenerator(settings.extractive_max_sentences)
    from rag.answer.backends import build_llm_generator

    return build_llm_generator(settings)


__all__: Sequence[str] = ["Assistant"]


def document_embedder(settings: Settings) -> Embedder:
    """The embedding model the settings name, shared in this process (it loads when first asked)."""
    return shared_embedder(
        settings.embedding_model,
        settings.embedding_backend,
        settings.embedding_device,
        settings.embedding_batch_size,
        precision=settings.embedding_precision,
        cache_dir=settings.cache_dir,
    )


def open_vectors(settings: Settings, embedder: Embedder) -> ChromaStore:
    """The Chroma collection the settings name (a server at ``RAG_CHROMA_URL``, else the folder's)."""
    return ChromaStore(
        embedder,
        path=Path(settings.chroma_path) / "chroma",
        url=settings.chroma_url,
        collection=settings.collection,
        timeout_s=settings.chroma_timeout_s,
    )


def route_queries(embedder: Embedder, settings: Settings) -> Embedder:
    """``embedder`` with questions sent to the ONNX runtime when ``RAG_QUERY_EMBEDDING_BACKEND`` asks."""
    choice = settings.query_embedding_backend
    cpu_torch = settings.embedding_backend == "torch" and settings.embedding_device == "cpu"
    if choice == "same" or settings.embedding_backend == "onnx":
        return embedder
    if choice == "auto" and not (cpu_torch and settings.embedding_precision == "fp32"):
        return embedder
    queries = shared_embedder(
        settings.embedding_model,
        "onnx",
        "cpu",
        1,
        precision=settings.embedding_precision,
        cache_dir=settings.cache_dir,
    )
    return QueryRoutedEmbedder(embedder, queries)
