"""Yes/no verdicts: "Yes" when each part is supported, "No" on evidence against, else no verdict."""

from __future__ import annotations

import numpy as np

from rag.answer import Scored
from rag.answer.verdict import decide, read_parts
from tests.rag.answer.test_extractive import scored, source


def no_scores(parts: list[str]) -> np.ndarray:
    raise AssertionError("the ranking's own claim scores should be used")


TWO_PARTS = "Does TechCrunch report that Google paid billions, while The Verge says Apple defended the deal?"


def two_part_verdict(verge_text: str, claim_scores: tuple[tuple[float, float], tuple[float, float]]) -> str:
    a = source(1, "TechCrunch", "Google paid $26 billion to be the default search engine.")
    b = source(2, "The Verge", verge_text)
    ranked = [scored(a, 0.6, 0, claim_scores[0]), scored(b, 0.5, 1, claim_scores[1])]
    reading = read_parts(TWO_PARTS, ranked, no_scores, [a, b])
    assert reading is not None and len(reading.parts) == 2
    return decide(reading, [a, b]).render(lambda i: i.n)


def test_yes_when_every_part_has_its_sentence() -> None:
    verdict = two_part_verdict(
        "Apple defended its search deal with Google in court.", ((0.7, 0.2), (0.2, 0.65))
    )
    assert verdict == "Yes [1][2]."


def test_a_part_with_nothing_close_gets_no_verdict_never_a_guessed_no() -> None:
    verdict = two_part_verdict("A new phone launched with a larger battery.", ((0.7, 0.1), (0.1, 0.2)))
    assert verdict == "The sources do not settle this; what each says [1][2]:"


def test_a_part_naming_an_outlet_is_read_in_that_outlets_articles_only() -> None:
    # TechCrunch's sentence matches The Verge's part best, but The Verge's own article does not say it
    verdict = two_part_verdict("A new phone launched with a larger battery.", ((0.7, 0.6), (0.1, 0.2)))
    assert verdict.startswith("The sources do not settle this")


def test_the_order_of_two_reports_comes_from_their_dates() -> None:
    a = source(1, "TechCrunch", "Google paid $26 billion to be the default search engine.")
    b = source(2, "The Verge", "Apple defended its search deal with Google in court.")
    a.article.published_at, b.article.published_at = "2023-11-13", "2023-09-26"
    ranked: list[Scored] = [scored(a, 0.6, 0), scored(b, 0.55, 1)]

    def sides(parts: list[str]) -> np.ndarray:
        assert len(parts) == 2
        return np.array([[0.7, 0.1], [0.1, 0.7]])

    before = "Did TechCrunch report that Google paid billions before The Verge reported Apple's defense?"
    reading = read_parts(before, ranked, sides)
    assert reading is not None and reading.relation == "before"
    assert decide(reading, [a, b]).kind == "no"  # TechCrunch's article came later
    after = before.replace(" before ", " after ")
    reading = read_parts(after, ranked, sides)
    assert reading is not None
    lead = decide(reading, [a, b])
    assert lead.kind == "yes" and "2023-11-13" in lead.render(lambda i: i.n)


def test_an_event_before_another_is_not_an_order_of_reports() -> None:
    a = source(1, "Sporting News", "The Ravens defense must improve before facing the Bengals.")
    q = "Does the Sporting News article say the Ravens defense must improve before the Bengals game?"
    reading = read_parts(q, [scored(a, 0.7, 0)], lambda parts: np.array([[0.7, 0.7]]))
    assert reading is not None
    assert decide(reading, [a]).kind == "yes"


def test_a_question_offering_alternatives_gets_no_yes() -> None:
    question = (
        "Does TechCrunch report that Google paid billions, or does The Verge say Apple defended the deal?"
    )
    a = source(1, "TechCrunch", "Google paid $26 billion to be the default search engine.")
    b = source(2, "The Verge", "Apple defended its search deal with Google in court.")
    ranked = [scored(a, 0.6, 0, (0.7, 0.2)), scored(b, 0.5, 1, (0.2, 0.65))]
    reading = read_parts(question, ranked, no_scores, [a, b])
    assert reading is not None
    assert decide(reading, [a, b]).kind == "yes"  # read as a plain yes/no question it would say "Yes"
    assert decide(reading, [a, b], choice=True).render(lambda i: i.n).startswith("The sources do not settle")
