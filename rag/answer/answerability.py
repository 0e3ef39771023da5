"""Answerability: one calibrated decision on whether the evidence answers the question.

The chain measures signals of the evidence against the question (:func:`signals`): how close the best
sentence is, with and without the question's entities, how many of those entities the evidence names
(in any of their forms: "South Korean" is found as "South Korea"), whether an entity or an outlet is
absent from the whole store, and, for a question that asks for a person, place, date or amount, whether
the evidence holds a span of that type, how well supported and next to the question's focus word. A
logistic regression folds those in :data:`FEATURES` into the probability that the question is
answerable, each weight held to the sign its meaning gives it (:data:`SIGNS`: more evidence never
lowers it). The question's form alone (yes/no, multi-part) is left out on purpose: in MultiHop-RAG every
yes/no and multi-part question is answerable, a regularity of that set, not of analysts' questions; the
other signals (``yes_no``, ``claim_gap``, the verdict's part supports) stay in ``Answer.signals`` for
inspection. The coefficients and threshold live in ``answerability.json`` beside this module, fitted and
cross-validated by ``python -m evals.calibrate`` on the MultiHop-RAG dev set and our near-miss set
(``evals/gold/nearmiss.jsonl``) asked of three store sizes; that file records the data it was fitted on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rag.answer import Scored
from rag.answer.abstain import Specifics, tokens
from rag.answer.lead import Lead, Value, focus_words
from rag.answer.roles import BROAD_ROLES, is_role
from rag.answer.spans import LABELS
from rag.question.analysis import QuestionAnalysis
from rag.question.answer_types import AnswerType
from rag.question.entities import Entity
from rag.question.nlp import parse

MODEL_FILE = Path(__file__).with_name("answerability.json")
FEATURES = (  # what the model reads: the evidence's strength, never the question's form alone
    "best",
    "entity_share",
    "entity_absent",
    "outlet_missing",
    "specifics_missing",
    "typed_no_value",
    "value_near",
    "value_score",
    "masked_best",
    "focus_seen",
    "value_rel",
)
# The direction each feature may pull (the refit keeps it): +1 more evidence, -1 evidence against.
SIGNS = {
    "best": 1,
    "entity_share": 1,
    "entity_absent": -1,
    "outlet_missing": -1,
    "specifics_missing": -1,
    "typed_no_value": -1,
    "value_near": 1,
    "value_score": 1,
    "masked_best": 1,
    "focus_seen": 1,
    "value_rel": 1,
}
_FOCUS_SENTENCES = 5
VALUE_LABELS = frozenset({"CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})


@dataclass(frozen=True)
class Model:
    """The fitted logistic regression: one weight per feature, an intercept and the decision threshold."""

    weights: dict[str, float]
    intercept: float
    threshold: float
    version: str = ""

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@cache
def load_model(path: Path = MODEL_FILE) -> Model:
    """The calibrated model (read once per process)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(
        weights={k: float(v) for k, v in data["weights"].items()},
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
        version=str(data.get("version", "")),
    )


def signals(
    analysis: QuestionAnalysis,
    ranked: Sequence[Scored],
    specifics: Specifics,
    lead: Lead | None,
    missing_outlets: Sequence[str],
    document_frequency: Callable[[str], int] | None = None,
    masked_best: float | None = None,
    named_outlets: Sequence[str] = (),
) -> dict[str, float]:
    """The features the model reads (see :data:`FEATURES`), each in [0, 1] or a small score.

    ``named_outlets``: the store's outlets the question names; the words of those mentions ("Business
    Today | Latest Stock Market And Economy News India") are attribution, read by ``outlet_missing``, not
    things the evidence must mention.

    ``specifics``: the question's specific terms checked against the evidence (its vocabulary is read
    here too); ``masked_best``: the best sentences' score against the question with its entities masked
    (:func:`masked_question`): what it asks of them, not who it names, so a sentence that merely
    mentions the same people scores low (default: the best score, for a question without entities).
    """
    entities = outside_outlets(named_entities(analysis), analysis.question, named_outlets)
    covered = [e for e in entities if any(_has(f, specifics.vocabulary) for f in e.forms)]
    absent = document_frequency is not None and (
        any(all(_absent(f, document_frequency) for f in e.forms) for e in entities if e not in covered)
        or bool(absent_roles(analysis, document_frequency))
    )
    best = ranked[0].score if ranked else 0.0
    claim_count = len(ranked[0].claim_scores) if ranked else 0
    claim_min = (
        min(max(r.claim_scores[i] for r in ranked) for i in range(claim_count)) if claim_count else best
    )
    typed = analysis.answer_type in LABELS
    value = lead.values[0] if lead is not None and lead.values else None
    return {
        "best": best,
        "claim_gap": best - claim_min,  # 0 for a one-claim question: how far its weakest claim falls behind
        "entity_share": len(covered) / len(entities) if entities else 1.0,
        "entity_absent": float(absent),
        "outlet_missing": float(bool(missing_outlets)),
        "specifics_missing": specifics.missing_share,
        "typed": float(typed),
        "value_found": float(typed and value is not None),
        "typed_no_value": float(typed and value is None),
        "value_near": float(typed and value is not None and value.near_focus),
        "value_score": min(value.score, 3.0) if typed and value is not None else 0.0,
        "focus_seen": float(_focus_seen(analysis.focus, ranked)),
        "yes_no": float(analysis.is_yes_no),
        "masked_best": best if masked_best is None else masked_best,
        "value_rel": _value_relevance(value, ranked) if typed else 0.0,
    }


def masked_question(analysis: QuestionAnalysis) -> str:
    """The question without its named entities: "What was the contract price of the helicopters sold?"."""
    text = analysis.question
    for entity in sorted(analysis.entities, key=lambda e: -e.start):
        text = text[: entity.start] + text[entity.end :]
    return re.sub(r"\s+", " ", text).strip()


def _value_relevance(value: Value | None, ranked: Sequence[Scored]) -> float:
    """How relevant the sentence stating the lead value is, against the best sentence (1.0: the same)."""
    if value is None or not ranked:
        return 0.0
    best = max(r.relevance for r in ranked)
    return max(item.relevance for _, item in value.support.values()) / best if best > 0 else 0.0


def _has(form: str, vocabulary: set[str]) -> bool:
    words = tokens(form)
    return bool(words) and all(w in vocabulary for w in words)


def _absent(form: str, document_frequency: Callable[[str], int]) -> bool:
    """Whether some word of ``form`` (letters, longer than two) is in no stored chunk at all."""
    return any(document_frequency(w) == 0 for w in tokens(form) if w.isalpha() and len(w) > 2)


def _focus_seen(focus: str, ranked: Sequence[Scored]) -> bool:
    """Whether a word starting like the focus ("price": "prices", "priced") is in the best sentences."""
    pattern = focus_words(focus)
    return pattern is not None and any(pattern.search(r.evidence.text) for r in ranked[:_FOCUS_SENTENCES])


def reason(analysis: QuestionAnalysis, features: dict[str, float], missing_entities: Sequence[str]) -> str:
    """One line saying why the evidence does not answer: what is missing."""
    if missing_entities:
        return f"No article mentions {_listed(missing_entities)}."
    if features.get("typed") and not features.get("value_found"):
        return f"No article gives {_asked(analysis)}."
    return "No article answers this."


def _asked(analysis: QuestionAnalysis) -> str:
    """What the question asks for, as a noun phrase: "the contract price", "the number of FA-50 jets"."""
    kind, phrase = analysis.answer_type, analysis.focus_phrase
    if kind is AnswerType.QUANTITY and phrase in _MEASURES:
        return _MEASURES[phrase]  # "How long ...?": the duration
    is_noun = phrase and phrase != analysis.predicate
    if kind is AnswerType.QUANTITY and is_noun:
        return f"the number of {phrase}"
    if kind in _KIND_NOUNS and not is_noun:
        return _KIND_NOUNS[kind]
    return f"the {phrase}" if is_noun else "this"


_MEASURES = {
    "long": "the duration",
    "old": "the age",
    "far": "the distance",
    "big": "the size",
    "large": "the size",
    "tall": "the height",
    "high": "the height",
    "often": "the frequency",
}
_KIND_NOUNS = {
    AnswerType.DATE: "the date",
    AnswerType.PLACE: "the place",
    AnswerType.PERSON: "the person",
    AnswerType.ORGANISATION: "the organisation",
    AnswerType.MONEY: "the amount",
    AnswerType.QUANTITY: "the number",
    AnswerType.PERCENT: "the percentage",
}


def missing_entities(
    analysis: QuestionAnalysis, document_frequency: Callable[[str], int] | None
) -> list[str]:
    """The question's entities that no stored article names in any form."""
    if document_frequency is None:
        return []
    names = [e.text for e in named_entities(analysis) if all(_absent(f, document_frequency) for f in e.forms)]
    return names + absent_roles(analysis, document_frequency)


def absent_roles(analysis: QuestionAnalysis, document_frequency: Callable[[str], int]) -> list[str]:
    """The people the question describes by a role that no stored article mentions at all ("What did
    Iraq's *defense minister* say ...?" of a store without a minister), as the question words them. The
    role asked for (the focus) is not one: that is what the answer would name."""
    found = []
    for token in parse(analysis.question):
        lemma = token.lemma_.lower()
        if token.pos_ != "NOUN" or lemma == analysis.focus or lemma in BROAD_ROLES or not is_role(lemma):
            continue
        if document_frequency(token.lower_) == 0 and document_frequency(lemma) == 0:
            modifiers = [c.lower_ for c in token.lefts if c.dep_ in {"compound", "amod"}]
            found.append(" ".join([*modifiers, token.lower_]))
    return found


def named_entities(analysis: QuestionAnalysis) -> list[Entity]:
    """The question's named things; numbers ("two", "$400 million") are values, not names."""
    return [e for e in analysis.entities if e.label not in VALUE_LABELS and any(tokens(f) for f in e.forms)]


def outside_outlets(entities: Sequence[Entity], question: str, outlets: Sequence[str]) -> list[Entity]:
    """The entities that are not (part of) a mention of one of ``outlets`` in the question."""
    spans = [
        (m.start(), m.end())
        for outlet in outlets
        if outlet.strip()
        for m in re.finditer(re.escape(outlet.strip()), question, re.IGNORECASE)
    ]
    keys = [o.lower() for o in outlets if o.strip()]

    def is_outlet(e: Entity) -> bool:
        inside = any(start <= e.start and e.end <= end for start, end in spans)
        return inside or any(
            e.text.lower() == k or re.match(rf"{re.escape(k)}\b", e.text.lower()) for k in keys
        )

    return [e for e in entities if not is_outlet(e)]


def _listed(names: Sequence[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
