"""Whether a candidate answer is tied to what the question asks, in the sentence that states it.

"How much did Star Entertainment raise?" is answered by "$565 million" in "Star raised $565 million"
because the amount hangs off "raised", the question's own verb. A sentence that names the same company
and an amount tied to another verb ("shares fell 12%") does not answer it. The check walks the
dependency parse from the span up to three heads, and looks at those heads and their children for the
question's focus noun or main verb (same lemma or the same first five letters: "led" / "lead",
"priced" / "price").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.answer.lead import Value
from rag.question.analysis import QuestionAnalysis
from rag.question.nlp import parse

if TYPE_CHECKING:
    from spacy.tokens import Token

UP = 3  # heads walked up from the span
LIGHT = frozenset({"", "be", "have", "do", "say", "report", "mention", "accord"})


def attached(analysis: QuestionAnalysis, value: Value, sentences: int = 2) -> bool:
    """Whether, in one of the value's best sentences, the value hangs off the question's focus or verb."""
    targets = {w for w in (analysis.focus, analysis.predicate) if w not in LIGHT and len(w) >= 3}
    if not targets:
        return False
    for item in value.cited[:sentences]:
        doc = parse(item.evidence.text)
        at = item.evidence.text.find(value.text)
        if at < 0:
            at = item.evidence.text.lower().find(value.text.lower())
        span = doc.char_span(at, at + len(value.text), alignment_mode="expand") if at >= 0 else None
        if span is not None and any(_matches(t, targets) for t in _around(list(span))):
            return True
    return False


def _around(tokens: list[Token]) -> list[Token]:
    """The span's tokens, their heads up to ``UP`` levels, and the children of all of those."""
    seen: dict[int, Token] = {t.i: t for t in tokens}
    frontier = list(tokens)
    for _ in range(UP):
        frontier = [t.head for t in frontier if t.head.i != t.i]
        seen.update((t.i, t) for t in frontier)
    for token in list(seen.values()):
        seen.update((c.i, c) for c in token.children)
    return list(seen.values())


def _matches(token: Token, targets: set[str]) -> bool:
    lemma = token.lemma_.lower()
    return lemma in targets or any(len(lemma) >= 5 and lemma[:5] == t[:5] for t in targets if len(t) >= 5)
