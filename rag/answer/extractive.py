"""The default, LLM-free backend: the answer is the best evidence sentences, each quoted and cited.

Because it only quotes, every citation is exact by construction. It abstains when no sentence is
close enough to the question, rather than quoting noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.answer import ABSTAIN_TEXT
from rag.citations import Evidence, cite, evidence_sentences
from rag.text import content_words
from rag.types import Answer, Hit
from store.embeddings import Embedder


def lexical_overlap(question_words: set[str], sentence: str) -> float:
    """Share of the question's content words that the sentence contains."""
    if not question_words:
        return 0.0
    return len(question_words & set(content_words(sentence))) / len(question_words)


class ExtractiveGenerator:
    """Ranks the sentences of the retrieved passages against the question and quotes the best."""

    def __init__(
        self,
        embedder: Embedder,
        max_sentences: int = 4,
        abstain_threshold: float = 0.45,
        dense_weight: float = 0.7,
    ) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.abstain_threshold = abstain_threshold
        self.dense_weight = dense_weight

    def score(self, question: str, evidence: Sequence[Evidence]) -> tuple[np.ndarray, np.ndarray]:
        """(combined score, sentence vectors) for each evidence sentence."""
        q_vec = self.embedder.embed_query(question)
        vectors = self.embedder.embed([e.text for e in evidence])
        dense = vectors @ q_vec
        words = set(content_words(question))
        lexical = np.array([lexical_overlap(words, e.text) for e in evidence], dtype=np.float32)
        return self.dense_weight * dense + (1 - self.dense_weight) * lexical, vectors

    def generate(self, question: str, hits: Sequence[Hit]) -> Answer:
        evidence = evidence_sentences(hits)
        if not evidence:
            return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, hits=list(hits))
        scores, vectors = self.score(question, evidence)
        order = np.argsort(-scores)
        if float(scores[order[0]]) < self.abstain_threshold:
            return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, hits=list(hits))
        chosen = self._select(order, scores, vectors)
        citations = [cite(n, evidence[i], float(scores[i])) for n, i in enumerate(chosen, start=1)]
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        return Answer(question=question, text=text, citations=citations, hits=list(hits))

    def _select(self, order: np.ndarray, scores: np.ndarray, vectors: np.ndarray) -> list[int]:
        """Best sentences within reach of the top score, skipping near-repeats of ones already chosen."""
        best = float(scores[order[0]])
        chosen: list[int] = []
        for i in order:
            if len(chosen) >= self.max_sentences or float(scores[i]) < max(
                self.abstain_threshold, 0.5 * best
            ):
                break
            if any(float(vectors[i] @ vectors[j]) > 0.9 for j in chosen):
                continue
            chosen.append(int(i))
        return chosen
