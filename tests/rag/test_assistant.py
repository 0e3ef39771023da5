"""End to end through the public Python API, with the real model and a real Chroma in a temp dir."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.calibration import load_calibration
from rag.errors import InputError, NotFoundError
from rag.settings import Settings, load_settings
from tests.conftest import DATA_DIR, IQDEX


@pytest.mark.slow
def test_iqdex_question_is_answered_with_exact_citations(seeded_store: Path) -> None:
    assistant = Assistant.from_settings(load_settings(chroma_path=seeded_store, data_dir=DATA_DIR))
    answer = assistant.ask(IQDEX)
    assert not answer.abstained
    text = answer.text.lower()
    for system in ("helicopters", "fighter jets", "air defense systems"):
        assert system in text
    assert answer.citations
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text
        assert citation.source == "OSINTSights"
        assert citation.published_at.startswith("2025-04-23")
        article = assistant.article(citation.article_id)
        assert article.text[citation.start : citation.end] == citation.quote
    assert {"retrieve", "generate", "total"} <= set(answer.timings_ms)


@pytest.mark.slow
def test_absent_topic_abstains(seeded_store: Path) -> None:
    assistant = Assistant.from_settings(load_settings(chroma_path=seeded_store, data_dir=DATA_DIR))
    answer = assistant.ask("What was the final score of the Premier League football match on Sunday?")
    assert answer.abstained
    assert answer.citations == []
    assert "do not answer" in answer.text


@pytest.mark.slow
def test_reingest_adds_nothing(assistant: Assistant, seed_path: Path) -> None:
    first = assistant.ingest([seed_path])
    chunks = assistant.chunk_count()
    assert first.added == 1 and first.chunks == chunks > 0
    again = assistant.ingest([seed_path])
    assert (again.added, again.chunks, again.unchanged) == (0, 0, 1)
    assert assistant.chunk_count() == chunks


def test_answers_share_the_retrievers_sentence_vectors(assistant: Assistant) -> None:
    assert len(assistant.sentence_vectors or []) == 0  # fresh store: the shared memo starts empty
    assert assistant.chain.sentence_vectors is assistant.sentence_vectors


@pytest.mark.slow
def test_sentences_embedded_ahead_are_kept_by_the_store(assistant: Assistant, seed_path: Path) -> None:
    assistant.ingest([seed_path])
    words_only = load_calibration().with_values(excerpt_dense_weight=0.0)
    lexical_only = Assistant.from_settings(assistant.settings, calibration=words_only)
    assert lexical_only.embed_sentences() == 0  # excerpts that use no vectors need none
    assert assistant.embed_sentences() > 0
    assert assistant.embed_sentences() == 0  # in memory now
    reopened = Assistant.from_settings(assistant.settings)  # another process: only the store's cache
    assert reopened.embed_sentences() == 0


def test_copy_of_same_article_under_another_name_is_stored_once(
    assistant: Assistant, seed_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.md"
    copy.write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    assistant.ingest([seed_path])
    chunks = assistant.chunk_count()
    summary = assistant.ingest([copy])
    assert summary.added == 0 and assistant.chunk_count() == chunks


@pytest.mark.slow
def test_store_written_by_one_process_is_read_by_another(seeded_store: Path, tmp_path: Path) -> None:
    env_store = tmp_path / "copy-store"
    import shutil

    shutil.copytree(seeded_store, env_store)
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "--store", str(env_store), "ask", "--json", IQDEX],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer = json.loads(out.stdout)
    assert not answer["abstained"]
    assert "helicopters" in answer["text"].lower()
    assert answer["citations"][0]["source"] == "OSINTSights"


def test_empty_question_and_unknown_article_are_user_errors(seeded_store: Path) -> None:
    assistant = Assistant.from_settings(load_settings(chroma_path=seeded_store, data_dir=DATA_DIR))
    with pytest.raises(InputError, match="empty"):
        assistant.ask("   ")
    with pytest.raises(NotFoundError, match="nope"):
        assistant.article("nope")


def test_delete_article_removes_its_chunks(assistant: Assistant, seed_path: Path) -> None:
    summary = assistant.ingest([seed_path])
    assistant.delete_article(summary.article_ids[0])
    assert assistant.chunk_count() == 0 and assistant.articles() == []
    assert assistant.ask(IQDEX).abstained


def test_cli_ingest_with_sentences_embeds_them_up_front(
    settings: Settings, seed_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.cli import main

    monkeypatch.setenv("RAG_CACHE_DIR", str(settings.cache_dir))
    args = ["--store", str(settings.chroma_path), "ingest", "--json", "--sentences", str(seed_path)]
    assert main(args) == 0
    found = re.search(r"sentences: (\d+) embedded", capsys.readouterr().err)
    assert found is not None and int(found.group(1)) > 0
    assert main(args) == 0  # the second time they are all in the store's embedding cache
    assert "sentences: 0 embedded" in capsys.readouterr().err
