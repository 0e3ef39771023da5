"""Evidence ranking: every sentence of every source scored against the question.

The score is the shared sentence score (:mod:`rag.sentence_score`): ``dense_weight * cosine +
(1 - dense_weight) * lexical``, where lexical is the share of the question's content words the sentence
contains. A multi-part question ("Which company, reported by
TechCrunch, spent $26.3 billion ... and was accused of ...") is also split into its claims, and each
sentence is scored against each claim the same way: the gold sentence of one part often matches that
part far better than it matches the whole question. The chain uses the best whole-question score for
abstention and the extractive backend picks its quotes from both scores.

``dense_weight`` 0.5 (the calibrated ``evidence_dense_weight``, rag/calibration.json; was 0.7): the
quotes hold more of the gold evidence (coverage 0.477 -> 0.499 on the dev set, the abstention
threshold recalibrated to 0.25) and unanswerable questions sit further under the threshold (0.22
against 0.29 before, for 0.30).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rag.answer import Scored
from rag.answer.context import Source
from rag.sentence_score import SentenceScorer, sentence_words
from rag.text import claims, content_words
from store.cache import SentenceVectors
from store.embeddings import Embedder


def rank_evidence(
    question: str,
    sources: Sequence[Source],
    embedder: Embedder,
    dense_weight: float | None = None,
    sentence_vectors: SentenceVectors | None = None,
    clauses: Mapping[str, str] | None = None,
    clause_weight: float = 0.5,
) -> list[Scored]:
    """All evidence sentences of ``sources``, best first.

    ``clauses`` maps outlets to what the question says of each ("while the Sporting News article
    suggests ..."): a sentence from such an outlet scores ``clause_weight`` by that clause and the
    rest by the whole question, so each side of a comparison is judged by its own claim.
    """
    pairs = [(s.n, e) for s in sources for e in s.evidence()]
    if not pairs:
        return []
    if dense_weight is None:
        from rag.calibration import load_calibration

        dense_weight = load_calibration().evidence_dense_weight
    texts = [e.text for _, e in pairs]
    if sentence_vectors is not None:  # not truthiness: an empty memo is falsy and must still fill
        vectors = sentence_vectors.embed(texts)
    else:
        vectors = np.asarray(embedder.embed(texts))
    words = sentence_words(texts)
    scores = _scores(question, words, vectors, embedder, dense_weight)
    own_clause = {
        s.n: clause
        for s in sources
        if (clause := (clauses or {}).get(s.article.source))
        and len(content_words(clause)) >= _MIN_CLAUSE_WORDS
    }
    rows_of: dict[str, list[int]] = {}
    for i, (n, _) in enumerate(pairs):
        if n in own_clause:
            rows_of.setdefault(own_clause[n], []).append(i)
    for clause, rows in rows_of.items():
        own = _scores(clause, [words[i] for i in rows], vectors[rows], embedder, dense_weight)
        scores[rows] = (1 - clause_weight) * scores[rows] + clause_weight * own
    parts = claims(question)
    by_claim = (
        np.stack([_scores(c, words, vectors, embedder, dense_weight) for c in parts], axis=1)
        if len(parts) > 1
        else np.zeros((len(texts), 0), dtype=np.float32)
    )
    ranked = [
        Scored(n, e, float(score), vec, tuple(float(x) for x in row))
        for (n, e), score, vec, row in zip(pairs, scores, vectors, by_claim, strict=True)
    ]
    ranked.sort(key=lambda s: -s.score)
    return ranked


_MIN_CLAUSE_WORDS = 3  # a clause of fewer content words ("and", "as reported by") says nothing of its own


def _scores(
    text: str,
    words: Sequence[frozenset[str]],
    vectors: np.ndarray,
    embedder: Embedder,
    dense_weight: float,
) -> np.ndarray:
    """Each sentence's score against ``text`` (:class:`rag.sentence_score.SentenceScorer`)."""
    cosines = vectors @ np.asarray(embedder.embed_query(text))
    return SentenceScorer(dense_weight).scores(text, words, cosines)


def score_against(
    texts: Sequence[str], ranked: Sequence[Scored], embedder: Embedder, dense_weight: float | None = None
) -> np.ndarray:
    """The ranking's score of every ranked sentence against each of ``texts`` (rows: sentences);
    ``dense_weight`` defaults to the calibrated ``evidence_dense_weight``."""
    if not ranked or not texts:
        return np.zeros((len(ranked), len(texts)), dtype=np.float32)
    if dense_weight is None:
        from rag.calibration import load_calibration

        dense_weight = load_calibration().evidence_dense_weight
    words = sentence_words([r.evidence.text for r in ranked])
    vectors = np.stack([r.vector for r in ranked])
    return np.stack([_scores(t, words, vectors, embedder, dense_weight) for t in texts], axis=1)
