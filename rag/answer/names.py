"""People's names in a lead: a lone surname written in full, as the evidence gives it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.context import Source
from rag.answer.roles import is_role


def full_name(name: str, sources: Sequence[Source]) -> str:
    """A lone surname ("Altman") as the sources' passages write it in full ("Sam Altman"), the form
    they use most; the name itself when they never do."""
    if " " in name.strip() or not name[:1].isupper():
        return name
    pattern = re.compile(rf"\b([A-Z][\w'’-]+(?:\s+[A-Z]\.)?)\s+{re.escape(name)}\b")
    counts: dict[str, int] = {}
    for source in sources:
        for hit in source.hits:
            for match in pattern.finditer(hit.chunk.text):
                if match.group(1).lower().rstrip(".") not in _NOT_FIRST_NAMES and not is_role(match.group(1)):
                    full = f"{match.group(1)} {name}"
                    counts[full] = counts.get(full, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else name


_NOT_FIRST_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "mr",
        "mrs",
        "ms",
        "dr",
        "said",
        "says",
        "told",
        "when",
        "but",
        "and",
        "as",
        "if",
        "while",
    ]
)
