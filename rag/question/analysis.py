"""One analysis of a question, from spaCy's parse: what it asks for, about what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING

from rag.question.answer_types import AnswerType, classify, offers_alternatives, predicate
from rag.question.entities import Entity, QuestionDate, find_dates, find_entities
from rag.question.nlp import parse

if TYPE_CHECKING:
    from spacy.tokens import Doc


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks for and what it names.

    ``focus`` is the noun asked about ("agency", "price", "systems" -> "system"), or, when the question
    names none, the main verb's lemma ("When was IQDEX held?" -> "hold"). ``predicate`` is always the
    main verb's lemma ("" when the root is not a verb).
    """

    question: str
    answer_type: AnswerType
    focus: str
    predicate: str
    entities: tuple[Entity, ...]
    dates: tuple[QuestionDate, ...]
    focus_phrase: str = ""  # the focus with its modifiers, as written: "contract price"

    @property
    def is_yes_no(self) -> bool:
        """Whether the question expects "Yes" or "No" ("Did Bloomberg report on IQDEX?")."""
        return self.answer_type is AnswerType.YES_NO

    @property
    def is_choice(self) -> bool:
        """Whether a yes/no-shaped question asks to choose ("consistent or inconsistent?"): no "Yes"."""
        return self.is_yes_no and offers_alternatives(self.question)

    @property
    def places(self) -> tuple[str, ...]:
        """The countries the question names or describes, by their usual names."""
        return tuple(dict.fromkeys(e.place for e in self.entities if e.place))


def analyze(question: str, now: datetime | None = None) -> QuestionAnalysis:
    """Analyse ``question``; relative dates ("8 days ago") count back from ``now`` (default: today).

    Results are memoised per question and day, so the retriever and the chain may both ask.
    """
    base = now or datetime.combine(date.today(), time())
    return _analyze(question.strip(), base)


@lru_cache(maxsize=2048)
def _analyze(question: str, now: datetime) -> QuestionAnalysis:
    doc = parse(question)
    answer_type, focus = classify(doc)
    return QuestionAnalysis(
        question=question,
        answer_type=answer_type,
        focus=focus,
        predicate=predicate(doc),
        entities=find_entities(doc),
        dates=find_dates(doc, now),
        focus_phrase=_focus_phrase(doc, focus),
    )


def _focus_phrase(doc: Doc, focus: str) -> str:
    """The focus noun with its compound and adjective modifiers ("contract price"), else the focus."""
    token = next((t for t in doc if t.lemma_.lower() == focus and t.pos_ in {"NOUN", "PROPN"}), None)
    if token is None:
        return focus
    modifiers = [
        c.i
        for c in token.lefts
        if (c.dep_ in {"compound", "amod", "nmod"} and c.lower_ not in {"many", "much"})
        or (c.dep_ == "nummod" and any(ch.isalpha() for ch in c.text))  # a model code: "FA-50 jets"
    ]
    start = min([token.i, *modifiers])
    return doc[start : token.i + 1].text
