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

from collections.abc import Sequence
from dataclasses import replace

from rag.calibration import load_calibration
from rag.retrieval.fusion import renumber
from rag.retrieval.sentences import ArticleSource, SentenceCache, Sentences
from rag.text import content_words, count_tokens
from rag.types import Chunk, Hit


class PassageWidener:
    """Widens hits to ``max_tokens`` (see the module docstring); thread-safe, articles cached (LRU)."""

    def __init__(
        self,
        articles: ArticleSource,
        *,
        max_tokens: int | None = None,
        encoding: str | None = None,
        cache: int = 512,
    ) -> None:
        """``max_tokens`` and ``encoding`` default to the calibrated ``passage_tokens`` and
        ``tokenizer_encoding``."""
        calibration = load_calibration()
        self.max_tokens = calibration.passage_tokens if max_tokens is None else max_tokens
        self.encoding = encoding or calibration.tokenizer_encoding
        self.sentences = SentenceCache(articles, self.encoding, cache)

    def widen(self, question: str, hits: Sequence[Hit], k: int | None = None) -> list[Hit]:
        """The first ``k`` of ``hits`` (all by default) in order, each passage widened within the budget.

        A hit whose whole chunk already lies inside a better-ranked passage adds nothing new and is
        skipped, so the next hit takes its place.
        """
        words = set(content_words(question))
        shown: dict[str, list[tuple[int, int]]] = {}  # article -> character spans of its passages
        out: list[Hit] = []
        for hit in hits:
            if k is not None and len(out) >= k:
                break
            chunk = hit.chunk
            spans = shown.setdefault(chunk.article_id, [])
            if any(a <= chunk.start and chunk.end <= b for a, b in spans):
                continue
            sentences = self.sentences.get(chunk.article_id)
            window = None if sentences is None else self._window(chunk, sentences, words, spans)
            if window is None:
                spans.append((chunk.start, chunk.end))
                out.append(hit)
                continue
            assert sentences is not None
            start, end, tokens = window
            spans.append((start, end))
            wide = replace(
                chunk,
                id=f"{chunk.id}@{start}-{end}",
                text=sentences.text[start:end],
                start=start,
                end=end,
                tokens=tokens,
            )
            out.append(replace(hit, chunk=wide))
        return renumber(out)

    def _window(
        self, chunk: Chunk, s: Sentences, words: set[str], shown: list[tuple[int, int]]
    ) -> tuple[int, int, int] | None:
        """(start, end, tokens) of the widened passage; None when the chunk does not fit the article."""
        own = s.of(chunk)
        if own is None:
            return None  # the article changed under the hit, or the chunk is not sentence-aligned
        first, last = own[0], own[-1]
        lo, hi = first, last
        used = count_tokens(chunk.text, self.encoding)

        def free(i: int) -> bool:
            return 0 <= i < len(s.starts) and not any(a <= s.starts[i] < b for a, b in shown)

        turn = 0
        while True:
            options = [i for i in (hi + 1, lo - 1) if free(i) and used + s.tokens[i] + 1 <= self.max_tokens]
            if not options:
                break
            pick = options[0]
            if len(options) == 2:
                overlap = [len(words & s.words[i]) for i in options]
                pick = options[turn % 2] if overlap[0] == overlap[1] else options[overlap[1] > overlap[0]]
            turn += 1
            used += s.tokens[pick] + 1  # +1: the space or newline between sentences
            lo, hi = min(lo, pick), max(hi, pick)
        tokens = count_tokens(s.text[s.starts[lo] : s.ends[hi]], self.encoding)
        while tokens > self.max_tokens and (hi > last or lo < first):  # the +1 estimate was short
            if hi > last:
                hi -= 1
            else:
                lo += 1
            tokens = count_tokens(s.text[s.starts[lo] : s.ends[hi]], self.encoding)
        return s.starts[lo], s.ends[hi], tokens
