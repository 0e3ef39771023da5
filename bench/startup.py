"""`rag serve`'s start-up (issue #17): how soon /api/health answers and a newcomer gets an answer.

1. A fresh store, as `make demo` starts it: `rag serve --store <temp> --ingest <seed> <corpus>`.
   Seconds from starting the process until /api/health first answers (503 "starting" while the
   workspace is built), until it answers 200 (workspace up), until the seed job is done, until
   "Which systems were discussed at IQDEX?" (POST /api/ask, asked again each second from the moment
   health is 200) returns an answer citing the seed article, and until the warm-up is done; with
   ``--full``, until the whole corpus is ingested and every article's sentences are embedded
   (fully warm; minutes on 2 cores).
2. The same command again on that store: what the restart re-ingests (with ``--full``: nothing).
3. ``--resume``: a second fresh store, stopped ``--cut`` seconds into the corpus job and started
   again with the same ``--ingest``: the resumed job's counts and seconds.
4. An existing store (``--existing DIR``, copied first; default: the store of step 1):
   `rag serve --store <copy>`: seconds until health answers, answers 200, and warm is true.

    nice .venv/bin/python bench/startup.py --out bench/results/startup.md [--full] [--resume] [--existing DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RAG_DATA_DIR", REPO.parent / "shared" / "data"))
IQDEX = "Which systems were discussed at IQDEX?"


class Served:
    """``rag serve`` in a subprocess, its /api/health polled every ``every_s`` on a thread."""

    def __init__(self, store: Path, args: list[str], log: Path, every_s: float = 0.25) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEYS", "RAG_UI_USERS", "RAG_PORT")}
        env |= {"GRADIO_ANALYTICS_ENABLED": "False", "RAG_DATA_DIR": str(DATA)}
        rag = Path(sys.executable).with_name("rag")
        command = [str(rag), "serve", "--store", str(store), "--port", str(self.port), *args]
        self.log = log.open("ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.marks: dict[str, float] = {}
        self.health: dict[str, Any] = {}
        self.slowest_health = 0.0
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def since(self) -> float:
        return time.monotonic() - self.started

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, round(self.since(), 2))

    def _poll(self) -> None:
        while not self._stop.is_set() and self.proc.poll() is None:
            t0 = time.monotonic()
            try:
                response = httpx.get(f"{self.base}/api/health", timeout=10)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            self.slowest_health = max(self.slowest_health, time.monotonic() - t0)
            self.mark("health answers")
            if response.status_code == 200:
                self.mark("health 200")
                self.health = response.json()
                jobs = self.health["ingest"]["startup"]
                for n, job in enumerate(jobs, start=1):
                    if job["state"] in ("done", "failed"):
                        self.mark(f"job {n} ({', '.join(job['inputs'])}) {job['state']}")
                if self.health["warm"]:
                    self.mark("warm")
                if jobs and all(j["state"] == "done" for j in jobs) and _sentences_done(self.health):
                    self.mark("fully warm: every article's sentences embedded")
            time.sleep(self.every_s)

    def wait_for(self, name: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            found = [v for k, v in self.marks.items() if k.startswith(name)]
            if found:
                return found[0]
            time.sleep(0.05)
        return None

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _sentences_done(health: dict[str, Any]) -> bool:
    """Whether the sentence warmer has embedded every stored article's sentences."""
    warmer = health.get("sentence_warmup") or {}
    return bool(warmer) and warmer["articles_queued"] == 0 and warmer["articles_done"] >= health["articles"]


def ask_until_cited(served: Served, timeout: float) -> tuple[float | None, float | None, int]:
    """Ask the IQDEX question each second until an answer cites the seed article (OSINTSights):
    when it came (seconds since start), how long that request took, and how many asks it took."""
    deadline = time.monotonic() + timeout
    asks = 0
    while time.monotonic() < deadline and served.proc.poll() is None:
        t0 = time.monotonic()
        asks += 1
        try:
            answer = httpx.post(f"{served.base}/api/ask", json={"question": IQDEX}, timeout=120).json()
        except httpx.HTTPError:
            answer = {}
        if any(c.get("source") == "OSINTSights" for c in answer.get("citations", [])):
            return round(served.since(), 2), round(time.monotonic() - t0, 2), asks
        time.sleep(1)
    return None, None, asks


def run(store: Path, args: list[str], log: Path, until: str, timeout: float, ask: bool = False) -> Served:
    served = Served(store, args, log)
    try:
        if served.wait_for("health 200", 120) is None:
            raise RuntimeError(f"rag serve never answered 200: see {log}")
        if ask:
            at, took, asks = ask_until_cited(served, 300)
            served.marks["IQDEX answered, citing the seed"] = at if at is not None else float("nan")
            served.marks["  (that request's own seconds)"] = took if took is not None else float("nan")
            served.marks["  (asks sent, one a second)"] = asks
        served.wait_for(until, timeout)
    finally:
        served.stop()
    return served


def table(title: str, served: Served) -> list[str]:
    lines = [f"### {title}", "", "| event | seconds after start |", "| --- | ---: |"]
    lines += [f"| {name} | {value} |" for name, value in served.marks.items()]
    h = served.health
    jobs = "; ".join(
        f"{', '.join(j['inputs'])}: {j['state']}, added {j['added']}, unchanged {j['unchanged']}, "
        f"duplicates {j['duplicates']}, failed {j['failed']}, {j['seconds']} s"
        for j in h.get("ingest", {}).get("startup", [])
    )
    lines += [
        "",
        f"Last health: {h.get('articles')} articles, {h.get('chunks')} chunks, warm {h.get('warm')}"
        + (f"; start-up jobs: {jobs}" if jobs else "")
        + f". Slowest /api/health answer: {served.slowest_health:.2f} s.",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="wait for the whole corpus (minutes)")
    parser.add_argument("--resume", action="store_true", help="also cut a corpus ingest short and resume it")
    parser.add_argument("--cut", type=float, default=60.0, help="--resume: seconds into the corpus job")
    parser.add_argument("--existing", help="a store to time `rag serve` on (copied first)")
    parser.add_argument("--out", help="write the Markdown report here too")
    args = parser.parse_args()
    seed, corpus = DATA / "seed", DATA / "multihop_rag" / "corpus.json"
    work = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    log = work / "serve.log"
    ingest = ["--ingest", str(seed), str(corpus)]
    lines = [
        "# `rag serve` start-up",
        "",
        f"`{' '.join(['nice .venv/bin/python bench/startup.py', *sys.argv[1:]])}`",
        "",
        f"{os.cpu_count()} cores. Times are from starting the `rag serve` process; /api/health is polled "
        "every 0.25 s. Until the workspace is built it answers 503 `starting`, then 200.",
        "",
    ]
    full = 3600.0
    fresh = run(work / "fresh", ingest, log, "fully warm" if args.full else "warm", full, ask=True)
    whole = " until the whole corpus is in" if args.full else ", stopped once warm"
    lines += table(f"1. Fresh store: `rag serve --ingest seed corpus.json`{whole}", fresh)
    again = run(work / "fresh", ingest, log, "job 2" if args.full else "warm", full)
    lines += table("2. The same command again on that store", again)
    if args.resume:
        cut = Served(work / "cut", ingest, log)
        try:
            if cut.wait_for("job 1", 300) is None:
                raise RuntimeError(f"the seed job never finished: see {log}")
            time.sleep(args.cut)
            cut.mark(f"stopped, {args.cut:.0f} s after the seed job")
        finally:
            cut.stop()
        lines += table("3a. Another fresh store, stopped while the corpus job runs", cut)
        resumed = run(work / "cut", ingest, log, "job 2", full)
        lines += table("3b. Started again with the same `--ingest`: the corpus job resumes", resumed)
    existing = Path(args.existing) if args.existing else work / "fresh"
    copy = shutil.copytree(existing, work / "existing")
    served = run(copy, [], log, "warm", 300)
    lines += table(f"4. Existing store ({served.health.get('articles')} articles): `rag serve`", served)
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
