"""Query files (both formats) and our gold set's integrity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.answer_metrics import lenient_correct
from evals.datasets import NULL_TYPE, load_queries, select_queries
from evals.gate import GOLD_SEED
from evals.metrics import fact_in
from rag.errors import InputError


def _write(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_format(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "gold.jsonl",
        [
            {"question": "Q1?", "answer": "A", "evidence": [{"article_id": "abc", "fact": "F."}]},
            {"id": "x", "question": "Q2?", "answerable": False},
        ],
    )
    first, second = load_queries(path)
    assert (first.qid, first.question_type, first.answerable, first.facts) == (
        "gold-1",
        "factoid",
        True,
        ["F."],
    )
    assert first.evidence[0].article_id == "abc"
    assert (second.qid, second.question_type, second.answerable, second.facts) == ("x", NULL_TYPE, False, [])


@pytest.mark.parametrize(
    "line",
    [
        {"answer": "no question"},
        {"question": "Q?"},  # answerable without an answer
        {"question": "Q?", "answer": "A", "evidence": [{"fact": "F."}]},  # no title or article id
        {"question": "Q?", "answerable": False, "evidence": [{"title": "T", "fact": "F."}]},
    ],
)
def test_jsonl_errors_name_the_line(tmp_path: Path, line: dict[str, object]) -> None:
    path = _write(tmp_path / "bad.jsonl", [{"question": "ok?", "answerable": False}, line])
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        load_queries(path)


def test_multihop_format(dev_queries_path: Path) -> None:
    queries = load_queries(dev_queries_path)
    assert len(queries) == 639
    nulls = [q for q in queries if not q.answerable]
    assert len(nulls) == 75
    assert all(q.question_type == NULL_TYPE and not q.facts for q in nulls)
    assert all(q.facts for q in queries if q.answerable)
    assert select_queries(queries, ["temporal_query"], 5)[0].question_type == "temporal_query"
    assert len(select_queries(queries, ["temporal_query"])) == 146
    with pytest.raises(InputError, match="no questions of type"):
        select_queries(queries, ["bogus"])


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_queries(tmp_path / "nope.json")


def test_gold_seed_set_is_grounded_in_the_seed_article(seed_path: Path) -> None:
    """Every gold fact is an exact sentence of the (cleaned) seed article; unanswerables have none."""
    import frontmatter

    from ingest.clean import clean_text
    from rag.text import sentence_spans

    text = clean_text(frontmatter.loads(seed_path.read_text(encoding="utf-8")).content)
    sentences = {text[s.start : s.end] for s in sentence_spans(text)}
    queries = load_queries(GOLD_SEED)
    assert 15 <= len(queries) <= 25
    assert len({q.qid for q in queries}) == len(queries)
    answerable = [q for q in queries if q.answerable]
    assert answerable and len(answerable) < len(queries)
    for q in answerable:
        assert q.answer and q.facts
        for fact in q.facts:
            assert fact in sentences, f"{q.qid}: not a sentence of the seed article: {fact}"
        if q.answer.lower() not in {"yes", "no"}:  # short answers are spelled as the evidence has them
            assert lenient_correct(q.answer, " ".join(q.facts)), q.qid
    for q in queries:
        if not q.answerable:
            assert not q.facts
            # nothing the question asks for is quoted by any single sentence verbatim
            assert not any(fact_in(q.question, s) for s in sentences)
