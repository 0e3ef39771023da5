"""The named things and dates of a question, with normalised forms ("South Korean" -> "South Korea")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rag.question.answer_types import FOCUS_TYPES
from rag.question.places import find_place, place_index

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

DATE_LABELS = frozenset({"DATE", "TIME"})
# Words the tagger often calls proper nouns that are common nouns ("the CEO"): no entity alone.
COMMON_NOUNS = frozenset().union(*FOCUS_TYPES.values())
# A proper-noun run that spaCy's small model did not call an entity ("IQDEX", "The Verge").
FALLBACK_LABEL = "PROPN"
_MODEL_CODE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9][A-Za-z0-9\-]*$")  # FA-50, A320neo
# dateparser also reads "may", "now" and "second" as dates; keep what looks like one.
_DATE_LIKE = re.compile(
    r"\d|\b(?:ago|yesterday|today|tomorrow|last|next|this|week|weeks|month|months|year|years)\b"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday"
    r"|Saturday|Sunday)\b"
)


@dataclass(frozen=True)
class Entity:
    """A named thing in the question: its text, spaCy label, and the forms it may take in articles."""

    text: str
    label: str
    start: int  # character offsets in the question
    end: int
    forms: tuple[str, ...]  # the text first; for places also the country's name and demonym
    place: str | None = None  # the country or territory it names or describes


@dataclass(frozen=True)
class QuestionDate:
    """A date phrase of the question and, when dateparser could read it, its value."""

    text: str
    value: datetime | None


def _entity(span: Span, label: str) -> Entity:
    unprefixed = re.sub(r"^(?:[Tt]he)\s+", "", span.text)
    text = re.sub(r"['’]s$", "", unprefixed)
    place = find_place(text)
    forms = (text, *(f for f in place.forms if f != text)) if place else (text,)
    start = span.start_char + len(span.text) - len(unprefixed)
    return Entity(text, label, start, start + len(text), forms, place.name if place else None)


def _place_spans(doc: Doc) -> list[Span]:
    """Country names and demonyms written as such, even where the NER missed them ("Kiwi")."""
    index = place_index()
    spans: list[Span] = []
    i = 0
    while i < len(doc):
        for width in (4, 3, 2, 1):
            span = doc[i : i + width]
            if len(span) == width and span.text in index and span.text[0].isupper():
                spans.append(span)
                i += width - 1
                break
        i += 1
    return spans


def _proper_noun_runs(doc: Doc) -> list[Span]:
    """Runs of proper nouns (and model codes like "FA-50") outside any entity."""
    runs: list[Span] = []
    start: int | None = None
    for token in [*doc, None]:
        inside = token is not None and (token.pos_ == "PROPN" or _MODEL_CODE.match(token.text) is not None)
        if inside and start is None and token is not None:
            start = token.i
        elif not inside and start is not None:
            end = token.i if token is not None else len(doc)
            if doc[start].lower_ == "the":
                start += 1
            if start < end and not (end - start == 1 and doc[start].lower_ in COMMON_NOUNS):
                runs.append(doc[start:end])
            start = None
    return runs


def find_entities(doc: Doc) -> tuple[Entity, ...]:
    """spaCy's entities (dates aside), then country names it missed, then other proper-noun runs."""
    taken = [False] * len(doc)
    found: list[tuple[Span, str]] = []

    def add(span: Span, label: str) -> None:
        if any(taken[span.start : span.end]):
            return
        for i in range(span.start, span.end):
            taken[i] = True
        found.append((span, label))

    for ent in doc.ents:
        if ent.label_ in DATE_LABELS:
            for i in range(ent.start, ent.end):
                taken[i] = True
        else:
            add(ent, ent.label_)
    for span in _place_spans(doc):
        place = find_place(span.text)
        add(span, "GPE" if place is not None and place.name == span.text else "NORP")
    for span in _proper_noun_runs(doc):
        add(span, FALLBACK_LABEL)
    found.sort(key=lambda pair: pair[0].start)
    return tuple(_entity(span, label) for span, label in found)


def find_dates(doc: Doc, now: datetime) -> tuple[QuestionDate, ...]:
    """Dates read by dateparser ("8 days ago", "in 2027") plus spaCy DATE/TIME entities it missed."""
    from dateparser.search import search_dates

    settings = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": now, "RETURN_AS_TIMEZONE_AWARE": False}
    # search_dates costs milliseconds even when it finds nothing: skip questions without a date-like word
    matches: list[tuple[str, datetime]] = []
    if _DATE_LIKE.search(doc.text):
        matches = search_dates(doc.text, languages=["en"], settings=settings) or []  # type: ignore[arg-type]
    dates = [QuestionDate(text, value) for text, value in matches if _DATE_LIKE.search(text)]
    for ent in doc.ents:
        if ent.label_ in DATE_LABELS and not any(_overlaps(ent.text, d.text) for d in dates):
            dates.append(QuestionDate(ent.text, None))
    return tuple(dates)


def _overlaps(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a in b or b in a
