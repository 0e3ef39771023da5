"""Load: 50 concurrent askers for 60 s against `rag serve`, while an ingest job of 40 articles runs and
one URL drips a byte every half second. Reports ask p50/p95, health p50/p95/max and every error.

    nice .venv/bin/python bench/load.py --out bench/results/load.md

Builds its own store (the seed article and 60 corpus articles, sentences embedded) in a temp folder,
serves it with `rag serve` in a subprocess on 127.0.0.1, and talks to it over real HTTP. Only loopback
addresses are contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DEV_QUERIES, REPO, command, dev_questions, publish
from evals.metrics import percentile
from rag.assistant import Assistant
from rag.settings import load_settings
from tests.security.drip import dripping_server
from tests.servers import free_port, wait_until_up

CORPUS = REPO.parent / "shared/data/multihop_rag/corpus.json"
SEED = REPO.parent / "shared/data/seed"


def article_file(folder: Path, i: int, record: dict[str, str]) -> Path:
    path = folder / f"article-{i:03d}.md"
    meta = {k: record.get(k, "") for k in ("title", "source", "published_at", "url", "category")}
    front = "\n".join(f"{k}: {json.dumps(v)}" for k, v in meta.items())
    path.write_text(f"---\n{front}\n---\n\n{record['body']}\n", encoding="utf-8")
    return path


def build_store(root: Path, records: list[dict[str, str]]) -> Path:
    folder = root / "stored"
    folder.mkdir()
    files = [article_file(folder, i, r) for i, r in enumerate(records)]
    store = root / "store"
    assistant = Assistant.from_settings(load_settings(chroma_path=store))
    assistant.ingest([SEED, *files])
    assistant.embed_sentences()
    return store


def p95(values: list[float]) -> float:
    return percentile(values, 95) or float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--askers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ingest", type=int, default=40, help="articles in the ingest job")
    parser.add_argument("--out")
    args = parser.parse_args()
    records = json.loads(CORPUS.read_text(encoding="utf-8"))
    questions = dev_questions(DEV_QUERIES)[:300]
    root = Path(tempfile.mkdtemp(prefix="load-bench-"))
    started_build = time.perf_counter()
    store = build_store(root, records[:60])
    build_s = time.perf_counter() - started_build
    upload_dir = root / "upload"
    upload_dir.mkdir()
    uploads = [article_file(upload_dir, i, r) for i, r in enumerate(records[60 : 60 + args.ingest])]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "RAG_FETCH_ALLOW_PRIVATE": '["127.0.0.1/32"]', "RAG_WARM_SENTENCES": "false"}
    env.pop("RAG_API_KEYS", None)
    log = (root / "serve.log").open("wb")
    rag = Path(sys.executable).with_name("rag")
    server = subprocess.Popen(
        [str(rag), "serve", "--store", str(store), "--port", str(port)], env=env, stdout=log, stderr=log
    )
    asks: list[float] = []
    health: list[float] = []
    errors: list[str] = []
    stop = threading.Event()

    def asker(i: int) -> None:
        with httpx.Client(timeout=120) as client:
            n = i
            while not stop.is_set():
                question = questions[n % len(questions)]
                n += args.askers
                t0 = time.perf_counter()
                try:
                    response = client.post(f"{base}/api/ask", json={"question": question})
                    if response.status_code != 200:
                        errors.append(f"ask {response.status_code}: {response.text[:120]}")
                    else:
                        asks.append(time.perf_counter() - t0)
                except httpx.HTTPError as exc:
                    errors.append(f"ask {type(exc).__name__}")

    def health_poller() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    response = client.get(f"{base}/api/health")
                    health.append(time.perf_counter() - t0)
                    if response.status_code != 200:
                        errors.append(f"health {response.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"health {type(exc).__name__}")
                time.sleep(0.2)

    try:
        wait_until_up(f"{base}/api/health", 300, server)
        with dripping_server() as slow:
            threads = [threading.Thread(target=asker, args=(i,)) for i in range(args.askers)]
            threads.append(threading.Thread(target=health_poller))
            for thread in threads:
                thread.start()
            time.sleep(2)
            files = [("files", (p.name, p.read_bytes(), "text/markdown")) for p in uploads]
            t0 = time.perf_counter()
            queued = httpx.post(f"{base}/api/ingest", files=files, data={"urls": [slow]}, timeout=60)
            submit_s = time.perf_counter() - t0
            job_url = f"{base}{queued.headers.get('location', '')}"
            time.sleep(args.seconds)
            stop.set()
            for thread in threads:
                thread.join()
            job = httpx.get(job_url, timeout=30).json()
            while job.get("state") in ("queued", "running"):
                time.sleep(1)
                job = httpx.get(job_url, timeout=30).json()
    finally:
        server.terminate()
        server.wait(30)

    dripped = next((i["errors"] for i in job.get("items", []) if i["input"] == slow), "")
    lines = [
        "# Load: 50 askers, an ingest job and a dripping URL",
        "",
        command("load.py"),
        "",
        f"Store: the seed article and 60 corpus articles (built in {build_s:.0f} s, sentences embedded). "
        f"`rag serve` in a subprocess; {args.askers} threads ask dev questions back to back for "
        f"{args.seconds:.0f} s; one thread polls /api/health every 0.2 s; after 2 s one POST /api/ingest "
        f"queues {len(uploads)} article files and one URL that drips a byte every 0.5 s "
        "(RAG_FETCH_TIMEOUT_S 20). 2 cores.",
        "",
        "| what | value |",
        "| --- | --- |",
        f"| questions answered | {len(asks)} ({len(asks) / args.seconds:.1f}/s) |",
        f"| ask p50 / p95 | {statistics.median(asks):.2f} s / {p95(asks):.2f} s |",
        f"| health checks | {len(health)} |",
        f"| health p50 / p95 / max | {statistics.median(health) * 1000:.0f} ms / "
        f"{p95(health) * 1000:.0f} ms / {max(health) * 1000:.0f} ms |",
        f"| errors | {len(errors)} |",
        f"| POST /api/ingest answered in | {submit_s * 1000:.0f} ms (status {queued.status_code}) |",
        f"| ingest job | {job.get('state')}: added {job.get('added')}, failed {job.get('failed')}, "
        f"{job.get('seconds')} s |",
        f"| the dripping URL | {dripped} |",
    ]
    if errors:
        lines += ["", "Errors (first 20):", *[f"- {e}" for e in errors[:20]]]
    publish(lines, args.out)


if __name__ == "__main__":
    main()
