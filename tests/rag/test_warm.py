"""The background sentence warm-up: queueing, pausing while questions run, and the real store."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.calibration import load_calibration
from rag.warm import SentenceWarmer
from tests.ingest.fixtures import BODY, html_page


def test_articles_are_embedded_once_each_in_the_order_queued() -> None:
    done: list[str] = []
    warmer = SentenceWarmer(lambda article_id: done.append(article_id) or 2)
    warmer.submit(["a", "b", "a"])
    warmer.submit(["c"])
    assert warmer.wait(10)
    assert done == ["a", "b", "c"]
    status = warmer.status()
    assert (status.articles_done, status.articles_queued, status.sentences_embedded) == (3, 0, 6)
    warmer.submit(["d"])  # the thread ended with an empty queue: a later submit starts another
    assert warmer.wait(10) and done[-1] == "d"


def test_warm_up_waits_while_a_question_runs() -> None:
    asking = threading.Event()
    asking.set()
    done: list[str] = []
    warmer = SentenceWarmer(lambda article_id: done.append(article_id) or 0, busy=asking.is_set, poll_s=0.01)
    warmer.submit(["a"])
    assert not warmer.wait(0.3) and done == []
    asking.clear()
    assert warmer.wait(10) and done == ["a"]


def test_one_failing_article_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    def embed(article_id: str) -> int:
        if article_id == "bad":
            raise ValueError("broken article")
        return 1

    warmer = SentenceWarmer(embed)
    warmer.submit(["bad", "good"])
    assert warmer.wait(10)
    assert warmer.status().articles_done == 2 and warmer.status().sentences_embedded == 1
    assert "sentence warm-up failed for article bad" in caplog.text


def test_stop_drops_what_is_still_queued() -> None:
    gate = threading.Event()
    done: list[str] = []

    def embed(article_id: str) -> int:
        gate.wait(10)
        done.append(article_id)
        return 0

    warmer = SentenceWarmer(embed)
    warmer.submit(["a", "b", "c"])
    time.sleep(0.05)  # "a" is in hand
    stopper = threading.Thread(target=warmer.stop, args=(10,))
    stopper.start()
    time.sleep(0.05)
    gate.set()
    stopper.join(10)
    assert done == ["a"] and not warmer.status().running
    warmer.submit(["d"])  # a stopped warmer stays stopped
    assert warmer.wait(1) and done == ["a"]


def _article(folder: Path, name: str, title: str) -> Path:
    path = folder / f"{name}.html"
    path.write_text(html_page(title, BODY.replace("radar", f"{name} radar")), encoding="utf-8")
    return path


def test_store_warms_in_the_background_then_new_articles(assistant: Assistant, tmp_path: Path) -> None:
    assistant.ingest([_article(tmp_path, "first", "Radar deliveries confirmed")])
    warmer = assistant.warm_sentences()
    assert warmer is not None and warmer.wait(120)
    assert warmer.status().sentences_embedded > 0
    assert assistant.embed_sentences() == 0  # nothing left for a question to embed
    summary = assistant.ingest([_article(tmp_path, "second", "Second radar batch arrives")])
    assert warmer.wait(120) and warmer.status().articles_done == 2
    new = assistant.article(summary.article_ids[0])  # raises when the id is not a stored article
    assert assistant.embed_article_sentences(new.id) == 0


def test_no_warm_up_when_excerpts_use_no_vectors(settings: object) -> None:
    words_only = load_calibration().with_values(excerpt_dense_weight=0.0)
    lexical_only = Assistant.from_settings(settings, calibration=words_only)  # type: ignore[arg-type]
    assert lexical_only.warm_sentences() is None and lexical_only.warmer is None


def test_assistant_is_busy_while_a_question_streams(assistant: Assistant, tmp_path: Path) -> None:
    assistant.ingest([_article(tmp_path, "first", "Radar deliveries confirmed")])
    assert not assistant.busy
    events = assistant.stream("Which radar systems were delivered?")
    next(events)
    assert assistant.busy
    for _ in events:
        pass
    assert not assistant.busy
