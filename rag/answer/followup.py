"""Follow-up questions without an LLM: the standalone form, read over the whole conversation.

Each earlier user turn is resolved in order, so what it carried is carried on. Then:

- a bare question word takes the previous question's predicate: "Where was IQDEX held?" -> "When?" becomes
  "When was IQDEX held?";
- a pronoun becomes the most recent compatible mention: "Where was it held?" after "Which systems were
  discussed at IQDEX?" becomes "Where was IQDEX held?";
- "And Iraq?" swaps the matching entity of the previous question;
- a short or "and ..." question that names nothing gets the previous question's entities in brackets;
- a question with its own entities and nothing pointing back is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rag.question.entities import DATE_LABELS, find_entities
from rag.question.nlp import parse
from rag.question.references import (
    NUMERIC_LABELS,
    THING,
    Pronoun,
    antecedent,
    is_bare,
    mentions,
    pronouns,
)
from rag.question.rewrite import with_question_word
from rag.types import Turn

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Earlier user turns read to resolve one question: enough for a topic, bounded for long chats.
MAX_TURNS = 6
SHORT_QUESTION_WORDS = 5
_LEAD = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?)\b[\s,]*", re.IGNORECASE)
_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\b", re.IGNORECASE)


def as_turns(history: Sequence[Turn | Mapping[str, str]] | None) -> list[Turn]:
    """Accept ``Turn`` objects or ``{"role": ..., "content": ...}`` dicts (as chat UIs send them)."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        else:
            turns.append(Turn(str(item.get("role", "user")), str(item.get("content", ""))))
    return [t for t in turns if t.content.strip()]


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The standalone form of ``question`` given the conversation so far (unchanged when not a follow-up)."""
    earlier = [t.content.strip() for t in history if t.role == "user" and t.content.strip()][-MAX_TURNS:]
    resolved: list[str] = []
    for turn in earlier:
        resolved.append(_resolve(turn, resolved))
    return _resolve(question, resolved)


def _resolve(question: str, earlier: list[str]) -> str:
    if not earlier or not question.strip():
        return question
    lead = _LEAD.match(question)
    body = _capitalised(question[lead.end() :] if lead else question) or question.strip()
    about = _ABOUT.match(body)
    doc = parse(body)
    if is_bare(doc):
        return with_question_word(doc, parse(earlier[-1]))
    referring = pronouns(doc)
    if referring:
        return _replace_pronouns(body, referring, earlier)
    own = [e for e in find_entities(doc) if e.label not in NUMERIC_LABELS]
    dated = any(ent.label_ in DATE_LABELS for ent in doc.ents)
    if own or dated:
        if (lead or about) and _only_names(doc, about.end() if about else 0):
            return _substitute(doc, earlier[-1]) or question
        return question
    if lead or about or len([t for t in doc if not t.is_punct]) <= SHORT_QUESTION_WORDS:
        return _carry(body, earlier)
    return question


def _capitalised(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _replace_pronouns(body: str, referring: list[Pronoun], earlier: list[str]) -> str:
    """Each pronoun replaced by its antecedent; a common-noun antecedent brings its question's names."""
    candidates = [(n, m) for n in reversed(range(len(earlier))) for m in mentions(parse(earlier[n]))]
    text = body
    context: list[str] = []
    resolved = False
    for pronoun in reversed(referring):
        found = antecedent(pronoun, [m for _, m in candidates])
        if found is None:
            continue
        turn = next(n for n, m in candidates if m is found)
        words = found.text + ("'s" if pronoun.possessive else "")
        text = (
            text[: pronoun.start]
            + (_capitalised(words) if pronoun.start == 0 else words)
            + text[pronoun.end :]
        )
        resolved = True
        if not found.named:  # "the arms deal" needs "South Korea, Iraq" to be found again
            context += reversed([m.text for n, m in candidates if n == turn and m.named])
    if not resolved:
        return _carry(text, earlier)
    return _bracketed(text, context)


def _carry(body: str, earlier: list[str]) -> str:
    """``body`` with what the conversation was about in brackets: "What about the price (the deal, Iraq)?".

    That is the names of the most recent earlier question that has any, after the thing it asked about.
    """
    previous = mentions(parse(earlier[-1]))
    carried = [previous[0].text] if previous and previous[0].label == THING and not previous[0].named else []
    for turn in reversed(earlier):
        named = [m.text for m in mentions(parse(turn)) if m.named]
        if named:
            carried += reversed(named)
            break
    return _bracketed(body, carried)


def _bracketed(body: str, carried: list[str]) -> str:
    present = body.lower()
    missing = [text for text in dict.fromkeys(carried) if text.lower() not in present]
    if not missing:
        return body
    stem = body.rstrip().rstrip("?").rstrip()
    return f"{stem} ({', '.join(missing)})?"


def _only_names(doc: Doc, after: int) -> bool:
    """Whether the question past char ``after`` is only names and dates: "Iraq?", "the Philippines?"."""
    named = {t.i for ent in doc.ents for t in ent}
    for entity in find_entities(doc):
        span = doc.char_span(entity.start, entity.end, alignment_mode="expand")
        named |= {t.i for t in span} if span is not None else set()
    rest = [t for t in doc if t.idx >= after]
    return all(t.i in named or t.is_punct or t.pos_ in {"DET", "ADP"} for t in rest)


def _substitute(doc: Doc, previous: str) -> str | None:
    """The previous question with its entity of the same kind swapped for this one's, or None.

    "How many jets will be delivered to Iraq?" + "And the Philippines?" -> "... to the Philippines?".
    """
    old = _by_kind(parse(previous))
    text = previous
    for kind, new_text in _by_kind(doc).items():
        if kind in old and old[kind] in text:
            text = text.replace(old[kind], new_text, 1)
    return text if text != previous else None


def _by_kind(doc: Doc) -> dict[str, str]:
    """The first entity or date of each kind, with its "the" ("the Philippines"); places are one kind."""
    found: dict[str, str] = {}
    for entity in find_entities(doc):
        kind = "place" if entity.place or entity.label in {"GPE", "LOC"} else entity.label
        the = doc.text[: entity.start].lower().endswith("the ")
        found.setdefault(kind, f"the {entity.text}" if the else entity.text)
    for ent in doc.ents:
        if ent.label_ in DATE_LABELS:
            found.setdefault("date", ent.text)
    return found
