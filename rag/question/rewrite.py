"""Ellipsis: a bare question word asks the previous question again with that word ("When?")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.question.answer_types import question_start, wh_token
from rag.question.references import wh_phrase_end

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

_DO_SUPPORT = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_SUBJECTS = {"nsubj", "nsubjpass"}


def with_question_word(bare: Doc, previous: Doc) -> str:
    """``previous`` asked with the question word of ``bare``.

    "Where was IQDEX held?" + "When?" -> "When was IQDEX held?"; "Which systems were discussed at
    IQDEX?" + "Where?" -> "Where were the systems discussed at IQDEX?"; "Did Bloomberg report on IQDEX?"
    + "When?" -> "When did Bloomberg report on IQDEX?".
    """
    start = question_start(bare)
    word = bare[start : max(wh_phrase_end(bare), start + 1)].text
    word = word[:1].upper() + word[1:]
    wh = wh_token(previous)
    if wh is None:  # a yes/no question: "When did Bloomberg report on IQDEX?"
        first = previous[question_start(previous)]
        rest = previous[first.i :].text
        if first.pos_ != "PROPN":
            rest = rest[:1].lower() + rest[1:]
        return f"{word} {rest}"
    asked = _asked_phrase(previous)
    if asked is not None:
        return _around_phrase(word, previous, asked)
    if wh.dep_ in _SUBJECTS:  # "Who won the final?": no clause to put the new word into
        return f"{word}: {previous[question_start(previous) :].text}"
    return f"{word} {previous[wh_phrase_end(previous) :].text}"


def _asked_phrase(doc: Doc) -> Span | None:
    """The noun phrase the question word governs: "Which *systems*", "How many *FA-50 jets*"."""
    wh = wh_token(doc)
    if wh is None:
        return None
    if wh.dep_ == "det" and wh.head.pos_ in {"NOUN", "PROPN"} and wh.head.i > wh.i:
        return doc[wh.i + 1 : wh.head.i + 1]
    end = wh_phrase_end(doc)
    if wh.lower_ == "how" and end > wh.i + 1:
        counter = doc[end - 1]
        if counter.head.pos_ in {"NOUN", "PROPN"} and counter.head.i >= end:
            return doc[end : counter.head.i + 1]
    return None


def _around_phrase(word: str, doc: Doc, asked: Span) -> str:
    noun = asked.root
    phrase = asked.text if noun.pos_ == "PROPN" else f"the {asked.text}"
    rest = doc[asked.end :]
    tail = rest.text.rstrip("?").rstrip()
    if noun.dep_ in _SUBJECTS and len(rest) > 0:
        first = rest[0]
        after = doc[first.i + 1 :].text
        if first.pos_ == "AUX":  # Which systems were discussed -> Where were the systems discussed
            return f"{word} {first.text} {phrase} {after}"
        if first.tag_ in _DO_SUPPORT:  # Which company bought X -> When did the company buy X
            return f"{word} {_DO_SUPPORT[first.tag_]} {phrase} {first.lemma_} {after}"
    return f"{word} {tail} {phrase}?"  # Which systems did Iraq buy -> When did Iraq buy the systems
