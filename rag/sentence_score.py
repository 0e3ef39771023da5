"""One score for how well sentences bear on a text, shared by excerpts
(:mod:`rag.retrieval.excerpts`), evidence ranking (:mod:`rag.answer.ranking`) and verification
(:mod:`rag.verify`)::

    score = dense_weight * cosine(text, sentence) + (1 - dense_weight) * lexical

``lexical`` is the share of the text's content words (:func:`rag.text.content_words`: spaCy's stop
words out, Snowball stems) that the sentence holds, each word weighted by its IDF when an ``idf`` is
given. Each use has its calibrated dense weight (``excerpt_dense_weight`` 0.3 with IDF weights,
``evidence_dense_weight`` 0.5, in rag/calibration.json; the verifier's 0.5); the vectors are the
caller's (stored sentence vectors, or embedded on the spot).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.text import content_words


@dataclass(frozen=True)
class SentenceScorer:
    """``dense_weight * cosine + (1 - dense_weight) * lexical share`` (IDF-weighted with ``idf``)."""

    dense_weight: float
    idf: Callable[[str], float] | None = None

    def lexical(self, text: str, sentence_words: Sequence[frozenset[str]]) -> np.ndarray:
        """The (IDF-weighted) share of ``text``'s content words that each sentence holds."""
        words = set(content_words(text))
        if not words:
            return np.zeros(len(sentence_words), dtype=np.float32)
        weight = {w: (self.idf(w) if self.idf else 1.0) for w in words}
        total = sum(weight.values()) or 1.0
        return np.array(
            [sum(weight[w] for w in words & held) / total for held in sentence_words], dtype=np.float32
        )

    def mix(self, lexical: np.ndarray, cosines: np.ndarray | None) -> np.ndarray:
        """The score from each sentence's lexical share and cosine (lexical alone without cosines)."""
        if cosines is None:
            return np.asarray(lexical, dtype=np.float32)
        w = self.dense_weight
        return np.asarray(w * np.asarray(cosines) + (1 - w) * lexical, dtype=np.float32)

    def scores(
        self, text: str, sentence_words: Sequence[frozenset[str]], cosines: np.ndarray | None
    ) -> np.ndarray:
        """Each sentence's score against ``text`` (``cosines``: its vector's cosine with ``text``'s)."""
        return self.mix(self.lexical(text, sentence_words), cosines)


def sentence_words(texts: Sequence[str]) -> list[frozenset[str]]:
    """The content words of each sentence, as :meth:`SentenceScorer.lexical` reads them."""
    return [frozenset(content_words(t)) for t in texts]
