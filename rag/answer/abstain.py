"""Abstention helpers: the question's specific terms, refusals, and the abstention message.

Whether to answer at all is one calibrated decision (:mod:`rag.answer.answerability`); this module gives
it one of its signals, **specifics**: the question's specific terms (names, titles, outlets, rare
numbers) that the retrieved evidence (passages, titles, outlets) lacks, and those no stored article has
at all ("what did Reuters report about Shubha Satheesh?"). A backend that replies that it cannot answer
(see :func:`says_cannot_answer`) abstains too; :func:`abstain_message` says why and names the closest
articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rag.text import stopwords

ABSTAIN_TEXT = "The ingested articles do not answer this."

# Words that start a question or a clause, months and days: capitalised but never specific.
_GENERIC = frozenset(
    """a an and as at based between both by considering do does did during following for from given has
    have had how if in is it its of on or over regarding since that the their then these this those to
    was were what when where which who whom whose why with yes no after before while according article
    articles report reports news both also are be can could did will would should may might one two
    january february march april may june july august september october november december jan feb mar
    apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    i we you he she they mr mrs ms dr""".split()  # noqa: SIM905
)
_CAPS = re.compile(r"[A-Z][\w'’.&\-]*(?:\s+(?:of|the|de|du|van|von|and|&|for|in)?\s*[A-Z0-9][\w'’.&\-]*)*")
_QUOTED = re.compile(r"[\"“‘']([^\"”’']{3,80})[\"”’']")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass
class Specifics:
    """The question's specific terms, those the evidence lacks and those no stored article has."""

    terms: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    vocabulary: set[str] = field(default_factory=set)  # the evidence's words (see :func:`tokens`)

    @property
    def missing_share(self) -> float:
        return len(self.missing) / len(self.terms) if self.terms else 0.0


def tokens(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return _TOKEN.findall(text)


def specific_terms(question: str) -> list[str]:
    """Names and titles (capitalised runs, quoted strings) and non-year numbers in the question."""
    terms: list[str] = []
    for match in _CAPS.finditer(question):
        words = [w for w in tokens(match.group()) if w not in _GENERIC and w not in stopwords()]
        if words:
            terms.append(" ".join(words))
    for match in _QUOTED.finditer(question):
        words = [w for w in tokens(match.group(1)) if w not in stopwords()]
        if words:
            terms.append(" ".join(words))
    for match in _NUMBER.finditer(question):
        number = match.group().rstrip(".,").replace(",", "")
        if not re.fullmatch(r"(19|20)\d\d|\d", number):
            terms.append(number)
    seen: set[str] = set()
    return [t for t in terms if not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]


def check_specifics(
    question: str, evidence_texts: Iterable[str], document_frequency: Callable[[str], int] | None = None
) -> Specifics:
    """Which of the question's specific terms no evidence text contains (every word of the term).

    With ``document_frequency`` (chunks of the whole store holding a word), the missing terms with a
    word that no stored chunk has at all are also listed as ``absent``.
    """
    vocabulary: set[str] = set()
    for text in evidence_texts:
        vocabulary.update(tokens(text))
    terms = specific_terms(question)
    missing = [t for t in terms if not all(w in vocabulary for w in t.split())]
    absent: list[str] = []
    if document_frequency is not None:
        for term in missing:
            words = [w for w in term.split() if w.isalpha() and len(w) > 2]
            if any(document_frequency(w) == 0 for w in words):
                absent.append(term)
    return Specifics(terms, missing, absent, vocabulary)


_CANNOT = re.compile(
    r"\b(?:do(?:es)?\s+not|don't|doesn't|cannot|can't|can\s*not|unable\s+to|no\s+information|"
    r"insufficient\s+information|not\s+(?:enough|mentioned|provided|stated|specified))\b",
    re.IGNORECASE,
)
_ANSWER_WORDS = re.compile(r"\b(?:answer|information|mention|say|state|specify|provide|know)", re.IGNORECASE)


def says_cannot_answer(text: str) -> bool:
    """Whether a backend's reply is (mostly) a refusal: "The articles do not answer this." etc."""
    plain = re.sub(r"\[\d+\]", "", text).strip()
    if not plain:
        return True
    first = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0]
    return bool(_CANNOT.search(first) and _ANSWER_WORDS.search(first)) and len(plain) < 400


def abstain_message(closest: Sequence[str], missing_outlets: Sequence[str] = (), why: str = "") -> str:
    """The abstention text: why in one line (the outlets the store lacks, or ``why``: "No article
    gives the contract price."), then the closest articles."""
    text = ABSTAIN_TEXT
    if missing_outlets:
        names = list(missing_outlets)
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        text += f" No ingested article is from {listed}."
    elif why:
        text += f" {why}"
    if closest:
        text += f" Closest: {'; '.join(closest[:3])}."
    return text
