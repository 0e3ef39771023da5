"""The wiring: :func:`build_components` builds every part of the assistant, once, from the user's
settings and the calibrated values, into one typed :class:`Components`.

Nothing else builds parts: :class:`rag.Assistant` takes a ``Components``; the CLI, the app, the
evals and the benchmarks get theirs from here. An ablation or a recalibration passes another
:class:`~rag.calibration.Calibration` (``build_components(settings, calibration=...)``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunking import ChunkingConfig
from ingest.pipeline import Ingestor
from rag.answer import AnswerGenerator
from rag.calibration import Calibration, load_calibration
from rag.offline import configure
from rag.retrieval import Retriever
from rag.retrieval.excerpts import ExcerptBuilder
from rag.retrieval.factory import (
    LiveQuestionParser,
    build_retrieval,
    live_parser,
    outlet_clause_finder,
    unknown_outlet_finder,
)
from rag.settings import Settings
from store.articles import ArticleStore
from store.cache import EmbeddingCache, SentenceVectors
from store.doctor import StoreFiles
from store.embeddings import Embedder, QueryRoutedEmbedder, shared_embedder
from store.ingest_lock import IngestLock
from store.lexical import LexicalIndex
from store.replica import open_article_store
from store.vectors import ChromaStore

if TYPE_CHECKING:
    from rag.chain import AnswerChain

log = logging.getLogger("osint-rag")


@dataclass(frozen=True, kw_only=True)
class Components:
    """Every built part of one assistant over one store (shared, thread-safe parts)."""

    settings: Settings  # as used: with the embedding runtime an existing store was built with
    calibration: Calibration
    files: StoreFiles
    embedder: Embedder  # documents' model; questions may go to its ONNX twin (route_queries)
    vectors: ChromaStore
    articles: ArticleStore  # local SQLite, or this replica's copy of what a Chroma server holds
    lexical: LexicalIndex
    cache: EmbeddingCache  # the store's embedding cache (chunks and sentences)
    sentence_vectors: SentenceVectors  # shared by the excerpts and the evidence ranking
    parser: LiveQuestionParser  # shared by the retriever and the answer chain
    retriever: Retriever
    excerpts: ExcerptBuilder | None  # the full pipeline's excerpts (None in other modes)
    generator: AnswerGenerator
    ingestor: Ingestor
    write_lock: threading.Lock  # around every store write (the ingestor's and deletes)
    ingest_lock: IngestLock  # one ingesting process per store

    @cached_property
    def chain(self) -> AnswerChain:
        """The answer chain (rag/chain/) over these parts, a LangChain ``Runnable[ChainInput | str,
        Answer]``: condense -> retrieve -> pack -> generate -> verify. Built at the first question
        (importing LangChain takes a second)."""
        from rag.chain import AnswerChain, ChainConfig

        return AnswerChain(
            retriever=self.retriever,
            generator=self.generator,
            embedder=self.embedder,
            config=ChainConfig.from_calibration(self.calibration, top_k=self.settings.top_k),
            document_frequency=self.lexical.document_frequency,
            unknown_outlets=unknown_outlet_finder(self.parser),
            outlet_clauses=outlet_clause_finder(self.parser),
            cache=self.cache,
            sentence_vectors=self.sentence_vectors,
            known_articles=self.articles.existing,
        )

    @property
    def excerpt_vectors(self) -> SentenceVectors | None:
        """The sentence vectors the excerpts score with; None when they use none."""
        return self.excerpts.dense_vectors if self.excerpts is not None else None


def build_components(settings: Settings, *, calibration: Calibration | None = None) -> Components:
    """Open the store ``settings`` name and build every part over it, with ``calibration``'s values
    (``rag/calibration.json`` when not given)."""
    calibration = calibration or load_calibration()
    configure(settings.cache_dir)
    settings = adopt_store_embedding(settings)
    embedder = route_queries(document_embedder(settings, calibration), settings, calibration)
    files = StoreFiles(Path(settings.chroma_path), settings.collection)
    vectors = open_vectors(settings, embedder)
    # local SQLite files; with RAG_CHROMA_URL, this replica's copies of what the server holds
    articles, lexical = open_article_store(files, vectors, calibration.lexical_ranker)
    cache = EmbeddingCache(files.cache)
    sentence_vectors = SentenceVectors(embedder, cache=cache)
    parser = live_parser(settings, lexical)
    retrieval = build_retrieval(
        settings=settings,
        calibration=calibration,
        embedder=embedder,
        vectors=vectors,
        lexical=lexical,
        articles=articles,
        parser=parser,
        sentence_vectors=sentence_vectors,
    )
    chunking = ChunkingConfig(
        max_tokens=calibration.chunk_tokens,
        overlap_tokens=calibration.chunk_overlap_tokens,
        max_wordpieces=calibration.max_embed_wordpieces,
        encoding=calibration.tokenizer_encoding,
    )
    write_lock = threading.Lock()
    ingestor = Ingestor(
        embedder=embedder,
        vectors=vectors,
        articles=articles,
        chunking=chunking,
        indexes=[lexical],
        cache=cache,
        max_file_mb=settings.max_file_mb,
        fetch_timeout_s=settings.fetch_timeout_s,
        fetch_allow_private=settings.fetch_allow_private,
        write_lock=write_lock,
        flush_chunks=settings.ingest_batch_chunks,
    )
    return Components(
        settings=settings,
        calibration=calibration,
        files=files,
        embedder=embedder,
        vectors=vectors,
        articles=articles,
        lexical=lexical,
        cache=cache,
        sentence_vectors=sentence_vectors,
        parser=parser,
        retriever=retrieval.retriever,
        excerpts=retrieval.excerpts,
        generator=build_generator(settings, calibration),
        ingestor=ingestor,
        write_lock=write_lock,
        ingest_lock=IngestLock(files.folder),
    )


def build_generator(settings: Settings, calibration: Calibration) -> AnswerGenerator:
    """The answer backend ``settings.answer_backend`` names (see rag/answer/)."""
    if settings.answer_backend == "extractive":
        from rag.answer.extractive import ExtractiveGenerator

        return ExtractiveGenerator(max_sentences=calibration.extractive_max_sentences)
    from rag.answer.backends import build_llm_generator

    return build_llm_generator(settings, calibration)


def document_embedder(settings: Settings, calibration: Calibration | None = None) -> Embedder:
    """The embedding model the settings name, shared in this process (it loads when first asked).
    For an existing store, pass ``adopt_store_embedding(settings)``."""
    return shared_embedder(
        settings.embedding_model,
        settings.embedding_backend,
        settings.embedding_device,
        (calibration or load_calibration()).embedding_batch_size,
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


def route_queries(embedder: Embedder, settings: Settings, calibration: Calibration | None = None) -> Embedder:
    """``embedder`` with questions sent to the ONNX runtime when the calibrated
    ``query_embedding_backend`` asks (onnx; auto: when the documents use torch on the CPU at fp32)."""
    choice = (calibration or load_calibration()).query_embedding_backend
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


_RUNTIMES = {"": ("torch", "fp32"), "@onnx": ("onnx", "fp32"), "@onnx-int8": ("onnx", "int8")}


def adopt_store_embedding(settings: Settings) -> Settings:
    """``settings`` with the embedding runtime an existing local store was built with, when the user
    chose none: a store built by torch fp32 (the default before int8 ONNX) keeps its vectors' runtime
    instead of refusing to open. An explicit RAG_EMBEDDING_BACKEND/PRECISION is left to the store's
    own check (a clear ConfigError when they disagree)."""
    if {"embedding_backend", "embedding_precision"} & settings.model_fields_set:
        return settings
    from store.recorded import recorded_model_id

    recorded = recorded_model_id(Path(settings.chroma_path) / "chroma", settings.collection)
    name = Path(settings.embedding_model).name
    if recorded is None or not recorded.startswith(name):
        return settings
    runtime = _RUNTIMES.get(recorded[len(name) :])
    if runtime is None or runtime == (settings.embedding_backend, settings.embedding_precision):
        return settings
    log.info("store %s was built with %s: using that runtime", settings.chroma_path, recorded)
    return settings.model_copy(update={"embedding_backend": runtime[0], "embedding_precision": runtime[1]})
