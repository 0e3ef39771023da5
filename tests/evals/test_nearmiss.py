"""The answerability calibration set (evals/gold/nearmiss.jsonl) and the command that measures it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.answer_metrics import normalize_answer
from evals.metrics import match_key
from evals.nearmiss import (
    KINDS,
    STORE_KINDS,
    Article,
    all_articles,
    load_nearmiss,
    main,
    store_titles,
)
from rag.errors import InputError
from tests.conftest import DATA_DIR, require

SEED = {"id": "x", "question": "Q?", "store": "seed"}
MIN_PER_KIND = 20  # per store kind and question kind (issue 15: >= 60 answerable + 60 near-miss)
COPIED_WORDS = 6  # a question sharing a run this long with its answering sentence is not paraphrased


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    require(DATA_DIR / "seed")
    require(DATA_DIR / "multihop_rag" / "corpus.json")
    return all_articles(DATA_DIR)


def test_set_schema_counts_and_ids() -> None:
    questions = load_nearmiss()
    ids = [q.qid for q in questions]
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    counts = Counter((q.store, q.kind) for q in questions)
    for store in STORE_KINDS:
        for kind in KINDS:
            assert counts[(store, kind)] >= MIN_PER_KIND, (store, kind, counts[(store, kind)])
    texts = [q.question.casefold() for q in questions]
    assert len(set(texts)) == len(texts), "a question is asked twice"


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ({**SEED, "store": "big", "kind": "answerable"}, "store 'big'"),
        ({**SEED, "kind": "maybe"}, "kind 'maybe'"),
        ({**SEED, "kind": "answerable", "evidence": []}, "evidence"),
        ({**SEED, "kind": "answerable", "evidence": [{"title": "T"}]}, "fact"),
        ({**SEED, "kind": "near_miss", "evidence": [{"title": "T"}]}, "grep"),
        ({**SEED, "kind": "near_miss", "evidence": [{"title": "T"}], "grep": ["("]}, "not a valid regex"),
    ],
)
def test_loader_names_the_bad_line(tmp_path: Path, line: dict[str, object], complaint: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text("\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"set\.jsonl:2: .*{re.escape(complaint)}"):
        load_nearmiss(path)


def test_answerable_questions_are_answered_by_their_sentence(articles: list[Article]) -> None:
    by_title = {a.title: a for a in articles}
    for q in load_nearmiss():
        if q.kind != "answerable":
            continue
        for title in q.titles:
            assert title in store_titles(q.store, articles), (q.qid, title, q.store)
        fact = q.evidence[0]["fact"]
        assert match_key(fact) in match_key(by_title[q.titles[0]].body), (q.qid, "fact not in article")
        assert f" {normalize_answer(q.answer)} " in f" {normalize_answer(fact)} ", (q.qid, q.answer)
        question_words, fact_words = normalize_answer(q.question).split(), normalize_answer(fact)
        runs = {
            " ".join(question_words[i : i + COPIED_WORDS])
            for i in range(len(question_words) - COPIED_WORDS + 1)
        }
        assert not [r for r in runs if f" {r} " in f" {fact_words} "], (q.qid, "copied from the sentence")


@pytest.mark.slow
def test_near_miss_details_are_absent_from_the_whole_corpus(articles: list[Article]) -> None:
    texts = [f"{a.title}\n{a.body}" for a in articles]
    for q in load_nearmiss():
        if q.kind != "near_miss":
            continue
        for title in q.titles:
            assert title in store_titles(q.store, articles), (q.qid, title, q.store)
        for pattern in q.grep:
            regex = re.compile(pattern, re.IGNORECASE)
            hits = [a.title for a, text in zip(articles, texts, strict=True) if regex.search(text)]
            assert not hits, (q.qid, pattern, hits[:3])


def test_store_kinds_hold_what_they_say(articles: list[Article]) -> None:
    assert len(store_titles("seed", articles)) == 1
    assert len(store_titles("corpus60", articles)) == 61  # the seed article + the first 60
    assert articles[60].title in store_titles("corpus60", articles)
    assert articles[61].title not in store_titles("corpus60", articles)


@pytest.mark.slow
def test_measure_the_seed_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require(DATA_DIR / "seed")
    monkeypatch.setenv("RAG_DATA_DIR", str(DATA_DIR))
    out = tmp_path / "seed.json"
    assert main(["--store-kind", "seed", "--out", str(out), "--cache", str(tmp_path / "stores")]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    seed_questions = [q for q in load_nearmiss() if q.store == "seed"]
    assert report["store_kind"] == "seed"
    assert report["store"]["articles"] == 1
    assert report["n_answerable"] + report["n_near_miss"] == len(seed_questions)
    for rate in ("answerable_rate", "answered_rate", "near_miss_abstention"):
        assert 0.0 <= report[rate] <= 1.0
    assert report["answerable_rate"] <= report["answered_rate"]
    assert report["latency_ms"]["p50"] > 0
    assert len(report["questions"]) == len(seed_questions)
    assert {"qid", "kind", "abstained", "correct", "latency_ms", "answer"} <= set(report["questions"][0])
    printed = capsys.readouterr().out
    assert "| near-miss abstention |" in printed
