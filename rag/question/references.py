"""What a question refers back to: its pronouns, and the things an earlier question offers as antecedents.

A pronoun resolves to the most recent compatible mention: "it" to an event, organisation or thing, "he"
and "she" to a person, "they" to an organisation, a people or a plural noun.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.question.answer_types import FOCUS_TYPES, WH_TAGS, AnswerType, question_start, wh_token
from rag.question.entities import COMMON_NOUNS, DATE_LABELS, FALLBACK_LABEL, find_entities

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

THING = "THING"  # a common-noun phrase ("the arms deal"): "it" if a thing, "he"/"she" if a person
NUMERIC_LABELS = frozenset({"CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}) | DATE_LABELS
# Which mentions each pronoun may stand for.
COMPATIBLE: dict[str, frozenset[str]] = {
    "it": frozenset({"EVENT", "ORG", "PRODUCT", "FAC", "WORK_OF_ART", "LAW", FALLBACK_LABEL}),
    "he": frozenset({"PERSON"}),
    "she": frozenset({"PERSON"}),
    "they": frozenset({"ORG", "NORP", FALLBACK_LABEL}),
}
PRONOUNS = {
    "it": ("it", False),
    "its": ("it", True),
    "this": ("it", False),
    "that": ("it", False),
    "he": ("he", False),
    "him": ("he", False),
    "his": ("he", True),
    "she": ("she", False),
    "her": ("she", True),
    "they": ("they", False),
    "them": ("they", False),
    "their": ("they", True),
}


@dataclass(frozen=True)
class Mention:
    """Something an earlier question named, as it would read in place of a pronoun."""

    text: str
    label: str  # a spaCy entity label, PROPN for unlabelled proper nouns, or THING
    plural: bool
    named: bool = False  # a name, or a noun phrase holding one
    person: bool = False  # a person ("Sam Altman", "the CEO")


@dataclass(frozen=True)
class Pronoun:
    """A referring pronoun of the question: its position, the class it belongs to, and possessiveness."""

    start: int
    end: int
    kind: str  # "it", "he", "she" or "they"
    possessive: bool


def pronouns(doc: Doc) -> list[Pronoun]:
    """The pronouns that point back ("it", "its", "they", "that" standing alone; not "that" as a clause)."""
    found: list[Pronoun] = []
    for token in doc:
        entry = PRONOUNS.get(token.lower_)
        if entry is None or token.tag_ in WH_TAGS or token.dep_ in {"mark", "det"}:
            continue  # "that" opening a clause, "this" in "this deal"
        if token.pos_ not in {"PRON", "DET"}:
            continue
        kind, possessive = entry
        if token.lower_ == "her":
            possessive = token.tag_ == "PRP$"
        found.append(Pronoun(token.idx, token.idx + len(token.text), kind, possessive))
    return found


def _definite(span: Span) -> str:
    """A noun phrase as it reads standing alone: "Which systems" -> "the systems"."""
    tokens = list(span)
    while tokens and (tokens[0].tag_ in WH_TAGS or tokens[0].lower_ in {"the", "a", "an"}):
        tokens = tokens[1:]
    if not tokens:
        return ""
    text = span.doc[tokens[0].i : tokens[-1].i + 1].text
    common = tokens[-1].pos_ == "NOUN" or tokens[-1].lower_ in COMMON_NOUNS
    return f"the {text}" if common else text


def _with_numbers(span: Span) -> Span:
    """An entity with the numbers that qualify it: "IQDEX" -> "IQDEX 2025"."""
    end = span.end
    while (
        end < len(span.doc) and span.doc[end].pos_ == "NUM" and span.doc[end].head.i in range(span.start, end)
    ):
        end += 1
    return span.doc[span.start : end]


def mentions(doc: Doc) -> list[Mention]:
    """What the question names, most salient first: the thing asked about, then the rest, last first.

    A noun phrase that holds a name ("the 2023 Champions League final") stands for it as a whole.
    """
    names = []
    for entity in find_entities(doc):
        span = doc.char_span(entity.start, entity.end, alignment_mode="expand")
        if span is not None and entity.label not in NUMERIC_LABELS:
            names.append((_with_numbers(span), entity.label))
    found: list[tuple[Span, Mention]] = []
    used: set[int] = set()
    for chunk in doc.noun_chunks:
        root, text = chunk.root, _definite(chunk)
        if root.pos_ not in {"NOUN", "PROPN"} or not text or any(s.start <= root.i < s.end for s, _ in names):
            continue
        inside = {k for k, (s, _) in enumerate(names) if chunk.start <= s.start and s.end <= chunk.end}
        used |= inside
        person = root.lemma_.lower() in FOCUS_TYPES[AnswerType.PERSON]
        found.append((chunk, Mention(text, THING, root.tag_ == "NNS", bool(inside), person)))
    for k, (span, label) in enumerate(names):
        if k not in used:
            plural = span[-1].tag_ in {"NNS", "NNPS"} and label != "ORG"
            person = label == "PERSON" or span.root.lemma_.lower() in FOCUS_TYPES[AnswerType.PERSON]
            found.append((span, Mention(span.text, label, plural, True, person)))
    found.sort(key=lambda pair: pair[0].start, reverse=True)
    wh = wh_token(doc)
    if wh is not None and wh.dep_ == "det":  # "Which agency ...": the agency is what the talk is about
        asked = next((pair for pair in found if pair[0].start <= wh.head.i < pair[0].end), None)
        if asked is not None:
            found.remove(asked)
            found.insert(0, asked)
    return [mention for _, mention in found]


def antecedent(pronoun: Pronoun, candidates: list[Mention]) -> Mention | None:
    """The first candidate the pronoun may stand for (number and kind agree)."""
    for mention in candidates:
        if mention.label == THING:
            agrees = {
                "it": not mention.person and not mention.plural,
                "he": mention.person and not mention.plural,
                "she": mention.person and not mention.plural,
                "they": mention.plural,
            }[pronoun.kind]
        else:
            # a name the model left unlabelled ("CEO") may still be a person
            agrees = mention.label in COMPATIBLE[pronoun.kind] or (pronoun.kind != "it" and mention.person)
            agrees = agrees and not (pronoun.kind == "it" and (mention.plural or mention.person))
        if agrees:
            return mention
    return None


def wh_phrase_end(doc: Doc) -> int:
    """Token index just past the question phrase: "When", "How many", "What year" (0 when none)."""
    wh = wh_token(doc)
    if wh is None:
        return 0
    end = wh.i + 1
    if wh.lower_ == "how" and end < len(doc) and doc[end].pos_ in {"ADJ", "ADV"}:
        end += 1
    return end


def is_bare(doc: Doc) -> bool:
    """A question that is only a question word: "When?", "And where?", "How many?"."""
    start = question_start(doc)
    content = [t for t in doc[start:] if not t.is_punct]
    return bool(content) and wh_phrase_end(doc) >= content[-1].i + 1 and content[0].tag_ in WH_TAGS
