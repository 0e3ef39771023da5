"""Does each citation's quote support the sentence that cites it? (feeds ``citation_precision``).

The eval judges citations itself rather than trusting ``Citation.supported``, which is the system's
own opinion: it uses the documented lexical and number rule of
:func:`evals.answer_metrics.supported_citations`, the same for every backend.
"""

from __future__ import annotations

from evals.answer_metrics import supported_citations
from rag.types import Answer


def citation_support(answer: Answer) -> dict[int, bool]:
    """Citation number -> supported, for every citation of the answer (empty for an abstention)."""
    if answer.abstained or not answer.citations:
        return {}
    metadata = {c.n: f"{c.source} {c.published_at[:10]} {c.title}" for c in answer.citations}
    return supported_citations(answer.text, {c.n: c.quote for c in answer.citations}, metadata)
