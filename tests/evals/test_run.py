"""End to end on the seed article: real store, real model, report files, store reuse and its key."""

from __future__ import annotations

import json
from pathlib import Path

from evals.gate import GOLD_SEED
from evals.runner import EvalConfig, run_eval
from evals.stores import corpus_fingerprint, store_key
from rag.calibration import load_calibration
from rag.settings import Settings

RETRIEVAL = {"hits@4", "hits@10", "anyhit@4", "anyhit@10", "mrr@10", "map@10", "n", "max_chunk_tokens"}
ANSWERS = {
    "accuracy_lenient",
    "accuracy_strict",
    "lead_entity_rate",
    "yes_accuracy",
    "no_accuracy",
    "yes_no_balanced",
    "abstention_recall",
    "false_abstention_rate",
    "citation_precision",
    "evidence_coverage",
    "n",
}


def test_store_key_follows_corpus_content_and_settings(tmp_path: Path, settings: Settings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nOne article.", encoding="utf-8")
    first = corpus_fingerprint([corpus])
    assert corpus_fingerprint([corpus]) == first
    key = store_key(first, settings)
    assert store_key(first, settings.model_copy(update={"top_k": 3})) == key  # retrieval only
    assert store_key(first, settings, load_calibration().with_values(chunk_tokens=128)) != key
    assert store_key(first, settings, load_calibration().with_values(per_article_cap=1)) == key
    assert store_key(first, settings.model_copy(update={"embedding_model": "other"})) != key
    (corpus / "a.md").write_text("# A\n\nOne article, edited.", encoding="utf-8")
    assert corpus_fingerprint([corpus]) != first


def test_eval_on_the_seed_article(tmp_path: Path, settings: Settings, seed_path: Path) -> None:
    config = EvalConfig(
        corpus=[seed_path.parent],
        queries=[GOLD_SEED],
        out=tmp_path / "out",
        limit=3,
        types=["factoid"],
        stores_root=tmp_path / "stores",
        progress=False,
    )
    report = run_eval(config, settings)
    assert set(report["retrieval"]) == RETRIEVAL | {"mean_top10_tokens"}
    assert set(report["answers"]) == ANSWERS
    assert set(report["by_type"]) == {"factoid"}
    assert set(report["by_type"]["factoid"]["answers"]) == ANSWERS
    assert {"retrieve", "total"} <= set(report["latency_ms"])
    assert {"p50", "p95"} <= set(report["latency_ms"]["total"])
    assert report["answers"]["n"] == 3
    assert report["retrieval"]["hits@10"] == 1.0  # one article: every fact is in the top 10
    assert 0 < report["retrieval"]["max_chunk_tokens"] <= load_calibration().chunk_tokens
    assert report["ingest"]["reused"] is False
    assert report["ingest"]["articles"] == 1
    assert report["ingest"]["sentences_embedded"] > 0  # excerpts' sentence vectors, before any question
    assert "llm_api_key" not in report["settings"]
    assert report["calibration"]["packaged"] and report["calibration"]["support_threshold"] == 0.55
    assert report["versions"]["chromadb"]
    out = config.out
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    assert "| hits@10 |" in (out / "report.md").read_text(encoding="utf-8")
    assert len((out / "questions.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    for png in ("metrics_by_type.png", "latency.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    config.limit = 1
    again = run_eval(config, settings)
    assert again["ingest"]["reused"] is True
    assert again["ingest"]["sentences_embedded"] == 0  # they persist in the store's embedding cache
    assert again["ingest"]["key"] == report["ingest"]["key"]
    assert len(list((tmp_path / "stores").iterdir())) == 1
