"""Question sets: the MultiHop-RAG JSON format and our own JSONL gold format, as :class:`Query`.

MultiHop-RAG (``dev_queries.json``): a JSON list of ``{qid, query, answer, question_type,
evidence_list: [{title, source, published_at, fact, ...}]}``; ``null_query`` questions have no
evidence and the answer "Insufficient information.".

Our JSONL (``evals/gold/*.jsonl``), one question per line::

    {"id": "seed-01", "question": "...", "answer": "...", "type": "factoid",
     "evidence": [{"title": "...", "fact": "an exact sentence of the article"}]}
    {"id": "seed-20", "question": "...", "answerable": false}

``evidence[].article_id`` may replace ``title``; ``type`` defaults to ``factoid`` (answerable) or
``null_query`` (``answerable: false``); ``id`` defaults to ``<file stem>-<line number>``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import InputError

NULL_TYPE = "null_query"


@dataclass(frozen=True)
class GoldFact:
    """One gold evidence sentence and the article it comes from (by title and/or id)."""

    fact: str
    title: str = ""
    article_id: str = ""
    source: str = ""


@dataclass(frozen=True)
class Query:
    """One eval question. ``answerable`` is False for questions the corpus does not answer."""

    qid: str
    question: str
    answer: str
    question_type: str
    evidence: tuple[GoldFact, ...] = field(default_factory=tuple)
    answerable: bool = True
    dataset: str = ""

    @property
    def facts(self) -> list[str]:
        """The distinct gold fact sentences, in their original order."""
        return list(dict.fromkeys(e.fact for e in self.evidence))


def load_queries(path: str | Path) -> list[Query]:
    """Read a query file in either format (chosen by content: a JSON list, or one object per line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"queries file {path} does not exist")
    raw = path.read_text(encoding="utf-8")
    stripped = raw.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: malformed JSON ({exc})") from exc
        return [_multihop(r, i, path) for i, r in enumerate(records)]
    queries: list[Query] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: malformed JSON line ({exc})") from exc
        queries.append(_jsonl(record, number, path))
    return queries


def select_queries(
    queries: Sequence[Query], types: Sequence[str] = (), limit: int | None = None
) -> list[Query]:
    """Keep the given question types (all when empty), then the first ``limit`` in file order."""
    wanted = set(types)
    unknown = wanted - {q.question_type for q in queries}
    if unknown:
        known = sorted({q.question_type for q in queries})
        raise InputError(f"no questions of type {sorted(unknown)}; the file has types {known}")
    kept = [q for q in queries if not wanted or q.question_type in wanted]
    return kept[:limit] if limit is not None else kept


def _multihop(record: Any, index: int, path: Path) -> Query:
    if not isinstance(record, dict) or "query" not in record:
        raise InputError(f"{path}: record {index} is not a MultiHop-RAG question (no 'query' field)")
    qtype = str(record.get("question_type") or "unknown")
    evidence = tuple(
        GoldFact(
            fact=str(e["fact"]),
            title=str(e.get("title") or ""),
            source=str(e.get("source") or ""),
        )
        for e in record.get("evidence_list") or []
        if isinstance(e, dict) and e.get("fact")
    )
    return Query(
        qid=str(record.get("qid", index)),
        question=str(record["query"]),
        answer=str(record.get("answer") or ""),
        question_type=qtype,
        evidence=evidence,
        answerable=qtype != NULL_TYPE,
        dataset=path.stem,
    )


def _jsonl(record: Any, number: int, path: Path) -> Query:
    where = f"{path}:{number}"
    if not isinstance(record, dict) or not str(record.get("question") or "").strip():
        raise InputError(f"{where}: each line needs a 'question'")
    answerable = bool(record.get("answerable", True))
    evidence: list[GoldFact] = []
    for item in record.get("evidence") or []:
        if not isinstance(item, dict) or not str(item.get("fact") or "").strip():
            raise InputError(f"{where}: each evidence item needs a 'fact' sentence")
        if not (item.get("title") or item.get("article_id")):
            raise InputError(f"{where}: each evidence item needs a 'title' or an 'article_id'")
        evidence.append(
            GoldFact(
                fact=str(item["fact"]),
                title=str(item.get("title") or ""),
                article_id=str(item.get("article_id") or ""),
                source=str(item.get("source") or ""),
            )
        )
    if answerable and not str(record.get("answer") or "").strip():
        raise InputError(f"{where}: an answerable question needs an 'answer' (or set answerable: false)")
    if not answerable and evidence:
        raise InputError(f"{where}: an unanswerable question cannot have evidence")
    return Query(
        qid=str(record.get("id") or f"{path.stem}-{number}"),
        question=str(record["question"]).strip(),
        answer=str(record.get("answer") or ""),
        question_type=str(record.get("type") or ("factoid" if answerable else NULL_TYPE)),
        evidence=tuple(evidence),
        answerable=answerable,
        dataset=path.stem,
    )
