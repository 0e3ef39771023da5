"""Evidence ranking: each named outlet's sentences are judged by what the question says of it."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer.context import pack_sources
from rag.answer.ranking import rank_evidence
from rag.assistant import Assistant
from rag.calibration import load_calibration
from rag.settings import Settings
from rag.text import content_words
from store.cache import SentenceVectors
from store.embeddings import shared_embedder
from tests.rag.answer.helpers import make_hit

QUESTION = (
    "Did the Wire A article say the central bank raised interest rates, while the Wire B article "
    "reported that the striker scored twice in the final?"
)
WIRE_B = (
    "The central bank raised interest rates again on Tuesday, analysts said. "
    "The striker scored twice in the final to win the cup."
)


def test_an_outlets_sentences_are_ranked_by_its_own_clause() -> None:
    embedder = shared_embedder("all-MiniLM-L6-v2")
    sources = pack_sources(
        [
            make_hit("a", "The central bank raised interest rates by a quarter point.", source="Wire A"),
            make_hit("b", WIRE_B, source="Wire B", rank=2),
        ],
        1000,
    )
    clauses = {
        "Wire A": "Did the article say the central bank raised interest rates, while the",
        "Wire B": "article reported that the striker scored twice in the final?",
    }
    plain = [r.evidence.text for r in rank_evidence(QUESTION, sources, embedder) if r.n == 2]
    judged = [
        r.evidence.text for r in rank_evidence(QUESTION, sources, embedder, clauses=clauses) if r.n == 2
    ]
    assert plain[0].startswith("The central bank")  # the whole question favours Wire A's topic
    assert judged[0].startswith("The striker")  # Wire B's own claim
    short = {"Wire B": "and"}  # a clause with no words of its own changes nothing
    assert [r.evidence.text for r in rank_evidence(QUESTION, sources, embedder, clauses=short)] == [
        r.evidence.text for r in rank_evidence(QUESTION, sources, embedder)
    ]


def test_each_claim_of_a_multi_part_question_scores_its_own_evidence() -> None:
    embedder = shared_embedder("all-MiniLM-L6-v2")
    question = (
        "Which company spent $26.3 billion to remain the default search engine on phones, and was "
        "accused in a class action of siphoning off news publishers' ad revenue?"
    )
    text = (
        "Google paid $26.3 billion in 2021 to be the default search engine on phones and browsers. "
        "A class action says Google siphons off the content and ad revenue of news publishers."
    )
    sources = pack_sources([make_hit("a", text, source="Wire A")], 1000)
    ranked = rank_evidence(question, sources, embedder)
    by_text = {r.evidence.text[:6]: r for r in ranked}
    assert all(len(r.claim_scores) == 2 for r in ranked)
    # each sentence is the best match of its own claim, and matches it better than the whole question
    assert by_text["Google"].claim_scores[0] > by_text["A clas"].claim_scores[0]
    assert by_text["A clas"].claim_scores[1] > by_text["Google"].claim_scores[1]
    assert all(r.best_claim > r.score for r in ranked)
    single = rank_evidence("Which company paid to be the default search engine?", sources, embedder)
    assert all(r.claim_scores == () and r.best_claim == r.score for r in single)


def test_dense_weight_mixes_cosine_and_word_overlap(settings: Settings) -> None:
    embedder = shared_embedder("all-MiniLM-L6-v2")
    question = "Which radar systems did the ministry deliver to the northern brigade?"
    text = "The ministry delivered radar systems to the brigade. Officials praised the weather."
    sources = pack_sources([make_hit("a", text, source="Wire A")], 1000)
    q = np.asarray(embedder.embed_query(question))
    words = set(content_words(question))
    for weight in (0.0, 0.5, 1.0):
        for item in rank_evidence(question, sources, embedder, dense_weight=weight):
            cosine = float(np.asarray(embedder.embed([item.evidence.text]))[0] @ q)
            overlap = len(words & set(content_words(item.evidence.text))) / len(words)
            assert item.score == pytest.approx(weight * cosine + (1 - weight) * overlap, abs=1e-5)
    calibration = load_calibration().with_values(evidence_dense_weight=0.2)
    chain = Assistant.from_settings(settings, calibration=calibration).chain
    assert chain.config.evidence_dense_weight == 0.2  # the calibrated weight reaches the ranking


def test_an_empty_sentence_memo_is_used_and_filled() -> None:
    embedder = shared_embedder("all-MiniLM-L6-v2")
    sources = pack_sources([make_hit("a", WIRE_B, source="Wire B")], 1000)
    memo = SentenceVectors(embedder)  # empty, as on a fresh store: it must not be skipped as falsy
    ranked = rank_evidence(QUESTION, sources, embedder, sentence_vectors=memo)
    assert len(memo) == len(ranked) == 2
