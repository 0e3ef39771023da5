"""Item 3 (locking): an ingest fetches and parses outside the store's write lock, so a slow URL never
holds up a delete."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rag.assistant import Assistant
from rag.settings import Settings
from rag.types import IngestSummary
from tests.security.drip import dripping_server


def test_a_delete_completes_while_an_ingest_is_stuck_fetching(settings: Settings, seed_path: Path) -> None:
    assistant = Assistant.from_settings(settings, fetch_timeout_s=4, fetch_allow_private=["127.0.0.0/8"])
    [seed] = assistant.ingest([seed_path]).article_ids
    results: list[IngestSummary] = []
    with dripping_server() as slow:
        ingesting = threading.Thread(target=lambda: results.append(assistant.ingest([slow])), daemon=True)
        ingesting.start()
        time.sleep(1.0)  # the loader is now inside the fetch: a byte every 0.5 s
        started = time.monotonic()
        assistant.delete_article(seed)
        took = time.monotonic() - started
        fetching = ingesting.is_alive()
        ingesting.join(15)
    assert took < 1.5, f"the delete waited {took:.1f} s for a fetch"
    assert fetching, "the fetch should still have been dripping during the delete"
    assert assistant.articles() == []
    [summary] = results
    assert summary.added == 0 and "RAG_FETCH_TIMEOUT_S" in summary.failed[0].reason
