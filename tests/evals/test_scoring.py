"""Scoring one answer, aggregating results into report blocks, and comparing two reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets import GoldFact, Query
from evals.markdown import format_compare
from evals.report import answers_block, latency_block, retrieval_block
from evals.scoring import QuestionResult, score_answer
from rag.types import Answer, ArticleMeta, Chunk, Citation, Hit

FACT_A = "Alpha announced the merger on Monday."
FACT_B = "Beta shares fell 12 percent after the news."


def _hit(rank: int, text: str, tokens: int = 50) -> Hit:
    chunk = Chunk(id=f"c{rank}", article_id="a", text=text, start=0, end=len(text), tokens=tokens)
    return Hit(chunk=chunk, article=ArticleMeta(id="a", title="T"), rank=rank)


def _citation(n: int, quote: str, start: int = 0) -> Citation:
    return Citation(n, "a", "T", "Src", "2023-10-01", "", quote, start, start + len(quote))


def _query(answerable: bool = True, qtype: str = "inference_query") -> Query:
    facts = (GoldFact(FACT_A, "T"), GoldFact(FACT_B, "T")) if answerable else ()
    return Query("q1", "Who merged?", "Alpha" if answerable else "", qtype, facts, answerable)


def test_score_answer_answerable() -> None:
    answer = Answer(
        question="Who merged?",
        text=f"{FACT_A} [1]",
        citations=[_citation(1, FACT_A)],
        hits=[_hit(2, f"Later. {FACT_B}", 70), _hit(1, f"Intro. {FACT_A}", 30)],  # scored in rank order
        timings_ms={"retrieve": 5.0, "total": 9.0},
    )
    r = score_answer(_query(), answer)
    assert r.retrieval is not None
    assert r.retrieval.fact_ranks == (1, 2)
    assert r.retrieval.hits_at_4 == 1.0
    assert r.top_tokens == [30, 70]
    assert (r.lenient, r.strict, r.abstained) == (True, False, False)
    assert (r.citations, r.supported, r.coverage) == (1, 1, 0.5)


def test_score_answer_abstentions() -> None:
    abstained = Answer(question="Q", text="The ingested articles do not answer this.", abstained=True)
    wrong = score_answer(_query(), abstained)
    assert (wrong.lenient, wrong.strict, wrong.coverage, wrong.citations) == (False, False, 0.0, 0)
    assert wrong.retrieval is not None and wrong.retrieval.hits_at_10 == 0.0
    right = score_answer(_query(False, "null_query"), abstained)
    assert (right.lenient, right.strict, right.retrieval, right.coverage) == (True, True, None, None)
    answered = score_answer(_query(False, "null_query"), Answer(question="Q", text="Alpha [1]"))
    assert (answered.lenient, answered.strict) == (False, False)


def test_abstained_answer_with_gold_words_is_not_correct() -> None:
    """An abstention is wrong on an answerable question even if its text happens to hold the answer."""
    text = "The ingested articles do not answer this. Closest: Alpha Weekly."
    r = score_answer(_query(), Answer(question="Q", text=text, abstained=True))
    assert not r.lenient


def _result(
    qtype: str, answerable: bool, abstained: bool, correct: bool, cites: int, ok: int
) -> QuestionResult:
    q = _query(answerable, qtype)
    r = score_answer(q, Answer(question="Q", text="x", abstained=abstained, timings_ms={"total": 10.0}))
    r.lenient = r.strict = correct
    r.citations, r.supported = cites, ok
    return r


def test_answer_block_hand_computed() -> None:
    results = [
        _result("comparison_query", True, False, True, 2, 2),
        _result("comparison_query", True, True, False, 0, 0),
        _result("null_query", False, True, True, 0, 0),
        _result("null_query", False, False, False, 2, 1),
    ]
    block = answers_block(results)
    assert block == {
        "accuracy_lenient": 0.5,
        "accuracy_strict": 0.5,
        "lead_entity_rate": 0.0,  # the gold is not in "x" (answered) nor in an abstention
        "yes_accuracy": None,  # no yes/no gold answers here
        "no_accuracy": None,
        "yes_no_balanced": None,
        "abstention_recall": 0.5,
        "false_abstention_rate": 0.5,
        "citation_precision": 0.75,
        "evidence_coverage": 0.0,
        "n": 4,
    }
    nulls_only = answers_block(results[2:])
    assert nulls_only["false_abstention_rate"] is None
    assert nulls_only["evidence_coverage"] is None
    retrieval = retrieval_block(results)
    assert retrieval["n"] == 2  # null questions excluded
    assert retrieval["mean_top10_tokens"] is None  # no hits at all


def test_latency_block() -> None:
    results = [_result("temporal_query", True, False, True, 0, 0) for _ in range(4)]
    for r, ms in zip(results, (10.0, 20.0, 30.0, 40.0), strict=True):
        r.timings_ms = {"total": ms, "verify": ms / 10}
    results[0].timings_ms.pop("verify")
    block = latency_block(results)
    assert block["total"] == {"p50": 25.0, "p95": 38.5, "n": 4}
    assert block["verify"]["n"] == 3


def _report(hits10: float, acc: float) -> dict[str, object]:
    return {
        "retrieval": {"hits@10": hits10, "n": 10, "max_chunk_tokens": 200},
        "answers": {"accuracy_lenient": acc, "abstention_recall": None, "n": 12},
        "by_type": {
            "temporal_query": {"retrieval": {"hits@10": hits10}, "answers": {"accuracy_lenient": acc}}
        },
        "latency_ms": {"total": {"p50": 100.0, "p95": 300.0}},
    }


def test_format_compare_shows_deltas() -> None:
    table = format_compare(_report(0.5, 0.25), _report(0.625, 0.25), "base", "new")
    lines = {line.split()[0]: line.split()[1:] for line in table.splitlines()[2:]}
    assert lines["retrieval.hits@10"] == ["0.5000", "0.6250", "+0.1250"]
    assert lines["answers.accuracy_lenient"] == ["0.2500", "0.2500", "+0.0000"]
    assert lines["retrieval.n"] == ["10", "10", "+0"]
    assert lines["by_type.temporal_query.hits@10"][-1] == "+0.1250"
    assert "answers.abstention_recall" not in lines  # no cases on either side
    assert table.splitlines()[0].split() == ["metric", "base", "new", "delta"]


def test_cli_compare_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag.cli import main

    for name, value in (("a", 0.5), ("b", 0.75)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps(_report(value, 0.1)), encoding="utf-8")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "+0.2500" in out and "retrieval.hits@10" in out
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "missing")]) == 2
    assert "no report at" in capsys.readouterr().err
    assert main(["eval", "--corpus", "x"]) == 2
    assert "--queries, --out" in capsys.readouterr().err


class _StubAssistant:
    """Answers every question with one fixed hit; counts the questions it was asked."""

    def __init__(self) -> None:
        from rag.settings import load_settings

        self.settings = load_settings()
        self.asked: list[str] = []

    def ask(self, question: str, k: int | None = None) -> Answer:
        self.asked.append(question)
        return Answer(
            question=question, text=f"{FACT_A} [1]", citations=[_citation(1, FACT_A)], hits=[_hit(1, FACT_A)]
        )


def test_results_round_trip_and_resume(tmp_path: Path) -> None:
    from evals.runner import load_partial, run_questions

    queries = [
        Query(f"q{i}", f"Question {i}?", "Alpha", "inference_query", (GoldFact(FACT_A, "T"),), dataset="d")
        for i in range(3)
    ]
    stub = _StubAssistant()
    sink = tmp_path / "partial.jsonl"
    first = run_questions(stub, queries[:2], progress=False, sink=sink)  # type: ignore[arg-type]
    assert [QuestionResult.from_dict(r.to_dict()) for r in first] == first
    done = load_partial(sink)
    assert set(done) == {"d/q0", "d/q1"}
    stub.asked.clear()
    results = run_questions(stub, queries, progress=False, sink=sink, done=done)  # type: ignore[arg-type]
    assert stub.asked == ["Question 2?"]
    assert results[:2] == first
    assert len(sink.read_text(encoding="utf-8").splitlines()) == 3
