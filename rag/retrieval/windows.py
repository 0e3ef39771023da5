"""Widening retrieved chunks into passages: each hit grows, sentence by sentence, to a token budget.

Stored chunks are sized for the embedding model (at most 256 wordpieces with their title header,
about 180 cl100k tokens of text), which is smaller than the passage budget a reader or an LLM can
take (256 cl100k tokens, the MultiHop-RAG setting). So after ranking, each hit's passage is widened
with the neighbouring sentences of its article, alternating after and before it (a neighbour that
shares more of the question's words goes first), until the next sentence would pass the budget. A
passage never grows into text that a better-ranked passage of the same article already holds, so
the top ``k`` show more distinct text, never the same sentences twice.

The widened hit keeps its scores and rank; its chunk is a new span of the article
(``text == article.text[start:end]``) with an id derived from the stored chunk's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rag.retrieval.fusion import renumber
from rag.text import content_words, count_tokens, sentence_spans
from rag.types import Article, Hit


class ArticleSource(Protocol):
    """Articles by id (the article store's ``get``)."""

    def get(self, article_id: str) -> Article | None: ...


@dataclass(frozen=True)
class _Sentences:
    text: str
    starts: list[int]
    ends: list[int]
    tokens: list[int]


class PassageWidener:
    """Widens hits to ``max_tokens`` (see the module docstring); thread-safe, articles cached (LRU)."""

    def __init__(
        self, articles: ArticleSource, max_tokens: int = 256, encoding: str = "cl100k_base", cache: int = 512
    ) -> None:
        self.articles = articles
        self.max_tokens = max_tokens
        self.encoding = encoding
        self._cache: OrderedDict[str, _Sentences | None] = OrderedDict()
        self._size = cache
        self._lock = threading.Lock()

    def widen(self, question: str, hits: Sequence[Hit], k: int | None = None) -> list[Hit]:
        """The first ``k`` of ``hits`` (all by default) in order, each passage widened within the budget.

        A hit whose whole chunk already lies inside a better-ranked passage adds nothing new and is
        skipped, so the next hit takes its place.
        """
        words = set(content_words(question))
        taken: dict[str, list[tuple[int, int]]] = {}
        shown: dict[str, list[tuple[int, int]]] = {}
        out: list[Hit] = []
        for hit in hits:
            if k is not None and len(out) >= k:
                break
            chunk = hit.chunk
            if any(a <= chunk.start and chunk.end <= b for a, b in shown.get(chunk.article_id, [])):
                continue
            sentences = self._sentences(hit.chunk.article_id)
            window = None if sentences is None else self._window(hit, sentences, words, taken)
            if window is None:
                shown.setdefault(chunk.article_id, []).append((chunk.start, chunk.end))
                out.append(hit)
                continue
            assert sentences is not None
            start, end = window
            shown.setdefault(chunk.article_id, []).append(window)
            text = sentences.text[start:end]
            chunk = replace(
                chunk,
                id=f"{hit.chunk.id}@{start}-{end}",
                text=text,
                start=start,
                end=end,
                tokens=count_tokens(text, self.encoding),
            )
            out.append(replace(hit, chunk=chunk))
        return renumber(out)

    def _window(
        self, hit: Hit, s: _Sentences, words: set[str], taken: dict[str, list[tuple[int, int]]]
    ) -> tuple[int, int] | None:
        inside = [
            i
            for i, (a, b) in enumerate(zip(s.starts, s.ends, strict=True))
            if a >= hit.chunk.start and b <= hit.chunk.end
        ]
        if not inside or s.text[hit.chunk.start : hit.chunk.end] != hit.chunk.text:
            return None  # the article changed under the hit, or the chunk is not sentence-aligned
        lo, hi = inside[0], inside[-1]
        blocked = taken.setdefault(hit.chunk.article_id, [])
        used = count_tokens(hit.chunk.text, self.encoding)

        def free(i: int) -> bool:
            return 0 <= i < len(s.starts) and not any(a <= i <= b for a, b in blocked)

        turn = 0
        while True:
            options = [i for i in (hi + 1, lo - 1) if free(i) and used + s.tokens[i] + 1 <= self.max_tokens]
            if not options:
                break
            if len(options) == 2:
                overlap = [len(words & set(content_words(s.text[s.starts[i] : s.ends[i]]))) for i in options]
                pick = (
                    options[0]
                    if overlap[0] > overlap[1]
                    else options[1]
                    if overlap[1] > overlap[0]
                    else options[turn % 2]
                )
            else:
                pick = options[0]
            turn += 1
            used += s.tokens[pick] + 1  # +1: the space or newline between sentences
            lo, hi = min(lo, pick), max(hi, pick)
        while (
            hi > inside[-1]
            and count_tokens(s.text[s.starts[lo] : s.ends[hi]], self.encoding) > self.max_tokens
        ):
            hi -= 1
        while (
            lo < inside[0]
            and count_tokens(s.text[s.starts[lo] : s.ends[hi]], self.encoding) > self.max_tokens
        ):
            lo += 1
        blocked.append((lo, hi))
        return s.starts[lo], s.ends[hi]

    def _sentences(self, article_id: str) -> _Sentences | None:
        with self._lock:
            if article_id in self._cache:
                self._cache.move_to_end(article_id)
                return self._cache[article_id]
        article = self.articles.get(article_id)
        found = None
        if article is not None:
            spans = sentence_spans(article.text)
            found = _Sentences(
                article.text,
                [sp.start for sp in spans],
                [sp.end for sp in spans],
                [count_tokens(article.text[sp.start : sp.end], self.encoding) for sp in spans],
            )
        with self._lock:
            self._cache[article_id] = found
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return found
