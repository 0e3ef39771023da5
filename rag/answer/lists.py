"""The lead of a list question: the coordinated things a sentence names ("Which systems ...?").

"Which systems were discussed at IQDEX?" is answered by "helicopters, fighter jets and air defense
systems" in "... equipment ranging from helicopters to fighter jets and air defense systems". The parse
gives the noun phrases of the best sentences and how they are coordinated ("A, B and C", "from A to B and
C"); a group of at least two that holds the question's focus noun ("systems"), or else the largest
group, is the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.answer import Scored
from rag.question.analysis import QuestionAnalysis
from rag.question.nlp import parse

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

LIST_SENTENCES = 3  # the best sentences read for a list


def list_answer(analysis: QuestionAnalysis, ranked: Sequence[Scored]) -> tuple[str, Scored] | None:
    """The listed things and the sentence that lists them, or None when no good sentence lists any."""
    named = {f.lower() for e in analysis.entities for f in e.forms}
    best: tuple[tuple[bool, int, float], str, Scored] | None = None
    for item in sorted(ranked, key=lambda r: -r.relevance)[:LIST_SENTENCES]:
        for group in coordinated(parse(item.evidence.text)):
            texts = [_bare(c, analysis.focus) for c in group]
            if any(t.lower() in named for t in texts):
                continue
            holds_focus = any(c.root.lemma_.lower() == analysis.focus for c in group)
            key = (holds_focus, len(group), item.relevance)
            if best is None or key > best[0]:
                best = (key, _join(texts), item)
    return (best[1], best[2]) if best is not None else None


def coordinated(doc: Doc) -> list[list[Span]]:
    """Groups of two or more coordinated noun phrases of a parsed sentence, in sentence order."""
    chunks = {c.root.i: c for c in doc.noun_chunks}
    groups: list[list[Span]] = []
    for chunk in chunks.values():
        root = chunk.root
        if root.dep_ == "conj":
            continue  # inside the group of the phrase it is coordinated with
        members: list[Token] = [root, *root.conjuncts]
        if root.dep_ == "pobj" and root.head.lower_ == "from":  # "from A to B and C"
            to = next((p for p in root.head.head.children if p.dep_ == "prep" and p.lower_ == "to"), None)
            end = next((t for t in to.children if t.dep_ == "pobj"), None) if to is not None else None
            if end is not None:
                members += [end, *end.conjuncts]
        ordered = sorted({m.i: m for m in members}.values(), key=lambda t: t.i)
        if len(ordered) >= 2 and all(m.i in chunks for m in ordered):
            groups.append([chunks[m.i] for m in ordered])
    return groups


def _bare(chunk: Span, focus: str = "") -> str:
    """The phrase without a leading article or possessive determiner, and ending at the question's
    focus noun when the parser ran past it ("air defense systems aligns": a verb read as a noun)."""
    start, end = chunk.start, chunk.end
    while start < end - 1 and chunk.doc[start].dep_ in {"det", "poss"}:
        start += 1
    last = next(
        (t.i for t in chunk if t.lemma_.lower() == focus and t.i < end - 1 and t.dep_ == "compound"), None
    )
    if focus and last is not None:
        end = last + 1
    return chunk.doc[start:end].text


def _join(texts: list[str]) -> str:
    listed = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
    return listed[:1].upper() + listed[1:]
