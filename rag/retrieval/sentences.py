"""Articles split into sentences, cached: what the passage builders (windows, excerpts) work on."""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rag.text import content_words, count_tokens, sentence_spans
from rag.types import Article, Chunk, Hit


class ArticleSource(Protocol):
    """Articles by id (the article store's ``get``)."""

    def get(self, article_id: str) -> Article | None: ...


@dataclass(frozen=True)
class Sentences:
    """One article's sentences: character ranges into ``text``, cl100k token counts, content words."""

    text: str
    starts: list[int]
    ends: list[int]
    tokens: list[int]
    words: list[frozenset[str]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.starts)

    def of(self, chunk: Chunk) -> range | None:
        """The sentences ``chunk`` consists of; None when it does not match this text (stale, unaligned)."""
        first = bisect_left(self.starts, chunk.start)
        last = bisect_right(self.ends, chunk.end) - 1
        if first > last or self.text[chunk.start : chunk.end] != chunk.text:
            return None
        return range(first, last + 1)


class SentenceCache:
    """``article id -> Sentences`` read through ``articles``, keeping the last ``size`` (thread-safe)."""

    def __init__(self, articles: ArticleSource, encoding: str = "cl100k_base", size: int = 512) -> None:
        self.articles = articles
        self.encoding = encoding
        self.size = size
        self._cache: OrderedDict[str, Sentences | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, article_id: str) -> Sentences | None:
        """The article's sentences; None when the article is unknown."""
        with self._lock:
            if article_id in self._cache:
                self._cache.move_to_end(article_id)
                return self._cache[article_id]
        article = self.articles.get(article_id)
        found = None if article is None else split(article.text, self.encoding)
        with self._lock:
            self._cache[article_id] = found
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return found


def split(text: str, encoding: str = "cl100k_base") -> Sentences:
    """``text`` as :class:`Sentences`."""
    spans = sentence_spans(text)
    pieces = [text[sp.start : sp.end] for sp in spans]
    return Sentences(
        text,
        [sp.start for sp in spans],
        [sp.end for sp in spans],
        [count_tokens(p, encoding) for p in pieces],
        [frozenset(content_words(p)) for p in pieces],
    )


class PassageBuilder(Protocol):
    """Turns ranked hits into the passages shown for them (windows or excerpts of their articles)."""

    def widen(self, question: str, hits: Sequence[Hit], k: int | None = None) -> list[Hit]:
        """The first ``k`` passages (all by default), in rank order, ranks renumbered from 1."""
        ...
