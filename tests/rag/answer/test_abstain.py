"""Abstention signals: the question's specifics in the evidence; refusals by a backend."""

from __future__ import annotations

from rag.answer.abstain import check_specifics, says_cannot_answer, specific_terms


def test_specific_terms_are_names_titles_and_rare_numbers() -> None:
    q = "Considering the article by The Guardian on Shubha Satheesh, did she win 1,250 votes in 2023?"
    terms = specific_terms(q)
    assert "guardian" in terms
    assert "shubha satheesh" in terms
    assert "1250" in terms
    assert "2023" not in terms and "considering" not in " ".join(terms)


def test_missing_specifics_are_reported() -> None:
    evidence = ["The Guardian reported that the minister resigned.", "Satheesh is not mentioned."]
    found = check_specifics("What did The Guardian say about Shubha Satheesh?", evidence)
    assert found.missing == ["shubha satheesh"]
    assert found.missing_share == 0.5
    assert check_specifics("What did The Guardian report?", evidence).missing == []


def test_refusals_are_recognised() -> None:
    assert says_cannot_answer("The articles do not answer this.")
    assert says_cannot_answer("I'm sorry, the sources do not provide information about that.")
    assert says_cannot_answer("")
    assert not says_cannot_answer("The deal was signed on 3 May [1].")
    assert not says_cannot_answer("Officials said they do not expect delays [2].")
