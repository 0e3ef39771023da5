"""What a re-ingest reports: new articles count as added even when a killed run committed some of
their source's articles without recording the source; a source's new article counts as updated only
when it replaces one the source yielded before."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from rag.assistant import Assistant
from rag.settings import load_settings
from rag.types import IngestSummary
from tests.conftest import DATA_DIR, REPO
from tests.ingest.crashing import rag_command


def records(count: int, edited: int | None = None) -> str:
    rows = [
        {
            "title": f"Record {k}",
            "source": "Wire",
            "body": f"Wire record {k}: talks in round {k} ended" + (" late." if k == edited else "."),
        }
        for k in range(count)
    ]
    return json.dumps(rows)


def killed_ingest(store: Path, cache: Path, inputs: Path, crash: str) -> int:
    """``rag ingest`` in a subprocess SIGKILLed at ``crash``; its exit code."""
    env = {**os.environ, "RAG_INGEST_BATCH_CHUNKS": "2", "RAG_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    cmd = rag_command(crash, "--store", str(store), "ingest", str(inputs))
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, timeout=300, check=False).returncode


def counts(summary: IngestSummary) -> tuple[int, int, int]:
    return summary.added, summary.updated, summary.unchanged


def test_a_rerun_after_a_crash_counts_new_articles_as_added(tmp_path: Path) -> None:
    store, cache, path = tmp_path / "store", tmp_path / "cache", tmp_path / "records.json"
    path.write_text(records(6))
    # killed after two of the file's six articles committed, before the file's manifest entry
    assert killed_ingest(store, cache, path, "committed:2") == -signal.SIGKILL
    settings = load_settings(chroma_path=store, cache_dir=cache, data_dir=DATA_DIR, ingest_batch_chunks=2)
    assistant = Assistant.from_settings(settings)
    assert counts(assistant.ingest([path])) == (4, 0, 2)  # before the fix: (0, 4, 2), all "updated"

    path.write_text(records(7))  # a new record: added, the rest unchanged
    assert counts(assistant.ingest([path])) == (1, 0, 6)
    path.write_text(records(7, edited=3))  # an edited record replaces its older version
    assert counts(assistant.ingest([path])) == (0, 1, 6)
