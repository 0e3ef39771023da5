"""The default, LLM-free backend: the answer is the best evidence sentences, each quoted and cited.

It only quotes, so it never states what no source says and every citation is exact. Multi-article
questions get evidence from each relevant article (its best sentence first), a multi-part question
gets the best sentence for each of its claims (see :func:`rag.text.claims`), and when the question
names outlets or compares reports, each side's evidence is set next to the other, labelled with its
outlet and date, in the order the question names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

from rag.answer import Context, Scored
from rag.answer.context import Source
from rag.answer.followup import resolve_followup
from rag.text import content_words, stem, stopwords
from rag.types import Turn

_COMPARISON = re.compile(
    r"\b(?:compar\w*|while|whereas|both|same|differ\w*|consisten\w*|inconsisten\w*|agree|disagree|"
    r"contrast|versus|vs\.?|change[ds]?|shift\w*)\b",
    re.IGNORECASE,
)


def outlet_names(source: str) -> list[str]:
    """Ways a question may name an outlet: "Cnbc | World Business News Leader" -> ["cnbc | ...", "cnbc"]."""
    names = [source.lower()]
    head = re.split(r"\s+[|\-–:]\s+", source)[0].lower()
    if head != names[0]:
        names.append(head)
    if head.startswith("the "):
        names.append(head[4:])
    return [n for n in names if len(n) >= 3]


def named_position(question: str, source: str) -> int:
    """Where the question first names ``source`` (-1 when it does not)."""
    q = question.lower()
    found = [m.start() for n in outlet_names(source) for m in re.finditer(rf"\b{re.escape(n)}\b", q)]
    return min(found) if found else -1


def named_terms(question: str) -> set[str]:
    """Stems of the question's capitalised words after the first (names, acronyms, outlets)."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9'’\-]*", question)
    return {
        stem(w.lower().strip("'’-")) for w in words[1:] if w[0].isupper() and w.lower() not in stopwords()
    }


def on_topic_sources(context: Context) -> set[int]:
    """Sources that mention something the question names; all sources when none (or nothing) does.

    A source retrieved for a generic word ("systems") but silent on what the question names ("IQDEX")
    must not add its sentences to the answer.
    """
    terms = named_terms(context.question)
    everything = {s.n for s in context.sources}
    if not terms:
        return everything
    mentioning = {s.n for s in context.sources if terms & set(content_words(_source_text(s)))}
    return mentioning or everything


def _source_text(source: Source) -> str:
    return " ".join([source.header, *(h.chunk.text for h in source.hits)])


class ExtractiveGenerator:
    """Quotes the best evidence sentences of the relevant sources (see the module doc)."""

    name = "extractive"
    writes_lead = False  # it quotes; the chain's lead (rag.answer.lead) states the answer

    def __init__(
        self,
        max_sentences: int | None = None,
        relative_floor: float = 0.75,
        min_score: float = 0.25,
        claim_weight: float = 0.5,
        per_claim: int = 1,
    ) -> None:
        """``claim_weight``: how much a sentence's best score against one claim of a multi-part
        question counts beside its whole-question score; ``per_claim``: best sentences quoted for
        each claim, so every part of the question gets its evidence. ``max_sentences`` defaults to
        the calibrated ``extractive_max_sentences``."""
        from rag.calibration import load_calibration

        self.max_sentences = (
            load_calibration().extractive_max_sentences if max_sentences is None else max_sentences
        )
        self.relative_floor = relative_floor
        self.min_score = min_score
        self.claim_weight = claim_weight
        self.per_claim = per_claim

    def score(self, item: Scored) -> float:
        """The whole-question score mixed with the best claim score (see ``claim_weight``)."""
        if not item.claim_scores:
            return item.score
        return (1 - self.claim_weight) * item.score + self.claim_weight * item.best_claim

    def select(self, context: Context) -> list[Scored]:
        """One best sentence per relevant source, the best for each claim of the question, then the
        next best overall, without near-repeats."""
        allowed = on_topic_sources(context)
        ranked = sorted((item for item in context.ranked if item.n in allowed), key=lambda i: -self.score(i))
        if not ranked:
            return []
        top = self.score(ranked[0])
        floor = max(self.min_score, self.relative_floor * top)
        named = {s.n for s in context.sources if named_position(context.question, s.article.source) >= 0}
        chosen: list[Scored] = []
        per_source: dict[int, int] = {}

        def take(item: Scored) -> bool:
            if len(chosen) >= self.max_sentences or any(item is c for c in chosen):
                return False
            if any(float(item.vector @ c.vector) > 0.9 for c in chosen):
                return False
            chosen.append(item)
            per_source[item.n] = per_source.get(item.n, 0) + 1
            return True

        for item in context.lead.cited if context.lead else []:  # the sentences the lead cites
            take(item)
        for item in ranked:  # the best sentence of each relevant source
            score = self.score(item)
            if item.n not in per_source and (score >= floor or (item.n in named and score >= self.min_score)):
                take(item)
        for claim in range(len(ranked[0].claim_scores)):  # the best evidence of each claim
            by_claim = sorted(ranked, key=lambda i: -i.claim_scores[claim])
            for item in by_claim[: self.per_claim]:
                if item.claim_scores[claim] >= self.min_score:
                    take(item)
        cap = 2 if len(per_source) > 1 else self.max_sentences  # one article: it may fill the answer
        extra_floor = max(self.min_score, 0.5 * top)
        for item in ranked:  # then the best remaining sentences
            if self.score(item) < extra_floor or len(chosen) >= self.max_sentences:
                break
            if per_source.get(item.n, 0) < cap:
                take(item)
        return chosen

    def draft(self, context: Context) -> Iterator[str]:
        chosen = self.select(context)
        if not chosen:
            return
        sources = {s.n: s for s in context.sources}
        compare = (
            bool(_COMPARISON.search(context.question))
            or len(
                {
                    sources[c.n].article.source
                    for c in chosen
                    if named_position(context.question, sources[c.n].article.source) >= 0
                }
            )
            >= 2
        )
        if compare:
            yield from self._side_by_side(context, chosen)
            return
        # each source's quotes together and in article order (they read as a passage), one source a
        # line, the source of the best quote first
        first: dict[int, int] = {}
        for i, item in enumerate(chosen):
            first.setdefault(item.n, i)
        previous = None
        for i, item in enumerate(sorted(chosen, key=lambda c: (first[c.n], c.evidence.start))):
            yield ("" if i == 0 else " " if item.n == previous else "\n") + f"{item.evidence.text} [{item.n}]"
            previous = item.n

    def _side_by_side(self, context: Context, chosen: Sequence[Scored]) -> Iterator[str]:
        """Evidence grouped by outlet, in the order the question names them, each line labelled."""
        sources = {s.n: s for s in context.sources}

        def order(item: Scored) -> tuple[int, int, float]:
            article = sources[item.n].article
            pos = named_position(context.question, article.source)
            return (pos if pos >= 0 else 10_000, item.n, item.evidence.start)

        for i, item in enumerate(sorted(chosen, key=order)):
            article = sources[item.n].article
            label = article.source or article.title  # no date: the citation carries it
            yield ("" if i == 0 else "\n") + f"{label}: {item.evidence.text} [{item.n}]"

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        return resolve_followup(question, history)


def best_score(ranked: Sequence[Scored]) -> float:
    return float(np.max([r.score for r in ranked])) if ranked else 0.0
