"""Spans that, read in their sentence, cannot be the thing a question asks for.

The recogniser's label is not enough: "one of the most important decisions" holds a CARDINAL that counts
nothing, "a three-year agreement" a DATE that is not a duration of anything asked, "seven counts" a
number of counts where the question asks for years in prison, "Marc Lore-founded" a PERSON that is an
adjective, "LLC" an ORG that is only a legal suffix.
"""

from __future__ import annotations

import re

from rag.answer.spans import TypedSpan
from rag.question.analysis import QuestionAnalysis
from rag.question.answer_types import AnswerType
from rag.text import stem

NUMBER_LABELS = frozenset({"CARDINAL", "QUANTITY", "DATE", "TIME", "MONEY", "PERCENT"})
# Units a "how many ...?" question may count in: the number must be of that unit ("25 years").
UNITS = frozenset(
    [
        "year",
        "month",
        "week",
        "day",
        "hour",
        "minute",
        "second",
        "decade",
        "century",
        "mile",
        "kilometre",
        "kilometer",
        "metre",
        "meter",
        "foot",
        "feet",
        "ton",
        "tonne",
        "pound",
        "kilogram",
        "game",
        "goal",
        "point",
        "seat",
        "vote",
    ]
)
# "How big / far / tall ...?" asks for a size, a distance, a height: never a span of time
SIZE_MEASURES = frozenset(["big", "large", "far", "tall", "high", "wide", "deep", "heavy"])
MEASURES = SIZE_MEASURES | {"long", "old", "often", "soon"}  # "how long ...?": no counted noun
LEGAL_SUFFIXES = frozenset(["llc", "inc", "ltd", "plc", "corp", "co", "gmbh", "sa", "ag", "lp", "llp"])
_ADJECTIVAL = re.compile(r"-(?:founded|based|led|backed|owned|run|born|made|funded|linked|related)$", re.I)
_NEXT_WORD = re.compile(r"^[\s\"'”’)]*([A-Za-z][\w-]*)")


def misreads(span: TypedSpan, sentence: str, analysis: QuestionAnalysis) -> bool:
    """Whether ``span`` (of ``sentence``) cannot answer ``analysis``'s question (see the module doc)."""
    kind = analysis.answer_type
    if kind in {AnswerType.PERSON, AnswerType.ORGANISATION, AnswerType.PLACE}:
        words = span.text.lower().replace(".", "").replace(",", "").split()
        return bool(_ADJECTIVAL.search(span.text)) or all(w in LEGAL_SUFFIXES for w in words)
    if (
        kind not in {AnswerType.QUANTITY, AnswerType.MONEY, AnswerType.PERCENT}
        or span.label not in NUMBER_LABELS
    ):
        return False
    following = _NEXT_WORD.match(sentence[span.end :])
    next_word = following.group(1).lower() if following else ""
    if span.label == "CARDINAL" and next_word == "of" and not re.search(r"\d", span.text):
        return True  # "one of the most important decisions"
    if re.search(
        r"\w-(?:year|month|week|day|hour|minute)s?\b",
        span.text + (" " + next_word if next_word else ""),
        re.I,
    ):
        return True  # "a three-year agreement": an attribute, not an amount
    if kind is AnswerType.QUANTITY:
        if analysis.focus in SIZE_MEASURES and span.label in {"DATE", "TIME"}:
            return True
        return _counts_something_else(span, sentence, next_word, analysis.focus)
    return False


def _counts_something_else(span: TypedSpan, sentence: str, next_word: str, focus: str) -> bool:
    """ "How many years ...?" and "about seven weeks" or "seven counts"; "How many copies ...?" and
    "twelve classes" in a sentence without "copies": the number counts another thing."""
    root = stem(focus)
    if not focus.isalpha() or len(focus) < 3 or focus in MEASURES:
        return False
    units = [w for w in re.findall(r"[a-z]+", span.text.lower()) if any(w.startswith(u[:4]) for u in UNITS)]
    if units:
        return not any(stem(u) == root for u in units)
    if span.label not in {"CARDINAL", "QUANTITY"} or not next_word or next_word in _NOT_COUNTED:
        return False
    if focus in UNITS:
        return stem(next_word) != root  # "seven counts" is not seven years
    # another noun after the number, and the thing asked for nowhere in the sentence
    return stem(next_word) != root and root not in {stem(w) for w in re.findall(r"[a-z]+", sentence.lower())}


# words after a number that do not say what it counts
_NOT_COUNTED_WORDS = (
    "and or to in on at for per percent million billion thousand hundred more than times of the a from by "
    "with as is are was were has have had"
)
_NOT_COUNTED = frozenset(_NOT_COUNTED_WORDS.split())
