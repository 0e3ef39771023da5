"""The answerability calibration set (``evals/gold/nearmiss.jsonl``) and its measurement.

``python -m evals.nearmiss --store-kind seed|corpus60|corpus [--out FILE]`` builds (or reuses) a store
of that kind under ``.rag/nearmiss/<kind>``, asks every question of that kind through
``Assistant.ask`` and prints (and with ``--out`` writes as JSON) the near-miss block:

- ``answerable_rate``: answerable questions answered (not abstained) with the normalized gold answer,
  as whole words, in the answer text or its cited quotes (:func:`evals.answer_metrics.lenient_correct`);
- ``answered_rate``: answerable questions not abstained, right or wrong;
- ``near_miss_abstention``: near-miss questions (same entities and topic as an article, asking for a
  detail no article gives) that abstained;
- ``latency_ms``: p50/p95 of ``Answer.timings_ms["total"]``.

Store kinds: ``seed`` is the seed article alone; ``corpus60`` the seed article plus the first 60
articles of ``multihop_rag/corpus.json`` in file order; ``corpus`` the seed article plus all of it.

Each line of the set: ``{"id", "question", "store", "kind": "answerable" | "near_miss", "answer",
"evidence": [{"title", "fact"?}], "grep": [regex, ...]}``. Answerable lines give the gold answer and
the exact sentence that answers it; near-miss lines give the article(s) they are about and the
case-insensitive regexes that would match the missing detail, none of which matches any article
(title or body) of the whole corpus or the seed article (:func:`grep_hits` checks it).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evals.answer_metrics import lenient_correct
from evals.datasets import Query
from evals.markdown import fmt
from evals.metrics import percentile, ratio
from evals.scoring import ask
from evals.stores import open_store
from rag.errors import InputError
from rag.settings import Settings, load_settings

GOLD_NEARMISS = Path(__file__).resolve().parent / "gold" / "nearmiss.jsonl"
STORE_KINDS = ("seed", "corpus60", "corpus")
KINDS = ("answerable", "near_miss")
CORPUS60_SIZE = 60
SEED_FILE = Path("seed") / "south-korea-arms-exports-iraq.md"
CORPUS_FILE = Path("multihop_rag") / "corpus.json"
CACHE = Path(".rag") / "nearmiss"


@dataclass(frozen=True)
class NearMissQuestion:
    """One line of the calibration set."""

    qid: str
    question: str
    store: str
    kind: str
    answer: str
    evidence: tuple[dict[str, str], ...]
    grep: tuple[str, ...]

    @property
    def titles(self) -> list[str]:
        """The titles of the articles the question is about."""
        return list(dict.fromkeys(e["title"] for e in self.evidence))


def load_nearmiss(path: Path = GOLD_NEARMISS) -> list[NearMissQuestion]:
    """Read and check the set's schema; an :class:`InputError` names the bad line and field."""
    if not path.is_file():
        raise InputError(f"calibration set {path} does not exist")
    questions: list[NearMissQuestion] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            questions.append(_parse(line, f"{path}:{number}"))
    return questions


def _parse(line: str, where: str) -> NearMissQuestion:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: malformed JSON line ({exc})") from exc
    if not isinstance(record, dict):
        raise InputError(f"{where}: each line must be a JSON object")
    for name in ("id", "question"):
        if not str(record.get(name) or "").strip():
            raise InputError(f"{where}: '{name}' is missing or empty")
    if record.get("store") not in STORE_KINDS:
        raise InputError(f"{where}: store {record.get('store')!r} is not one of {list(STORE_KINDS)}")
    kind = record.get("kind")
    if kind not in KINDS:
        raise InputError(f"{where}: kind {kind!r} is not one of {list(KINDS)}")
    evidence = record.get("evidence")
    if not isinstance(evidence, list) or not evidence:
        raise InputError(f"{where}: 'evidence' must be a non-empty list of {{title, fact}} objects")
    for item in evidence:
        if not isinstance(item, dict) or not str(item.get("title") or "").strip():
            raise InputError(f"{where}: each evidence item needs a 'title'")
        if kind == "answerable" and not str(item.get("fact") or "").strip():
            raise InputError(f"{where}: answerable evidence needs the 'fact' sentence that answers it")
    grep = record.get("grep") or []
    if kind == "answerable" and not str(record.get("answer") or "").strip():
        raise InputError(f"{where}: an answerable question needs its gold 'answer'")
    if kind == "near_miss" and (not isinstance(grep, list) or not grep):
        raise InputError(f"{where}: a near-miss question needs the 'grep' patterns that show it is absent")
    for pattern in grep:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise InputError(f"{where}: grep pattern {pattern!r} is not a valid regex ({exc})") from exc
    return NearMissQuestion(
        qid=str(record["id"]),
        question=str(record["question"]).strip(),
        store=str(record["store"]),
        kind=str(kind),
        answer=str(record.get("answer") or ""),
        evidence=tuple({k: str(v) for k, v in item.items()} for item in evidence),
        grep=tuple(str(p) for p in grep),
    )


@dataclass(frozen=True)
class Article:
    """An article's title and text as the grep check and the store definitions see it."""

    title: str
    body: str


def all_articles(data_dir: Path) -> list[Article]:
    """The seed article followed by every MultiHop-RAG corpus article, in file order."""
    seed = data_dir / SEED_FILE
    corpus = data_dir / CORPUS_FILE
    if not (seed.is_file() and corpus.is_file()):
        raise InputError(f"data not found under {data_dir}: set RAG_DATA_DIR to the folder with seed/")
    text = seed.read_text(encoding="utf-8")
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', text, re.MULTILINE)
    records = json.loads(corpus.read_text(encoding="utf-8"))
    return [
        Article(title.group(1) if title else seed.stem, text),
        *(Article(str(r["title"]), str(r["body"])) for r in records),
    ]


def store_titles(kind: str, articles: Sequence[Article]) -> set[str]:
    """Titles of the articles a store of ``kind`` holds (``articles`` as :func:`all_articles` gives)."""
    size = {"seed": 1, "corpus60": 1 + CORPUS60_SIZE, "corpus": len(articles)}[kind]
    return {a.title for a in articles[:size]}


def grep_hits(pattern: str, articles: Sequence[Article]) -> list[str]:
    """Titles of the articles whose title or body matches ``pattern`` (case-insensitive)."""
    regex = re.compile(pattern, re.IGNORECASE)
    return [a.title for a in articles if regex.search(f"{a.title}\n{a.body}")]


def store_corpus(kind: str, data_dir: Path, cache: Path) -> list[Path]:
    """The corpus paths to ingest for a store kind (``corpus60`` is written to ``cache`` as JSON)."""
    seed, corpus = data_dir / SEED_FILE, data_dir / CORPUS_FILE
    if kind == "seed":
        return [seed]
    if kind == "corpus":
        return [seed, corpus]
    subset = cache / "corpus60.json"
    records = json.loads(corpus.read_text(encoding="utf-8"))[:CORPUS60_SIZE]
    text = json.dumps(records, ensure_ascii=False, indent=1)
    if not subset.is_file() or subset.read_text(encoding="utf-8") != text:
        subset.parent.mkdir(parents=True, exist_ok=True)
        subset.write_text(text, encoding="utf-8")
    return [seed, subset]


@dataclass
class Outcome:
    """What one question got: abstained or not, right or not, how long it took."""

    qid: str
    kind: str
    question: str
    gold: str
    abstained: bool
    correct: bool
    latency_ms: float
    answer: str
    error: str = ""


def score(question: NearMissQuestion, abstained: bool, text: str, quotes: Sequence[str]) -> bool:
    """Answerable: answered with the gold answer in the text or a cited quote. Near-miss: abstained."""
    if question.kind == "near_miss":
        return abstained
    return not abstained and lenient_correct(question.answer, "\n".join([text, *quotes]))


def nearmiss_block(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The rates (None when a kind has no questions) and latency of a run."""
    answerable = [o for o in outcomes if o.kind == "answerable"]
    near = [o for o in outcomes if o.kind == "near_miss"]
    latencies = [o.latency_ms for o in outcomes]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return {
        "answerable_rate": ratio(sum(o.correct for o in answerable), len(answerable)),
        "answered_rate": ratio(sum(not o.abstained for o in answerable), len(answerable)),
        "near_miss_abstention": ratio(sum(o.abstained for o in near), len(near)),
        "n_answerable": len(answerable),
        "n_near_miss": len(near),
        "latency_ms": {
            "p50": None if p50 is None else round(p50, 1),
            "p95": None if p95 is None else round(p95, 1),
        },
    }


def measure(
    kind: str,
    settings: Settings,
    questions: Sequence[NearMissQuestion],
    cache: Path = CACHE,
    progress: bool = True,
) -> dict[str, Any]:
    """Build or reuse the ``kind`` store under ``cache/<kind>``, ask its questions, return the report."""
    if kind not in STORE_KINDS:
        raise InputError(f"store kind {kind!r} is not one of {list(STORE_KINDS)}")
    asked = [q for q in questions if q.store == kind]
    if not asked:
        raise InputError(f"the calibration set has no questions for store kind {kind!r}")
    root = cache / kind
    assistant, store = open_store(store_corpus(kind, settings.data_dir, root), settings, root)
    outcomes: list[Outcome] = []
    for question in asked:
        query = Query(question.qid, question.question, question.answer, question.kind, dataset="nearmiss")
        started = time.perf_counter()
        answer, error = ask(assistant, query)
        wall_ms = (time.perf_counter() - started) * 1000
        quotes = [c.quote for c in answer.citations]
        outcomes.append(
            Outcome(
                qid=question.qid,
                kind=question.kind,
                question=question.question,
                gold=question.answer,
                abstained=answer.abstained,
                correct=score(question, answer.abstained, answer.text, quotes),
                latency_ms=round(answer.timings_ms.get("total", wall_ms), 1),
                answer=answer.text,
                error=error,
            )
        )
        if progress:
            mark = "ok " if outcomes[-1].correct else "MISS"
            print(f"{mark} {question.qid}: {question.question}", file=sys.stderr)
    return {
        "store_kind": kind,
        **nearmiss_block(outcomes),
        "store": {
            "articles": store.articles,
            "chunks": store.chunks,
            "path": store.path,
            "reused": store.reused,
        },
        "questions": [asdict(o) for o in outcomes],
    }


def format_summary(report: dict[str, Any]) -> str:
    """One Markdown table row set for a report (what the command prints)."""
    rows = [
        ("answerable rate (gold answer in answer or quotes)", fmt(report["answerable_rate"])),
        ("answered at all (answerable, not abstained)", fmt(report["answered_rate"])),
        ("near-miss abstention", fmt(report["near_miss_abstention"])),
        ("answerable / near-miss questions", f"{report['n_answerable']} / {report['n_near_miss']}"),
        (
            "latency p50 / p95 (ms)",
            f"{fmt(report['latency_ms']['p50'])} / {fmt(report['latency_ms']['p95'])}",
        ),
    ]
    lines = [f"store kind `{report['store_kind']}` ({report['store']['articles']} articles)", ""]
    lines += ["| metric | value |", "| --- | --- |", *(f"| {m} | {v} |" for m, v in rows)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: measure one store kind, print the summary, optionally write the JSON report."""
    parser = argparse.ArgumentParser(prog="python -m evals.nearmiss", description=__doc__.split("\n")[0])
    parser.add_argument("--store-kind", required=True, choices=STORE_KINDS)
    parser.add_argument("--out", type=Path, help="write the JSON report (rates and every answer) here")
    parser.add_argument("--gold", type=Path, default=GOLD_NEARMISS, help="the calibration set")
    parser.add_argument(
        "--cache", type=Path, default=CACHE, help="folder for the stores (default .rag/nearmiss)"
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    report = measure(args.store_kind, settings, load_nearmiss(args.gold), args.cache)
    report["command"] = " ".join(["python -m evals.nearmiss", *map(shlex.quote, argv or sys.argv[1:])])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(format_summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
