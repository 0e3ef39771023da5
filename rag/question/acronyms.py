"""Acronyms of the question spelled out from the evidence: "KIDA" is the "Korea Institute for Defense
Analyses" of an article that never writes "KIDA"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from rag.question.analysis import QuestionAnalysis

_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,7}$")
_SMALL = "of|for|and|the|on|in|de|du|des|la|le|y|für|und"
_NAME_RUN = re.compile(rf"\b[A-Z][\w'’&.-]*(?:\s+(?:(?:{_SMALL})\s+)*[A-Z][\w'’&.-]*)+")


def _initials(words: list[str]) -> str:
    return "".join(w[0].upper() for w in words if w[0].isalpha() or w[0] == "&")


def expansions(acronym: str, texts: Iterable[str]) -> list[str]:
    """Capitalised names in ``texts`` whose initials spell ``acronym``: of their capitalised words
    ("Korea Institute for Defense Analyses" -> KIDA) or of every word ("Bank of America" -> BOA)."""
    wanted = acronym.replace("&", "").upper()
    found: dict[str, None] = {}
    for text in texts:
        for match in _NAME_RUN.finditer(text):
            words = match.group(0).split()
            # a run may hold the name inside it: "Bank of America and NATO"
            for start, end in _sub_runs(words):
                part = words[start:end]
                capitals = [w for w in part if w[0].isupper()]
                if len(capitals) > 1 and wanted in {_initials(capitals), _initials(part)}:
                    found[" ".join(part).rstrip(".’'")] = None
    return list(found)


def _sub_runs(words: list[str]) -> Iterable[tuple[int, int]]:
    """(start, end) of the parts of a run that begin and end with a capitalised word, longest first."""
    edges = [i for i, w in enumerate(words) if w[0].isupper()]
    pairs = [(a, b + 1) for a in edges for b in edges if b > a]
    return sorted(pairs, key=lambda p: p[0] - p[1])


def spell_out(analysis: QuestionAnalysis, texts: Iterable[str]) -> QuestionAnalysis:
    """The analysis with each acronym entity's expansions (found in ``texts``) among its forms."""
    corpus = list(texts)
    entities = []
    changed = False
    for entity in analysis.entities:
        extra = expansions(entity.text, corpus) if _ACRONYM.match(entity.text) else []
        extra = [e for e in extra if e not in entity.forms]
        if extra:
            entity = replace(entity, forms=(*entity.forms, *extra))
            changed = True
        entities.append(entity)
    return replace(analysis, entities=tuple(entities)) if changed else analysis


def spelled_question(analysis: QuestionAnalysis) -> str:
    """The question with each spelled-out acronym replaced by its first expansion."""
    text = analysis.question
    for entity in sorted(analysis.entities, key=lambda e: -e.start):
        if _ACRONYM.match(entity.text) and len(entity.forms) > 1:
            text = text[: entity.start] + entity.forms[1] + text[entity.end :]
    return text
