"""Yes/no questions: a "Yes" or a "No" only when the evidence decides it, each part cited.

A yes/no question ("Does the TechCrunch article report X, while The Verge suggests Y?", "Did Fortune
report X before Reuters reported Y?") is split into its parts (:func:`rag.text.claims`); each part's best
sentence is found with its support (the ranking's score of the sentence against that part).

* **Yes / No** for the order of two reports ("Did Fortune report X before Reuters reported Y?"): each
  side's best sentence, in the articles the side names, and their publication dates; a "Yes" also needs
  each side supported like any "Yes", a "No" each side found (``ORDER_SUPPORT``).
* **Yes** when every part has a sentence that supports it (``YES_SUPPORT``): on the MultiHop-RAG dev
  set 70% of such verdicts are right, where 62% of the yes/no questions are "Yes".
* Otherwise no verdict: the answer says the sources do not settle it, and quotes what each says.

No "No" comes from weak support. Measured on the 333 dev yes/no questions, no signal we have tells a
false claim from a true one (the weakest part's support, the parts' mean, how close the parts'
sentences are, negation: ROC AUC 0.45 to 0.57 each; a cross-validated logistic regression over twelve
signals 0.45), so a "No" from them would be a guess; a "No" needs evidence against, and the dates of
two reports are the evidence we can read (see evals/results/yes-no.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer import Scored
from rag.answer.context import Source
from rag.answer.extractive import named_position
from rag.answer.lead import Lead
from rag.text import claims

YES_SUPPORT = 0.40
ORDER_SUPPORT = 0.30  # each side of an order question found well enough for its date to count
_SAME = re.compile(r"\b(?:same|similar\w*|consisten\w*|align\w*|agree\w*|in line|match\w*)\b", re.I)
_DIFFERENT = re.compile(r"\b(?:differ\w*|chang\w*|contrast\w*|shift\w*|inconsisten\w*|contradict\w*)\b", re.I)
_NEGATION = re.compile(
    r"\b(?:not|no|never|fail\w*|without|lack\w*|insignificant|un\w+able|neither|nor)\b|n't\b", re.I
)
_REPORT = re.compile(r"\b(?:report\w*|article\w*|publish\w*|cover\w*|stor(?:y|ies)|piece|wrote)\b", re.I)
_ORDER = re.compile(r"\b(?P<rel>before|after|prior to|earlier than|later than)\b", re.I)


@dataclass
class Reading:
    """What the evidence says of each part of a yes/no question."""

    parts: list[str]
    best: list[Scored]  # the best sentence of each part
    support: list[float]
    same_topic: float  # cosine of the first and last parts' sentences (1.0 for one part)
    relation: str = ""  # "before" / "after" / ... when the parts are the two sides of an order
    anywhere: list[float] | None = None  # each part's support from any source, named or not

    def features(self, question: str) -> dict[str, float]:
        """What the verdict model reads (see :func:`verdict_features`)."""
        anywhere = self.anywhere or self.support
        return {
            "part_support": self.weakest,
            "part_mean": sum(self.support) / len(self.support) if self.support else 0.0,
            "part_gap": max((a - s for a, s in zip(anywhere, self.support, strict=True)), default=0.0),
            "same_topic": self.same_topic,
            "parts": float(len(self.parts)),
            "negated": float(bool(_NEGATION.search(question))),
            "asks_same": float(bool(_SAME.search(question))),
            "asks_different": float(bool(_DIFFERENT.search(question))),
        }

    @property
    def weakest(self) -> float:
        return min(self.support, default=0.0)


def read_parts(
    question: str,
    ranked: Sequence[Scored],
    score_parts: Callable[[list[str]], np.ndarray],
    sources: Sequence[Source] = (),
) -> Reading | None:
    """Each part's best sentence and support, or None when nothing was retrieved.

    A part that names an outlet ("while The Verge says ...") is read in that outlet's articles only,
    when any was retrieved: another outlet saying it does not make the question's claim true.

    ``score_parts`` scores every ranked sentence against each of some texts (rows: sentences); it is
    used when the parts are not the ranking's own claims (a question about the order of two reports is
    split at "before" / "after").
    """
    if not ranked:
        return None
    match = _ORDER.search(question)
    relation = match.group("rel").lower() if match and not _SAME.search(question) else ""
    if _DIFFERENT.search(question):
        relation = ""
    if match is not None and relation:
        parts = [question[: match.start()], question[match.end() :]]
        scores = score_parts(parts)
    else:
        parts = claims(question)
        if len(parts) > 1 and len(ranked[0].claim_scores) == len(parts):
            scores = np.array([r.claim_scores for r in ranked])
        else:
            parts = [question]
            scores = np.array([[r.relevance] for r in ranked])
    rows = [_best_row(scores[:, i], ranked, _named_sources(part, sources)) for i, part in enumerate(parts)]
    anywhere = [float(scores[:, i].max()) for i in range(len(parts))]
    best = [ranked[row] for row in rows]
    support = [float(scores[row, i]) for i, row in enumerate(rows)]
    same = float(best[0].vector @ best[-1].vector) if len(best) > 1 else 1.0
    return Reading(parts, best, support, same, relation, anywhere)


def _named_sources(part: str, sources: Sequence[Source]) -> set[int]:
    return {s.n for s in sources if s.article.source and named_position(part, s.article.source) >= 0}


def _best_row(column: np.ndarray, ranked: Sequence[Scored], allowed: set[int]) -> int:
    rows = [i for i, r in enumerate(ranked) if r.n in allowed] if allowed else []
    return max(rows, key=lambda i: float(column[i])) if rows else int(np.argmax(column))


def decide(reading: Reading, sources: Sequence[Source], choice: bool = False) -> Lead:
    """The verdict lead: "Yes", "No" or no verdict, citing each part's sentence. A ``choice`` question
    ("consistent or inconsistent?") gets no "Yes": what each source says is quoted instead."""
    cited = list({id(b): b for b in reading.best}.values())
    if choice:
        return Lead([("The sources do not settle this; what each says", cited)], "open", end=":")
    order = _order(reading, sources)
    # the dates decide only between the reports the question means: each side must be found ("Yes" also
    # needs each side's claim supported, as any "Yes" does)
    if order is not None and reading.weakest >= (YES_SUPPORT if order[2] else ORDER_SUPPORT):
        first, second, right = order
        text = "Yes" if right else "No"
        return Lead(
            [
                (f"{text}: {_label(first, sources)} published {_date(first, sources)}", [first]),
                (f", {_label(second, sources)} {_date(second, sources)}", [second]),
            ],
            "yes" if right else "no",
        )
    if reading.weakest >= YES_SUPPORT:
        return Lead([("Yes", cited)], "yes")
    return Lead([("The sources do not settle this; what each says", cited)], "open", end=":")


def _order(reading: Reading, sources: Sequence[Source]) -> tuple[Scored, Scored, bool] | None:
    """(first side's sentence, second side's sentence, whether their articles' dates are in the order the
    question asks) when the question asks whether one report came before or after another."""
    if not reading.relation or not all(_names_report(part, sources) for part in reading.parts):
        return None  # "... must improve before the Bengals game": an order of events, not of reports
    first, second = reading.best
    day1, day2 = _day(first, sources), _day(second, sources)
    if not day1 or not day2 or day1 == day2 or first.n == second.n:
        return None
    asks_before = reading.relation in {"before", "prior to", "earlier than"}
    return first, second, (day1 < day2) == asks_before


def _names_report(text: str, sources: Sequence[Source]) -> bool:
    """Whether ``text`` speaks of a report: "report", "article", "published", ... or an outlet's name."""
    return bool(_REPORT.search(text)) or any(named_position(text, s.article.source) >= 0 for s in sources)


def _source(item: Scored, sources: Sequence[Source]) -> Source | None:
    return next((s for s in sources if s.n == item.n), None)


def _label(item: Scored, sources: Sequence[Source]) -> str:
    source = _source(item, sources)
    return (source.article.source or source.article.title) if source else "source"


def _day(item: Scored, sources: Sequence[Source]) -> str:
    source = _source(item, sources)
    return source.article.published_at[:10] if source else ""


def _date(item: Scored, sources: Sequence[Source]) -> str:
    day = _day(item, sources)
    return f"on {day}" if day else "(undated)"
