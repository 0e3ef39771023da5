"""Acronyms of a question spelled out from the evidence texts."""

from __future__ import annotations

from rag.question.acronyms import expansions, spell_out, spelled_question
from rag.question.analysis import analyze


def test_an_acronym_is_spelled_out_from_the_evidence() -> None:
    texts = ["Dr. Lee, an analyst at the Korea Institute for Defense Analyses, spoke with Bank of America."]
    analysis = spell_out(analyze("What did the KIDA analyst say about the BOA loan?"), texts)
    forms = {e.text: e.forms for e in analysis.entities}
    assert "Korea Institute for Defense Analyses" in forms["KIDA"]
    assert "Bank of America" in forms["BOA"]
    assert spelled_question(analysis).startswith("What did the Korea Institute for Defense Analyses analyst")
    assert expansions("NATO", texts) == []
