"""A lone surname in a lead is written in full, as the passages give it."""

from __future__ import annotations

from dataclasses import replace

from rag.answer.lead import build_lead
from rag.answer.names import full_name
from rag.citations import Evidence
from rag.question.analysis import analyze
from tests.rag.answer.test_extractive import scored, source


def test_a_surname_takes_the_first_name_the_passages_use_most() -> None:
    a = source(1, "TechCrunch", "OpenAI CEO Sam Altman spoke first. Then Altman showed the agents.")
    b = source(2, "The Verge", "Altman was fired on Friday, and Sam Altman returned days later.")
    assert full_name("Altman", [a, b]) == "Sam Altman"  # never "CEO Altman" or "Then Altman"
    assert full_name("Sam Altman", [a, b]) == "Sam Altman"
    assert full_name("Nadella", [a, b]) == "Nadella"  # the passages never write it in full


def test_the_lead_names_a_person_in_full_when_its_sentence_gives_only_the_surname() -> None:
    text = "OpenAI's chief Sam Altman opened the conference. On Monday, Altman told developers of AI agents."
    a = source(1, "TechCrunch", text)
    start = text.index("On Monday")
    # the best sentence is the second one, which names him by his surname only
    evidence = replace(scored(a, 0.7, 0), evidence=Evidence(a.hits[0], text[start:], start, len(text)))
    lead = build_lead(analyze("Who told developers about AI agents?"), [evidence], [a])
    assert lead is not None and lead.render(lambda i: i.n) == "Sam Altman [1]."
