"""Citation verification with the real embedding model: keep, re-cite, or flag; never force a citation."""

from __future__ import annotations

import pytest

from rag.answer.context import pack_sources
from rag.verify import SupportScorer, Verifier, split_claims
from store.embeddings import Embedder, shared_embedder
from tests.rag.answer.helpers import make_hit

DEAL = (
    "South Korea and Iraq discussed the sale of KAI helicopters at IQDEX 2025. "
    "The talks took place in Baghdad from April 19 to April 22. "
    "Officials said the package could be worth 1.2 billion dollars."
)
WEATHER = "Heavy rain flooded parts of Sydney on Monday. Trains were cancelled across the city."


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder("all-MiniLM-L6-v2", "torch", "cpu", 32)


@pytest.fixture(scope="module")
def pool() -> list[tuple[int, object]]:
    sources = pack_sources([make_hit("deal", DEAL, rank=1), make_hit("rain", WEATHER, rank=2)], 1000)
    return [(s.n, e) for s in sources for e in s.evidence()]


def test_split_claims_reads_every_marker_style() -> None:
    claims = split_claims(
        "Talks were held in Baghdad [1]. Prices rose [1, 2]. Rain fell. [2] Trains stopped [2][1]."
    )
    assert [(c.text, c.cited) for c in claims] == [
        ("Talks were held in Baghdad.", [1]),
        ("Prices rose.", [1, 2]),
        ("Rain fell.", [2]),
        ("Trains stopped.", [2, 1]),
    ]


def test_paraphrase_keeps_its_citation_with_exact_offsets(embedder: Embedder, pool: list) -> None:  # type: ignore[type-arg]
    verified = Verifier(SupportScorer(embedder)).verify("The talks were held in Baghdad in April [1].", pool)
    assert verified.unsupported == []
    (citation,) = verified.citations
    assert citation.quote == "The talks took place in Baghdad from April 19 to April 22."
    assert DEAL[citation.start : citation.end] == citation.quote
    assert verified.text == "The talks were held in Baghdad in April [1]."


def test_wrong_citation_is_moved_to_the_supporting_source(embedder: Embedder, pool: list) -> None:  # type: ignore[type-arg]
    verified = Verifier(SupportScorer(embedder)).verify("Rain flooded parts of Sydney on Monday [1].", pool)
    (citation,) = verified.citations
    assert citation.article_id == "rain" and verified.unsupported == []


def test_unsupported_sentence_gets_no_citation(embedder: Embedder, pool: list) -> None:  # type: ignore[type-arg]
    answer = (
        "KAI helicopters were discussed at IQDEX 2025 [1]. The deal was signed by 40 generals in Paris [1]."
    )
    verified = Verifier(SupportScorer(embedder)).verify(answer, pool)
    assert verified.unsupported == ["The deal was signed by 40 generals in Paris."]
    assert len(verified.citations) == 1
    assert verified.text.endswith("The deal was signed by 40 generals in Paris.")


def test_wrong_number_is_not_supported(embedder: Embedder, pool: list) -> None:  # type: ignore[type-arg]
    scorer = SupportScorer(embedder)
    right = scorer.combine("The package could be worth 1.2 billion dollars.", DEAL.split(". ")[2], 0.9)
    wrong = scorer.combine("The package could be worth 7.5 billion dollars.", DEAL.split(". ")[2], 0.9)
    assert right == 1.0 and wrong < 0.55


def test_a_marker_group_after_the_last_full_stop_cites_the_uncited_sentences_before_it() -> None:
    # how small LLMs often cite: every marker at the very end (seen with Qwen2.5-Coder-1.5B)
    claims = split_claims("The founder is Sam Bankman-Fried. He is accused of fraud. [1] [2]")
    assert [(c.text, c.cited) for c in claims] == [
        ("The founder is Sam Bankman-Fried.", [1, 2]),
        ("He is accused of fraud.", [1, 2]),
    ]
    own = split_claims("Alpha rose [1]. Beta fell. Gamma held. [2]")
    assert [c.cited for c in own] == [[1], [2], [2]], "a sentence with its own marker keeps only it"
    inside = split_claims("Alpha rose. Beta fell [1].")
    assert [c.cited for c in inside] == [[], [1]], "a marker inside a sentence cites that sentence alone"


def test_an_answer_stated_alone_is_supported_by_the_sentence_that_names_it() -> None:
    from rag.verify import _quotes

    assert _quotes("Baghdad.", "The exhibition was held in Baghdad in April.")
    assert _quotes("$565 million.", "Star Entertainment raised $565 million.")
    assert not _quotes("Iran.", "Iranian officials attended.")  # whole words only
    assert not _quotes("No.", "No deal was signed.")  # a bare yes or no is not a quote
