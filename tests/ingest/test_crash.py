"""SIGKILL an ingest at several points, rerun it: the store equals an uninterrupted run's."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.settings import Settings, load_settings
from tests.conftest import DATA_DIR, REPO
from tests.ingest.crashing import rag_command

SENTENCES = [
    "Drone strikes hit the refinery at {p} overnight.",
    "Local officials in {p} reported power cuts across three districts.",
    "Air defence units claimed to have intercepted most of the drones near {p}.",
    "Satellite images of {p} showed damage to two storage tanks.",
]
PLACES = ["Ryazan", "Tuapse", "Novorossiysk", "Saratov", "Volgograd", "Kstovo"]


def write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, place in enumerate(PLACES):
        body = "\n".join(" ".join(s.format(p=place) for s in SENTENCES) + f" Update {k}." for k in range(3))
        (folder / f"{i}-{place}.md").write_text(
            f"---\ntitle: Strike on {place}\nsource: Outlet {i}\n---\n{body}"
        )
    (folder / "copy.md").write_text((folder / "0-Ryazan.md").read_text().replace("Outlet 0", "Copy Desk"))
    records = [
        {"title": f"Record {k}", "source": "Wire", "body": f"Wire record {k}: talks in round {k} ended."}
        for k in range(3)
    ]
    (folder / "records.json").write_text(json.dumps(records))


def settings_for(store: Path, cache: Path) -> Settings:
    return load_settings(chroma_path=store, cache_dir=cache, data_dir=DATA_DIR, ingest_batch_chunks=4)


def run_cli(store: Path, cache: Path, folder: Path, crash: str | None) -> int:
    env = {**os.environ, "RAG_INGEST_BATCH_CHUNKS": "4", "RAG_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    cmd = rag_command(crash, "--store", str(store), "ingest", "--json", str(folder))
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, timeout=300, check=False).returncode


def snapshot(settings: Settings) -> dict[str, Any]:
    assistant = Assistant.from_settings(settings)
    articles = {
        a.id: (a.title, a.source, a.text, a.origin, sorted(map(str, a.also_reported_by)), a.pages)
        for a in assistant.articles()
    }
    store = assistant.article_store
    chunks = {a: sorted(store.chunk_ids(a)) for a in articles}
    vectors = sorted(
        (cid, meta["article_id"], meta["start"], meta["end"])
        for cid, meta in assistant.vectors.all_metadata()
    )
    lexical = sqlite3.connect(Path(settings.chroma_path) / f"{settings.collection}.lexical.sqlite")
    lex_ids = sorted(r[0] for r in lexical.execute("SELECT chunk_id FROM lex_ids"))
    lexical.close()
    manifest = {Path(o).name: sorted(ids) for o, ids in store.origins().items()}
    return {
        "articles": articles,
        "chunks": chunks,
        "vectors": vectors,
        "lexical": lex_ids,
        "manifest": manifest,
        "orphans": store.orphans(),
    }


def test_killed_ingest_resumes_to_the_same_store(tmp_path: Path) -> None:
    folder, cache = tmp_path / "in", tmp_path / "cache"
    write_inputs(folder)
    reference = settings_for(tmp_path / "reference", cache)
    Assistant.from_settings(reference).ingest([folder])
    crashed = tmp_path / "crashed"
    # killed with chunks in the vector store but their article uncommitted, then mid-way through commits
    for point in ("upserted:2", "committed:3"):
        assert run_cli(crashed, cache, folder, point) == -signal.SIGKILL, point
    # an input changes while a run is killed after writing its new chunks, and changes again before
    # the rerun: those chunks belong to no article and must go
    path = folder / "2-Novorossiysk.md"
    original = path.read_text()
    path.write_text(original + "\nA first correction was appended.")
    assert run_cli(crashed, cache, folder, "upserted:1") == -signal.SIGKILL
    path.write_text(original + "\nA second correction replaced the first.")
    # killed after the stale article was removed, before the manifest was written
    assert run_cli(crashed, cache, folder, "stale:1") == -signal.SIGKILL
    assert run_cli(crashed, cache, folder, None) == 0
    Assistant.from_settings(reference).ingest([folder])
    expected = snapshot(reference)
    assert len(expected["articles"]) == 9 and expected["orphans"] == []
    assert any("second correction" in a[2] for a in expected["articles"].values())
    assert snapshot(settings_for(crashed, cache)) == expected
