"""The direct answer: the value a question asks for, stated first, with its citations.

For a question that expects a person, organisation, place, date, amount, count or percentage (see
:mod:`rag.question.answer_types`), the spans of that type in the best evidence sentences are the
candidate answers (:mod:`rag.answer.spans`). Each candidate is scored by its support across sources (the
best relevance of a sentence stating it, summed over distinct sources), with a bonus where it stands near
the question's focus word ("price", "agency"); a value the question itself already names is never the
answer. The best one leads: "Baghdad [2]." When the question asks for an amount, date or count and two
sources each state a different value next to the focus, the lead says so with each value cited
("Sources differ: $92.7 million [1], $93.7 million [2].") rather than picking one.

A :class:`Lead` is a list of segments, each with the evidence sentences it cites, so the chain can
render it with the answer's final citation numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.answer import Scored
from rag.answer.context import Source
from rag.answer.lists import list_answer
from rag.answer.names import full_name
from rag.answer.roles import COMPANY_FOCUS, kind_conflicts, role_conflicts
from rag.answer.sanity import misreads
from rag.answer.spans import LABELS, TypedSpan, name_key, typed_spans
from rag.question.analysis import QuestionAnalysis
from rag.question.answer_types import AnswerType

# Calibrated on the MultiHop-RAG dev set (`rag eval`, evals/results/answers.md): how many of the best
# sentences are read for candidates, the focus bonus, and how close a runner-up must come to count as a
# second value.
TOP_SENTENCES = 12
FOCUS_BONUS = 0.3
FOCUS_WINDOW_CHARS = 80
DIFFER_RATIO = 0.8
VALUE_TYPES = frozenset({AnswerType.MONEY, AnswerType.QUANTITY, AnswerType.PERCENT, AnswerType.DATE})
# Labels of names: the small model often calls a person an organisation ("Bankman-Fried" -> ORG), so a
# name counts towards a candidate of the asked type under any of them.
NAMED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
OUTLET_FOCUS = frozenset({"outlet", "publication", "newspaper", "magazine", "publisher", "broadcaster"})


@dataclass
class Value:
    """A candidate answer: its text, score, and the best sentence stating it in each source."""

    text: str
    key: str
    labels: set[str] = field(default_factory=set)  # the recogniser's labels for it (it mislabels some)
    score: float = 0.0
    near_focus: bool = False
    support: dict[int, tuple[float, Scored]] = field(default_factory=dict)  # source n -> (weight, sentence)

    @property
    def cited(self) -> list[Scored]:
        """The supporting sentences, best first (at most three sources)."""
        return [s for _, s in sorted(self.support.values(), key=lambda ws: -ws[0])][:3]


@dataclass
class Lead:
    """The first line of an answer: text segments, each followed by markers for the sentences it cites."""

    segments: list[tuple[str, list[Scored]]]
    kind: str  # "value", "differ" or a verdict ("yes", "no", "open")
    values: list[Value] = field(default_factory=list)
    end: str = "."

    @property
    def cited(self) -> list[Scored]:
        seen: list[Scored] = []
        for _, items in self.segments:
            seen += [i for i in items if all(i is not s for s in seen)]
        return seen

    def render(self, number: Callable[[Scored], int]) -> str:
        """The lead with ``[k]`` markers, ``number`` giving each cited sentence's marker."""
        out = []
        for text, items in self.segments:
            markers = "".join(f"[{k}]" for k in dict.fromkeys(number(i) for i in items))
            out.append(f"{text} {markers}" if markers else text)
        return "".join(out) + self.end


def find_values(
    analysis: QuestionAnalysis, ranked: Sequence[Scored], sources: Sequence[Source]
) -> list[Value]:
    """Candidate answers of the expected type in the best evidence sentences, best first."""
    labels = LABELS.get(analysis.answer_type)
    if not labels or not ranked:
        return []
    pool = _best_sentences(ranked)
    question = f" {_words(analysis.question)} "
    named = {
        name_key(form) for entity in analysis.entities for form in entity.forms
    }  # "South Korean" names South Korea
    outlets = set() if analysis.focus in OUTLET_FOCUS else {name_key(s.article.source) for s in sources}
    values: dict[str, Value] = {}
    other_role: set[str] = set()  # people a sentence gives another role than the one asked for
    for item, spans in zip(pool, typed_spans([p.evidence.text for p in pool]), strict=True):
        for span in spans:
            key = name_key(span.text)
            if analysis.answer_type is AnswerType.PERSON and role_conflicts(
                analysis.focus, item.evidence.text, span.start, span.end
            ):
                other_role.add(key)
            wanted = span.label in labels or (span.label in NAMED and bool(labels & NAMED))
            wanted = wanted and fits(span, analysis.answer_type, analysis.focus)
            wanted = wanted and not misreads(span, item.evidence.text, analysis)
            if (
                not wanted
                or not key
                or key in outlets
                or key in named
                or f" {_words(span.text)} " in question
                or any(len(n) >= 5 and n in key for n in named)  # "Plaintiff Helena World Chronicle"
            ):
                continue
            near = _near_focus(item.evidence.text, span, analysis.focus)
            weight = item.relevance * (1 + FOCUS_BONUS * near)
            value = values.setdefault(key, Value(span.text, key))
            value.labels.add(span.label)
            if span.label in labels and value.text != span.text and len(span.text) > len(value.text):
                value.text = span.text
            value.near_focus = value.near_focus or near
            _support(value, item.n, weight, item)
    found = list(values.values())
    if analysis.answer_type is AnswerType.PERSON:
        found = _merge_names(found)
        for value in found:
            value.text = full_name(value.text, sources)
    found = [v for v in found if v.labels & labels]  # a name the recogniser never gave the asked type is out
    found = [v for v in found if v.key not in other_role]
    if analysis.answer_type is AnswerType.ORGANISATION:
        found = [v for v in found if not kind_conflicts(analysis.focus, v.text)]
    for value in found:
        value.score = sum(w for w, _ in value.support.values())
    return sorted(found, key=lambda v: -v.score)


_POINT_IN_TIME = re.compile(
    r"\d|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:today|yesterday|tomorrow)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|\w+ty|hundreds?"
    r"|several|a few|dozens?)\b).*"
    r"\b(?:second|minute|hour|day|week|month|year|decade|centur)",
    re.IGNORECASE,
)


def fits(span: TypedSpan, kind: AnswerType, focus: str = "") -> bool:
    """Whether a span can answer the kind of question: a date names a point in time ("April 19-22", not
    "decades"); a count read from a date-like span is a duration with a number ("20 years"), except that
    "how long" may be answered by "decades"; a venue or a stadium is a facility, and a company an
    organisation, not a country."""
    if kind is AnswerType.DATE:
        return bool(_POINT_IN_TIME.search(span.text))
    if kind is AnswerType.QUANTITY and span.label in {"DATE", "TIME"}:
        if focus == "long" and _SPAN_OF_TIME.search(span.text):
            return True
        return bool(_DURATION.search(span.text))
    if kind is AnswerType.ORGANISATION and focus in COMPANY_FOCUS - {"supplier", "contractor"}:
        return span.label == "ORG"  # a country may supply arms; it is not a company
    if kind is AnswerType.PLACE and focus in FACILITY_FOCUS:
        return span.label in {"FAC", "ORG"}
    return True


_SPAN_OF_TIME = re.compile(
    r"\b(?:seconds|minutes|hours|days|weeks|months|years|decades?|centur(?:y|ies))\b", re.I
)
FACILITY_FOCUS = frozenset(
    [
        "venue",
        "stadium",
        "arena",
        "hall",
        "hotel",
        "building",
        "facility",
        "centre",
        "center",
        "museum",
        "airport",
        "ground",
    ]
)


def build_lead(
    analysis: QuestionAnalysis, ranked: Sequence[Scored], sources: Sequence[Source]
) -> Lead | None:
    """The lead of a typed or list question, or None when the evidence names nothing of the kind asked."""
    if analysis.answer_type is AnswerType.LIST:
        listed = list_answer(analysis, ranked)
        return Lead([(listed[0], [listed[1]])], "list") if listed is not None else None
    values = find_values(analysis, ranked, sources)
    if not values:
        return None
    best = values[0]
    if analysis.answer_type in VALUE_TYPES and best.near_focus:
        rival = next((v for v in values[1:] if _differs(best, v)), None)
        if rival is not None and rival.score >= DIFFER_RATIO * best.score:
            first, second = best.cited[:1], rival.cited[:1]
            return Lead(
                [("Sources differ: " + best.text, first), (", " + rival.text, second)],
                "differ",
                [best, rival],
            )
    return Lead([(best.text, best.cited)], "value", values)


def _differs(best: Value, other: Value) -> bool:
    """A rival: near the focus too, from a source of its own, not the same amount written differently."""
    if not other.near_focus or not set(other.support) - set(best.support):
        return False
    return _digits(best.text) != _digits(other.text) or not _digits(best.text)


def _digits(text: str) -> str:
    return "".join(re.findall(r"\d", text))


def _best_sentences(ranked: Sequence[Scored]) -> list[Scored]:
    seen: set[str] = set()
    pool: list[Scored] = []
    for item in sorted(ranked, key=lambda i: -i.relevance):
        if item.evidence.text not in seen:
            seen.add(item.evidence.text)
            pool.append(item)
        if len(pool) >= TOP_SENTENCES:
            break
    return pool


def focus_words(focus: str) -> re.Pattern[str] | None:
    """Words starting like the focus ("price" -> "prices", "priced"); None for a focus too short to read."""
    if len(focus) < 3:
        return None
    return re.compile(rf"\b{re.escape(focus[: max(4, len(focus) - 2)])}\w*", re.IGNORECASE)


def _near_focus(sentence: str, span: TypedSpan, focus: str) -> bool:
    """Whether a word starting like the focus stands near the span."""
    pattern = focus_words(focus)
    if pattern is None:
        return False
    for match in pattern.finditer(sentence):
        gap = span.start - match.end() if match.end() <= span.start else match.start() - span.end
        if gap <= FOCUS_WINDOW_CHARS:
            return True
    return False


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'s ", " ")))


def _merge_names(values: list[Value]) -> list[Value]:
    """A surname merges into the full name that ends with it ("Bankman-Fried" -> "Sam Bankman-Fried")."""
    words = {v.key: _words(v.text).split() for v in values}
    out: list[Value] = []
    for value in sorted(values, key=lambda v: -len(words[v.key])):
        own = words[value.key]
        home = next(
            (o for o in out if len(own) < len(words[o.key]) and words[o.key][-len(own) :] == own), None
        )
        if home is None:
            out.append(value)
            continue
        home.near_focus = home.near_focus or value.near_focus
        home.labels |= value.labels
        for n, (weight, item) in value.support.items():
            _support(home, n, weight, item)
    return out


def _support(value: Value, n: int, weight: float, item: Scored) -> None:
    """Keep the best sentence of source ``n`` stating ``value``."""
    if n not in value.support or weight > value.support[n][0]:
        value.support[n] = (weight, item)
