"""Rerankers: re-score the top candidates against the question.

- :class:`CrossEncoderReranker` runs a sentence-transformers ``CrossEncoder`` (any local model, e.g. a
  bge-reranker folder) over (question, chunk) pairs; used when ``RAG_RERANK_MODEL`` names one.
- :class:`SentenceReranker` needs no extra model: a chunk scores as its best sentence, where a
  sentence scores by IDF-weighted overlap with the question's content words and, when an embedder is
  given, cosine similarity to the question. Facts are sentences; a long chunk about something else
  with one matching sentence should still rank.

Both put their score in ``Hit.rerank`` and return hits in their new order (ranks renumbered).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from rag.sentence_score import SentenceScorer, sentence_words
from rag.text import sentence_texts
from rag.types import Hit
from store.embeddings import Embedder, resolve_model_path


class Reranker(Protocol):
    """Reorders ``hits`` for ``question``; returns new hits with ``rerank`` set and ranks from 1."""

    def rerank(self, question: str, hits: Sequence[Hit]) -> list[Hit]: ...


def _ordered(hits: Sequence[Hit], scores: Sequence[float]) -> list[Hit]:
    scored = [replace(h, rerank=float(s)) for h, s in zip(hits, scores, strict=True)]
    scored.sort(key=lambda h: -(h.rerank or 0.0))
    return [replace(h, rank=i) for i, h in enumerate(scored, start=1)]


class CrossEncoderReranker:
    """A local cross-encoder (sentence-transformers ``CrossEncoder``), loaded on first use."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32, max_length: int = 512) -> None:
        self.model_name = model
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(
                    resolve_model_path(self.model_name), device=self.device, max_length=self.max_length
                )
        return self._model

    def rerank(self, question: str, hits: Sequence[Hit]) -> list[Hit]:
        if not hits:
            return []
        pairs = [(question, h.chunk.embed_text) for h in hits]
        scores = self._load().predict(pairs, batch_size=self.batch_size, show_progress_bar=False)
        return _ordered(hits, [float(s) for s in np.asarray(scores).reshape(len(hits), -1)[:, -1]])


IdfFn = Callable[[str], float]


class SentenceReranker:
    """Chunk score = best sentence score; sentence = lexical overlap (+ cosine when embedding)."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        idf: IdfFn | None = None,
        lexical_weight: float = 1.0,
        dense_weight: float = 1.0,
        prior_weight: float = 0.0,
    ) -> None:
        self.embedder = embedder
        self.idf = idf
        self.lexical_weight = lexical_weight
        self.dense_weight = dense_weight
        self.prior_weight = prior_weight

    def sentence_scores(self, question: str, hits: Sequence[Hit]) -> list[float]:
        """The best sentence score of each hit's chunk (header included as one more sentence)."""
        sentences: list[list[str]] = []
        for hit in hits:
            text = hit.chunk.text
            sentences.append(sentence_texts(text) or [text])
        words_of = SentenceScorer(0.0, self.idf)  # the shared sentence score's lexical part
        lexical = [words_of.lexical(question, sentence_words(sents)).tolist() for sents in sentences]
        if self.embedder is None or self.dense_weight == 0:
            return [max(scores) * self.lexical_weight for scores in lexical]
        flat = [s for sents in sentences for s in sents]
        vectors = self.embedder.embed(flat)
        cosines = vectors @ self.embedder.embed_query(question)
        out: list[float] = []
        pos = 0
        for lex in lexical:
            cos = cosines[pos : pos + len(lex)]
            pos += len(lex)
            out.append(
                max(
                    self.lexical_weight * x + self.dense_weight * float(c)
                    for x, c in zip(lex, cos, strict=True)
                )
            )
        return out

    def rerank(self, question: str, hits: Sequence[Hit]) -> list[Hit]:
        if not hits:
            return []
        scores = self.sentence_scores(question, hits)
        if self.prior_weight:
            top = max(h.score for h in hits) or 1.0
            scores = [s + self.prior_weight * h.score / top for s, h in zip(scores, hits, strict=True)]
        return _ordered(hits, scores)
