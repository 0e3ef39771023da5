"""Answer metrics on hand-computed cases."""

from __future__ import annotations

import pytest

from evals.answer_metrics import (
    CitedClaim,
    Quote,
    cited_claims,
    evidence_coverage,
    fact_covered,
    lenient_correct,
    normalize_answer,
    strict_correct,
    support_score,
    supported_citations,
)


def test_normalize_answer() -> None:
    assert normalize_answer("The answer is: Sam Bankman-Fried [1][2].") == "answer is sam bankman fried"
    assert normalize_answer("  Yes!  ") == "yes"


@pytest.mark.parametrize(
    ("gold", "answer", "expected"),
    [
        ("Sam Bankman-Fried", "Prosecutors say Sam Bankman-Fried's fraud was deliberate [1].", True),
        ("no", "There is not enough evidence [1].", False),  # whole words: "no" is not in "not"
        ("no", "No, the two reports disagree [1][2].", True),
        ("Google", "Alphabet's search unit [1]", False),
        ("Insufficient information.", "insufficient information", True),
        ("", "anything", False),
    ],
)
def test_lenient(gold: str, answer: str, expected: bool) -> None:
    assert lenient_correct(gold, answer) is expected


@pytest.mark.parametrize(
    ("gold", "answer", "expected"),
    [
        ("Yes", "Yes, both outlets report the launch [1][2].", True),
        ("yes", "Both outlets say yes [1].", False),
        ("No", "no", True),
        ("Sam Bankman-Fried", "Sam Bankman-Fried, the former CEO of FTX, is on trial [1].", True),
        ("Sam Bankman-Fried", "Sam Bankman-Fried. He is on trial [1].", True),
        ("Sam Bankman-Fried", "The former FTX CEO Sam Bankman-Fried is on trial [1].", False),
        ("Google", "Google [1]", True),
        ("Google", "Google — according to TechCrunch [2]", True),
    ],
)
def test_strict(gold: str, answer: str, expected: bool) -> None:
    assert strict_correct(gold, answer) is expected


def test_cited_claims_split_at_markers() -> None:
    text = "Intro sentence. A says X [1]. B says Y [2][3]. Trailing text without a source."
    assert cited_claims(text) == [CitedClaim("A says X", (1,)), CitedClaim("B says Y", (2, 3))]
    assert cited_claims("Joint claim [1, 4].") == [CitedClaim("Joint claim", (1, 4))]
    assert cited_claims("No markers at all.") == []


def test_extractive_style_answer_is_fully_supported() -> None:
    q1 = "DAPA confirmed the talks, held at IQDEX 2025 in Baghdad from April 19-22."
    q2 = "Iraq wants helicopters and fighter jets."
    text = f"{q1} [1] {q2} [2]"
    assert supported_citations(text, {1: q1, 2: q2}) == {1: True, 2: True}


def test_support_requires_words_and_numbers() -> None:
    quote = "Revenue rose 15 percent in 2023, the company said."
    assert support_score("Revenue rose 15 percent in 2023", quote) == 1.0
    assert support_score("Profits collapsed", quote) == 0.0
    # right words, wrong number: unsupported
    assert supported_citations("Revenue rose 12 percent in 2023 [1].", {1: quote}) == {1: False}
    assert supported_citations("Revenue rose 15 percent in 2023 [1].", {1: quote}) == {1: True}
    # a citation whose marker never appears backs nothing
    assert supported_citations("Revenue rose 15 percent in 2023 [1].", {1: quote, 2: quote}) == {
        1: True,
        2: False,
    }


def test_multi_citation_claim_needs_a_share_from_each() -> None:
    claim = "Apple sued Google over maps while Microsoft cut prices."
    a = "Apple sued Google over maps."  # 4 of the claim's 8 content words
    b = "Microsoft cut prices on Surface."  # 3 of 8, above 0.5 / 3
    c = "The weather was mild."  # 0 of 8
    assert supported_citations(f"{claim} [1][2][3]", {1: a, 2: b, 3: c}) == {1: True, 2: True, 3: False}


def test_evidence_coverage() -> None:
    fact = "The Defense Acquisition Program Administration confirmed the talks in Baghdad."
    same = Quote(
        "Officials said: The  Defense Acquisition Program Administration confirmed the talks in Baghdad."
    )
    assert fact_covered(fact, [same])
    substantial = Quote("The Defense Acquisition Program Administration confirmed the talks")
    assert fact_covered(fact, [substantial])
    fragment = Quote("confirmed the talks")
    assert not fact_covered(fact, [fragment])
    parts = ["The Defense Acquisition", "Program Administration confirmed", "the talks in Baghdad."]
    assert not any(fact_covered(fact, [Quote(p)]) for p in parts)  # each under half the fact
    joined = [Quote(p, "a", start) for p, start in zip(parts, (10, 40, 80), strict=True)]
    assert fact_covered(fact, joined[::-1])  # joined in text order within one article
    assert not fact_covered(fact, [Quote(p, str(i)) for i, p in enumerate(parts)])
    assert evidence_coverage([fact, "Something else entirely."], [same]) == 0.5
    assert evidence_coverage([fact, fact], [same]) == 1.0
    assert evidence_coverage([], [same]) is None
    assert evidence_coverage([fact], []) == 0.0


def test_attribution_is_supported_by_the_citation_metadata() -> None:
    quote = "Sam Bankman-Fried is on trial for seven counts of wire fraud."
    text = f"The Verge (2023-10-31): {quote} [1]"
    assert supported_citations(text, {1: quote}) == {1: False}  # the date is in no quote
    assert supported_citations(text, {1: quote}, {1: "The Verge 2023-10-31 FTX trial"}) == {1: True}


def test_the_lead_is_the_first_sentence_cut_to_forty_words() -> None:
    from evals.answer_metrics import LEAD_WORDS, lead, lead_names_gold

    assert lead("Baghdad [2]. The exhibition ran from April 19 to 22 [1].") == "Baghdad."
    assert lead_names_gold("Baghdad", "Baghdad [2]. Also Erbil [1].")
    assert not lead_names_gold("Erbil", "Baghdad [2]. Also Erbil [1].")
    long = " ".join(["word"] * LEAD_WORDS + ["Baghdad."])
    assert not lead_names_gold("Baghdad", long), "a gold answer past the 40th word is not in the lead"


def test_yes_no_questions_are_scored_per_gold_answer() -> None:
    from evals.answer_metrics import yes_no_gold
    from evals.report import answers_block
    from evals.scoring import QuestionResult

    assert yes_no_gold("Yes") == "yes" and yes_no_gold("no.") == "no" and yes_no_gold("Baghdad") is None

    def result(gold: str, answer: str) -> QuestionResult:
        return QuestionResult(
            qid=answer, dataset="t", question_type="comparison_query", answerable=True, question="q",
            gold=gold, answer=answer, abstained=False, lenient=False, strict=strict_correct(gold, answer),
            citations=0, supported=0, coverage=None, retrieval=None, top_tokens=[], timings_ms={},
            yes_no=yes_no_gold(gold),
        )  # fmt: skip

    always_yes = [result("Yes", "Yes [1]."), result("Yes", "Yes [2]."), result("No", "Yes [1].")]
    block = answers_block(always_yes)
    assert (block["yes_accuracy"], block["no_accuracy"], block["yes_no_balanced"]) == (1.0, 0.0, 0.5)
    assert block["lead_entity_rate"] is None
