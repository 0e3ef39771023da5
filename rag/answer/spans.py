"""Typed spans of evidence sentences: the people, organisations, places, dates and amounts they name.

spaCy's named-entity recogniser (the same checked ``en_core_web_sm`` pipeline that reads questions) runs
over the few best evidence sentences of a question, with only its ``tok2vec`` and ``ner`` pipes. Results
are memoised per sentence: the same sentences come back for related questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.question.answer_types import AnswerType
from rag.question.nlp import load_pipeline, parse_lock

# spaCy labels that can answer each question type (OntoNotes labels of en_core_web_sm).
LABELS: dict[AnswerType, frozenset[str]] = {
    AnswerType.PERSON: frozenset({"PERSON"}),
    # suppliers, buyers and allies are often countries ("the United States and European nations")
    AnswerType.ORGANISATION: frozenset({"ORG", "GPE", "NORP"}),
    AnswerType.PLACE: frozenset({"GPE", "LOC", "FAC"}),
    AnswerType.DATE: frozenset({"DATE", "TIME"}),
    AnswerType.MONEY: frozenset({"MONEY"}),
    # "How much did it raise?" is often parsed as a count, and spaCy calls durations ("20 years",
    # "every fifteen minutes") dates: amounts, shares, dates and times may answer a count too
    AnswerType.QUANTITY: frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME"}),
    AnswerType.PERCENT: frozenset({"PERCENT"}),
}
_NER_PIPES = ("tok2vec", "ner")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class TypedSpan:
    """A named span of a sentence: its text (no leading article or possessive), label and offsets."""

    text: str
    label: str
    start: int
    end: int


def typed_spans(sentences: list[str]) -> list[tuple[TypedSpan, ...]]:
    """The named spans of each sentence, in order (memoised per sentence)."""
    todo = [s for s in dict.fromkeys(sentences) if _cached(s) is None]
    if todo:
        nlp = load_pipeline()
        disabled = [name for name in nlp.pipe_names if name not in _NER_PIPES]
        with parse_lock:
            docs = list(nlp.pipe(todo, disable=disabled))
        for text, doc in zip(todo, docs, strict=True):
            _remember(text, tuple(_clean(e.text, e.label_, e.start_char) for e in doc.ents))
    return [_cached(s) or () for s in sentences]


def _clean(text: str, label: str, start: int) -> TypedSpan:
    lead = _LEADING.match(text)
    if lead and label not in {"DATE", "TIME", "MONEY", "CARDINAL", "QUANTITY", "PERCENT"}:
        text, start = text[lead.end() :], start + lead.end()
    text = _POSSESSIVE.sub("", text)
    return TypedSpan(text, label, start, start + len(text))


_MEMO: dict[str, tuple[TypedSpan, ...]] = {}
_MEMO_SIZE = 20_000


def _cached(sentence: str) -> tuple[TypedSpan, ...] | None:
    return _MEMO.get(sentence)


def _remember(sentence: str, spans: tuple[TypedSpan, ...]) -> None:
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[sentence] = spans


@lru_cache(maxsize=4096)
def name_key(text: str) -> str:
    """A span's comparison key: lower case, letters and digits only ("Bankman-Fried's" -> "bankmanfried")."""
    return re.sub(r"[^a-z0-9]", "", _POSSESSIVE.sub("", text.lower()))
