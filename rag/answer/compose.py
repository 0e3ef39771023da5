"""Composing the final answer text: the lead with final citation numbers, and the abstention."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag.answer import Scored
from rag.answer.abstain import abstain_message
from rag.answer.lead import Lead
from rag.citations import cite
from rag.types import Answer, ArticleMeta, Citation, Hit


def render_lead(lead: Lead, citations: list[Citation]) -> str:
    """The lead with the answer's citation numbers; a sentence it cites that the body does not quote
    becomes a citation of its own (the lead's spans are verbatim in those sentences by construction)."""
    index = {(c.article_id, c.start): c.n for c in citations}

    def number(item: Scored) -> int:
        key = (item.evidence.hit.article.id, item.evidence.start)
        if key not in index:
            index[key] = len(citations) + 1
            citations.append(cite(index[key], item.evidence, item.relevance))
        return index[key]

    return lead.render(number)


def renumber(text: str, citations: list[Citation]) -> tuple[str, list[Citation]]:
    """Citations numbered in the order the text first cites them (the lead's come first)."""
    order = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))
    by_n = {c.n: c for c in citations}
    order += [c.n for c in citations if c.n not in order]
    new = {old: i for i, old in enumerate((n for n in order if n in by_n), start=1)}
    renumbered = re.sub(r"\[(\d+)\]", lambda m: f"[{new.get(int(m.group(1)), int(m.group(1)))}]", text)
    return renumbered, [replace(by_n[old], n=n) for old, n in new.items()]


def abstained(
    answer: Answer, hits: Sequence[Hit], missing_outlets: Sequence[str] = (), why: str = "", n: int = 3
) -> Answer:
    closest: dict[str, ArticleMeta] = {}
    for hit in sorted(hits, key=lambda h: h.rank or 0):
        closest.setdefault(hit.article.id, hit.article)
    answer.closest = list(closest.values())[:n]
    named = [f"{a.title} ({a.source}, {a.published_at[:10]})" for a in answer.closest]
    answer.text = abstain_message(named, missing_outlets, why)
    answer.abstained = True
    answer.citations = []
    return answer
