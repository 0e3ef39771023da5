"""The public Python API (``from rag import Assistant``): ask, stream, ingest, list and delete articles.

The CLI, the app and the evals all go through it. :meth:`Assistant.from_settings` builds the parts
with :func:`rag.components.build_components` and opens the store; the assistant itself only
delegates to them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.answer import AnswerGenerator
from rag.calibration import Calibration
from rag.components import Components, build_components
from rag.errors import InputError, NotFoundError
from rag.jobs import IngestJobs
from rag.retrieval import Retriever
from rag.settings import Settings, load_settings
from rag.types import Answer, Article, Filters, IngestSummary, StreamEvent, Turn
from rag.warm import QuestionGauge, SentencePrefill, SentenceWarmer
from store.articles import ArticleStore
from store.cache import SentenceVectors
from store.doctor import Consistency, StoreFiles, check_at_open
from store.embeddings import Embedder
from store.health import StoreMonitor, StoreStatus, monitor_store
from store.vectors import ChromaStore

if TYPE_CHECKING:
    from ingest.pipeline import Ingestor
    from rag.chain import AnswerChain

log = logging.getLogger("osint-rag")


class Assistant:
    """Ingest articles, ask questions, get cited answers. Safe to share between threads."""

    def __init__(self, components: Components) -> None:
        self.components = components
        self.questions = QuestionGauge()  # questions being answered now
        self.sentences = SentencePrefill(components.excerpt_vectors, components.articles, self._busy)
        # background ingest (rag/jobs.py): what rag serve uses, so no request waits on a slow input
        self.jobs = IngestJobs(lambda inputs: self.ingest(inputs))
        self.consistency = Consistency()  # as found at open (see open_store)
        self._monitor: StoreMonitor | None = None
        self._monitor_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, calibration: Calibration | None = None, **overrides: object
    ) -> Assistant:
        """Build the assistant from settings (env vars ``RAG_*`` when none are given, with ``overrides``)
        and the calibrated values (``rag/calibration.json`` unless ``calibration`` is given), then
        open the store (:meth:`open_store`)."""
        if settings is None:
            settings = load_settings(None, **overrides)
        elif overrides:
            settings = settings.updated(overrides)
        assistant = cls(build_components(settings, calibration=calibration))
        assistant.open_store()
        return assistant

    def open_store(self) -> Consistency:
        """Recover what a killed ingest left (unless another process is ingesting now), then check that
        the parts of the store agree (see :func:`store.doctor.check_at_open`: StoreDamagedError for a
        corrupt or lost file; a disagreement is logged and shown by /api/health)."""
        c = self.components
        with c.ingest_lock.try_held() as free, c.write_lock:
            if free and (recovered := c.ingestor.recover()):
                log.warning("dropped %d chunks a killed ingest left uncommitted", recovered)
        self.consistency = check_at_open(c.files, c.articles, c.vectors, c.lexical)
        return self.consistency

    def store_status(self) -> StoreStatus:
        """The store's health as last read in the background (never waits on the store)."""
        with self._monitor_lock:
            if self._monitor is None:
                c = self.components
                self._monitor = monitor_store(c.articles, c.vectors, c.lexical, self.consistency)
        return self._monitor.status()

    def _recount(self) -> None:
        """Have the health monitor read the counts now rather than within the second."""
        if self._monitor is not None:
            self._monitor.wake.set()

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
        from rag.chain.steps import final_answer  # LangChain loads with the chain, at the first question

        return final_answer(self.stream(question, filters, history, k))

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
        with self.questions.asking():
            yield from self.chain.answer_events(request)

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
        with self.components.ingest_lock.held():  # another process's ingest into this store goes first
            summary = self.components.ingestor.ingest(
                inputs, progress=progress, include=include, exclude=exclude, prune=prune
            )
        self.sentences.submit(summary.article_ids)
        self._recount()
        return summary

    def embed_sentences(self, article_ids: Iterable[str] | None = None, progress: bool = False) -> int:
        """Embed the sentences of these articles (all by default) ahead of questions; returns how many
        the model embedded (the rest were cached).

        Excerpts score every sentence of a retrieved article by its embedding (the calibrated
        ``excerpt_dense_weight``); a sentence not embedded yet is embedded by the first question
        that retrieves its article (seconds on a fresh store). The vectors persist in the store's
        embedding cache. Does nothing when excerpts do not use embeddings.
        """
        return self.sentences.embed(article_ids, progress)

    def embed_article_sentences(self, article_id: str) -> int:
        """Embed one article's sentences, exactly as the excerpts split them; returns how many the
        model embedded (0 when cached, when the article is gone, or when excerpts use no vectors)."""
        return self.sentences.embed_article(article_id)

    def warm_sentences(self) -> SentenceWarmer | None:
        """Start embedding every stored article's sentences in the background (then those of each
        article ingested later), waiting while questions run; None when excerpts use no vectors.
        See :mod:`rag.warm`."""
        return self.sentences.warm()

    def articles(self) -> list[Article]:
        return self.components.articles.all()

    def article(self, article_id: str) -> Article:
        found = self.components.articles.get(article_id)
        if found is None:
            raise NotFoundError(f"no article with id {article_id!r}: list them with `rag articles`")
        return found

    def delete_article(self, article_id: str) -> None:
        with self.components.write_lock:
            if not self.components.ingestor.remove_article(article_id):
                raise NotFoundError(f"no article with id {article_id!r}: list them with `rag articles`")
        self._recount()

    def outlets(self) -> list[str]:
        return sorted({a.source for a in self.components.articles.all() if a.source})

    def chunk_count(self) -> int:
        return self.components.vectors.count()

    def _busy(self) -> bool:
        return self.questions.busy

    # read-only views of the parts (see Components)
    @property
    def busy(self) -> bool:
        """Whether a question is being answered right now."""
        return self.questions.busy

    @property
    def warmer(self) -> SentenceWarmer | None:
        """The background sentence warm-up, once :meth:`warm_sentences` started it."""
        return self.sentences.warmer

    @property
    def chain(self) -> AnswerChain:
        """The answer chain (rag/chain/), a LangChain ``Runnable[ChainInput | str, Answer]``."""
        return self.components.chain

    @property
    def settings(self) -> Settings:
        return self.components.settings

    @property
    def calibration(self) -> Calibration:
        return self.components.calibration

    @property
    def embedder(self) -> Embedder:
        return self.components.embedder

    @property
    def vectors(self) -> ChromaStore:
        return self.components.vectors

    @property
    def article_store(self) -> ArticleStore:
        return self.components.articles

    @property
    def retriever(self) -> Retriever:
        return self.components.retriever

    @property
    def generator(self) -> AnswerGenerator:
        return self.components.generator

    @property
    def ingestor(self) -> Ingestor:
        return self.components.ingestor

    @property
    def sentence_vectors(self) -> SentenceVectors:
        return self.components.sentence_vectors

    @property
    def store_files(self) -> StoreFiles:
        return self.components.files


__all__: Sequence[str] = ["Assistant"]
