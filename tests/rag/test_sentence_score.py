"""The one sentence score shared by excerpts, evidence ranking, verification and the reranker."""

from __future__ import annotations

import numpy as np
import pytest

from rag.sentence_score import SentenceScorer, sentence_words

SENTENCES = [
    "The talks took place at IQDEX 2025 in Baghdad.",
    "Seoul offered helicopters and fighter jets.",
    "Rain fell on Sydney.",
]


def test_lexical_share_counts_stemmed_content_words_and_weights_them_by_idf() -> None:
    words = sentence_words(SENTENCES)
    plain = SentenceScorer(0.0).lexical("Where were the talks at IQDEX held?", words)
    # content words: talk, iqdex, held -> the first sentence holds talk and iqdex
    assert plain[0] == pytest.approx(2 / 3) and plain[2] == 0.0
    rare = SentenceScorer(0.0, idf=lambda w: 10.0 if w == "iqdex" else 1.0)
    assert rare.lexical("Where were the talks at IQDEX held?", words)[0] == pytest.approx(11 / 12)
    assert SentenceScorer(0.0).lexical("Where was it?", words).tolist() == [0.0, 0.0, 0.0]


def test_the_score_mixes_cosine_and_lexical_share_by_the_dense_weight() -> None:
    words = sentence_words(SENTENCES)
    cosines = np.array([0.2, 0.9, 0.1], dtype=np.float32)
    scorer = SentenceScorer(0.5)
    mixed = scorer.scores("Which jets did Seoul offer?", words, cosines)
    lexical = scorer.lexical("Which jets did Seoul offer?", words)
    assert mixed == pytest.approx(0.5 * cosines + 0.5 * lexical)
    assert int(np.argmax(mixed)) == 1
    assert scorer.scores("Which jets did Seoul offer?", words, None) == pytest.approx(lexical)
