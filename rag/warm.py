"""Background sentence warm-up: embed stored articles' sentences while nobody is asking.

Excerpts and the evidence ranking score every sentence of a retrieved article by its embedding. On
a store whose sentences were never embedded, the first questions pay for it (seconds each: p50
3.4 s over the first 30 dev questions, ``bench/results/excerpt-cold.md``). ``rag serve`` therefore
starts a :class:`SentenceWarmer` (``RAG_WARM_SENTENCES``, on by default): one daemon thread that
embeds the sentences of each stored article in turn, then of every article ingested later, and
waits while a question is being answered so it never competes with one for the CPU. Vectors go to
the store's embedding cache, so the work is done once per store, not once per process.

What ``rag serve`` does once it listens is :class:`rag.startup.WarmUp`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.articles import ArticleStore
    from store.cache import SentenceVectors

log = logging.getLogger("osint-rag")


@dataclass(frozen=True)
class WarmupStatus:
    """Where the warm-up stands: articles done and waiting, sentences the model embedded."""

    articles_done: int
    articles_queued: int
    sentences_embedded: int
    running: bool


class SentenceWarmer:
    """Embeds queued articles' sentences on one daemon thread, pausing while ``busy()`` is true.

    ``embed_article(article_id)`` embeds one article's sentences and returns how many the model had
    to embed (0 when they were cached). Thread-safe; a failure on one article is logged and skipped.
    """

    def __init__(
        self,
        embed_article: Callable[[str], int],
        busy: Callable[[], bool] = lambda: False,
        poll_s: float = 0.05,
    ) -> None:
        self._embed_article = embed_article
        self._busy = busy
        self._poll_s = poll_s
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._done = 0
        self._embedded = 0

    def submit(self, article_ids: Iterable[str]) -> None:
        """Queue articles (ones already waiting are not queued twice) and start the thread if needed."""
        with self._lock:
            for article_id in article_ids:
                if article_id not in self._queued:
                    self._queued.add(article_id)
                    self._queue.append(article_id)
            if not self._queue or self._stopped.is_set():
                return
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="rag-sentence-warmup", daemon=True)
                self._thread.start()

    def status(self) -> WarmupStatus:
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
            return WarmupStatus(self._done, len(self._queue), self._embedded, running)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the queue is empty (True) or ``timeout`` seconds passed (False)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the article in hand; what is still queued is dropped."""
        self._stopped.set()
        with self._lock:
            self._queue.clear()
            self._queued.clear()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._idle.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            while self._busy() and not self._stopped.is_set():
                time.sleep(self._poll_s)
            with self._lock:
                if not self._queue:
                    self._idle.set()
                    self._thread = None
                    return
                article_id = self._queue.popleft()
                self._queued.discard(article_id)
            try:
                embedded = self._embed_article(article_id)
            except Exception:  # a broken article must not end the warm-up of the others
                log.exception("sentence warm-up failed for article %s", article_id)
                embedded = 0
            with self._lock:
                self._done += 1
                self._embedded += embedded
        self._idle.set()


class QuestionGauge:
    """How many questions are being answered right now (the sentence warm-up waits for none)."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    @contextmanager
    def asking(self) -> Iterator[None]:
        """Count one question for the duration of the block."""
        with self._lock:
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1

    @property
    def busy(self) -> bool:
        return self._count > 0


class SentencePrefill:
    """Embeds stored articles' sentences, exactly as the excerpts split them, ahead of questions: on
    request (:meth:`embed`) or in the background (:meth:`warm`, a :class:`SentenceWarmer` pausing while
    ``busy()``). ``vectors``: the excerpts' sentence vectors; None when excerpts use none, and then
    this does nothing."""

    def __init__(
        self, vectors: SentenceVectors | None, articles: ArticleStore, busy: Callable[[], bool]
    ) -> None:
        self.vectors = vectors
        self.articles = articles
        self.busy = busy
        self.warmer: SentenceWarmer | None = None

    def embed(self, article_ids: Iterable[str] | None = None, progress: bool = False) -> int:
        """Embed the sentences of these articles (all by default); how many the model embedded."""
        from tqdm import tqdm

        if self.vectors is None:
            return 0
        ids = list(article_ids) if article_ids is not None else [a.id for a in self.articles.all()]
        bar = tqdm(ids, unit="article", desc="sentences", disable=not progress, leave=False)
        return sum(self.embed_article(article_id) for article_id in bar)

    def embed_article(self, article_id: str) -> int:
        """Embed one article's sentences; how many the model embedded (0: cached, gone, or no vectors)."""
        from rag.text import sentence_texts

        article = self.articles.get(article_id)
        if self.vectors is None or article is None:
            return 0
        return self.vectors.fill(sentence_texts(article.text))

    def warm(self) -> SentenceWarmer | None:
        """Start warming every stored article (then each one :meth:`submit` adds); None without vectors."""
        if self.vectors is None:
            return None
        if self.warmer is None:
            self.warmer = SentenceWarmer(self.embed_article, self.busy)
        self.warmer.submit(a.id for a in self.articles.all())
        return self.warmer

    def submit(self, article_ids: Iterable[str]) -> None:
        """Queue newly ingested articles, when the background warm-up runs."""
        if self.warmer is not None:
            self.warmer.submit(article_ids)
