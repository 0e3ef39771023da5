"""The regression gate: a small real eval must stay above the thresholds in evals/thresholds.json.

When a change moves a metric on purpose, re-measure with ``python -m evals.gate --write`` and commit
the new thresholds together with the change (the file keeps the figures they came from).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gate import GATED, THRESHOLDS, check, pick_articles, pick_questions, run_gate, thresholds_from
from rag.settings import Settings
from tests.conftest import require


def test_gate_selection_is_deterministic_and_stratified(dev_queries_path: Path, corpus_path: Path) -> None:
    records = json.loads(dev_queries_path.read_text(encoding="utf-8"))
    corpus = json.loads(corpus_path.read_text(encoding="utf-8"))
    picked = pick_questions(records, 5)
    assert [q["qid"] for q in picked] == [q["qid"] for q in pick_questions(records, 5)]
    types = [q["question_type"] for q in picked]
    assert {t: types.count(t) for t in set(types)} == {
        "comparison_query": 5,
        "inference_query": 5,
        "temporal_query": 5,
        "null_query": 5,
    }
    articles = pick_articles(corpus, picked, 10)
    titles = {a["title"] for a in articles}
    assert {e["title"] for q in picked for e in q["evidence_list"]} <= titles
    assert len(articles) == len(titles) == len({e["title"] for q in picked for e in q["evidence_list"]}) + 10


def test_check_flags_drops_in_either_direction() -> None:
    report = {"retrieval": {"hits@10": 0.5}, "answers": {"false_abstention_rate": 0.2}}
    limits = thresholds_from(report, margin=0.05)
    assert limits == {"min": {"retrieval.hits@10": 0.45}, "max": {"answers.false_abstention_rate": 0.25}}
    assert check(report, limits) == []
    worse = {"retrieval": {"hits@10": 0.4}, "answers": {"false_abstention_rate": 0.3}}
    assert len(check(worse, limits)) == 2
    assert check({"retrieval": {}}, {"min": {"retrieval.hits@10": 0.4}}) == [
        "retrieval.hits@10: missing from the report (threshold min 0.4)"
    ]


def test_thresholds_file_records_its_figures() -> None:
    record = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    assert record["measured"] and record["thresholds"]["min"]
    for path, limit in record["thresholds"]["min"].items():
        assert limit <= record["measured"][path], path
    for path, limit in record["thresholds"]["max"].items():
        assert limit >= record["measured"][path], path
    assert {p for p, _ in GATED} >= set(record["thresholds"]["min"]) | set(record["thresholds"]["max"])


@pytest.mark.slow
def test_regression_gate(tmp_path: Path, settings: Settings) -> None:
    require(Path(settings.data_dir) / "multihop_rag" / "corpus.json")
    require(Path(settings.data_dir) / "seed")
    report = run_gate(settings, tmp_path)
    failures = check(report, json.loads(THRESHOLDS.read_text(encoding="utf-8"))["thresholds"])
    if failures:
        pytest.fail("regression gate:\n" + "\n".join(failures) + f"\nreport: {tmp_path / 'report'}")
