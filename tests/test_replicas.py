"""Replicas and shards on one real `chroma run` server (issue #17).

Two `rag serve` processes, each with its own store folder (its caches), share one Chroma server: an
article ingested through one is answerable through the other within 10 s, and a delete through one
disappears from both. Two `rag ingest --shard i/2` processes fill one server with disjoint halves of
a small corpus that an unsharded run then finds complete.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.produce import Shard
from rag.assistant import Assistant
from rag.settings import load_settings
from tests.conftest import DATA_DIR, REPO
from tests.ingest.fixtures import KSTOVO_QUESTION, KSTOVO_REPORT
from tests.ingest.test_crash import write_inputs
from tests.servers import free_port, serving, wait_until_up

pytestmark = pytest.mark.slow  # a Chroma server, `rag serve` and `rag ingest` processes

REPORT, QUESTION = KSTOVO_REPORT.encode(), KSTOVO_QUESTION
REACH_S = 10.0  # the bound: ingested through one replica, answerable through the other


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma CLI (from the chromadb package) is not installed")
    port = free_port()
    command = [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/v2/heartbeat", 60, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def environment(cache: Path, chroma_url: str) -> dict[str, str]:
    """The environment of a replica or shard process; each has its own cache, as on its own machine."""
    drop = ("RAG_API_KEYS", "RAG_UI_USERS", "RAG_PORT", "RAG_CHROMA_PATH", "RAG_ALLOW_PUBLIC")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {
        "RAG_CHROMA_URL": chroma_url,
        "RAG_CACHE_DIR": str(cache),
        "RAG_WARM_SENTENCES": "false",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    }


def rag(*args: str) -> list[str]:
    return [sys.executable, "-m", "rag.cli", *args]


def until(condition: Callable[[], bool], timeout: float) -> float:
    """Seconds until a call of ``condition()`` returned true (polled every 0.1 s); fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"not so after {timeout:.0f} s"
        time.sleep(0.1)
    return time.monotonic() - started


def cited(base: str) -> set[str]:
    """Article ids an answer to QUESTION cites, from replica ``base``."""
    response = httpx.post(f"{base}/api/ask", json={"question": QUESTION}, timeout=60)
    assert response.status_code == 200, response.text
    return {c["article_id"] for c in response.json()["citations"]}


def listed(base: str) -> set[str]:
    response = httpx.get(f"{base}/api/articles", params={"limit": 1000}, timeout=30)
    assert response.status_code == 200, response.text
    return {a["id"] for a in response.json()["articles"]}


def test_two_replicas_share_ingests_and_deletes(tmp_path: Path, seed_path: Path) -> None:
    with ExitStack() as stack:
        url = stack.enter_context(chroma_server(tmp_path / "chroma"))
        bases = []
        for name in ("a", "b"):
            port = free_port()
            command = rag("serve", "--store", str(tmp_path / name), "--port", str(port))
            env = environment(tmp_path / f"cache-{name}", url)
            log_path = tmp_path / f"serve-{name}.log"
            bases.append(stack.enter_context(serving(command, port, REPO, env, log_path)))
        a, b = bases
        seeded = httpx.post(
            f"{a}/api/ingest",
            params={"wait": 120},
            files={"files": ("seed.md", seed_path.read_bytes())},
            timeout=130,
        ).json()
        assert seeded["state"] == "done" and seeded["added"] == 1, seeded
        until(lambda: seeded["article_ids"][0] in listed(b), REACH_S)
        assert not cited(b), "nothing about Kstovo yet (and replica b has answered once: warm)"

        job = httpx.post(
            f"{a}/api/ingest", params={"wait": 120}, files={"files": ("kstovo.md", REPORT)}, timeout=130
        ).json()
        assert job["state"] == "done" and job["added"] == 1, job
        article_id = job["article_ids"][0]
        reached = until(lambda: article_id in cited(b), 3 * REACH_S)
        print(f"\ningested through one replica, answered through the other after {reached:.2f} s")
        assert reached <= REACH_S, f"answerable through the other replica only after {reached:.1f} s"
        assert article_id in listed(b) and article_id in cited(a)
        assert httpx.get(f"{b}/api/articles/{article_id}", timeout=10).json()["title"].startswith("Drone")

        assert httpx.delete(f"{a}/api/articles/{article_id}", timeout=30).status_code == 200
        gone = until(lambda: article_id not in listed(b) | cited(b), 3 * REACH_S)
        print(f"deleted through one replica, gone from the other after {gone:.2f} s")
        assert gone <= REACH_S, f"still in the other replica {gone:.1f} s after the delete"
        for base in (a, b):
            assert article_id not in listed(base) | cited(base), base
            assert httpx.get(f"{base}/api/articles/{article_id}", timeout=10).status_code == 404
            assert listed(base) == {seeded["article_ids"][0]}
        until(lambda: httpx.get(f"{b}/api/health", timeout=5).json()["store"].get("consistent", False), 20)


def ingest_shards(root: Path, url: str, inputs: Path, count: int, *options: str) -> list[dict[str, Any]]:
    """``rag ingest --shard i/count *options`` for every i, side by side, each with its own store folder."""
    procs = [
        subprocess.Popen(
            rag(
                "--store",
                str(root / f"shard-{i}"),
                "ingest",
                "--json",
                "--shard",
                f"{i}/{count}",
                *options,
                str(inputs),
            ),
            env=environment(root / f"cache-{i}", url),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(count)
    ]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    return [json.loads(out) for out, _ in outputs]


def test_shards_fill_one_server_with_disjoint_parts(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    write_inputs(inputs)
    with chroma_server(tmp_path / "chroma") as url:
        summaries = ingest_shards(tmp_path, url, inputs, 2)
        parts = [set(s["article_ids"]) for s in summaries]
        assert parts[0] and parts[1] and not parts[0] & parts[1], parts
        for i, part in enumerate(parts):
            assert all(Shard(i, 2).owns(a) for a in part)
        assert [s["failed"] for s in summaries] == [[], []]

        # each shard's manifest entries: nothing redone, and a shard's prune keeps the other's entries
        again = ingest_shards(tmp_path, url, inputs, 2, "--prune")
        assert [(s["added"], s["embedded"], s["removed"]) for s in again] == [(0, 0, 0)] * 2, again

        whole = subprocess.run(
            rag("--store", str(tmp_path / "whole"), "ingest", "--json", str(inputs)),
            env=environment(tmp_path / "cache-0", url),
            cwd=REPO,
            capture_output=True,
            timeout=600,
            check=True,
        )
        summary = json.loads(whole.stdout)
        assert (summary["added"], summary["updated"], summary["embedded"]) == (0, 0, 0), summary
        assert set(summary["article_ids"]) == parts[0] | parts[1]
        assert len(parts[0] | parts[1]) == 9  # write_inputs: 6 reports, 3 records, and one exact copy

        settings = load_settings(chroma_path=tmp_path / "check", chroma_url=url, data_dir=DATA_DIR)
        assistant = Assistant.from_settings(settings)
        assert {a.id for a in assistant.articles()} == parts[0] | parts[1]
        assert assistant.consistency.consistent, assistant.consistency.problems
        assert assistant.chunk_count() == sum(s["chunks"] for s in summaries)

        # `rag doctor` on a fresh replica folder reads the server's articles, not an empty local file
        doctor = subprocess.run(
            rag("--store", str(tmp_path / "fresh"), "doctor", "--json"),
            env=environment(tmp_path / "cache-0", url),
            cwd=REPO,
            capture_output=True,
            timeout=300,
        )
        found = json.loads(doctor.stdout)
        assert doctor.returncode == 0 and found["healthy"], found
        assert found["consistency"]["articles"] == 9 and found["consistency"]["lexical_missing"] == []
