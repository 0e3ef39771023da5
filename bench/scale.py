"""Scale benchmark: where the store and the retriever break as the corpus grows (issue #17, goal 4).

Synthetic articles (bench/scale_data.py) are written through the store classes the ingest pipeline
uses, in the order ``Ingestor._flush`` writes them, 256 chunks a flush. Only the embedding model is
faked (:class:`~bench.scale_data.BagOfWordsEmbedder`, 384 floats; it also embeds the questions and
the excerpts' sentences). Questions run through ``build_retriever`` with default settings. Chroma
is embedded (a folder) or a ``chroma run`` server started here on 127.0.0.1; each backend runs in
its own process. Sizes grow one from the next. At each size: ingest rate, the bm25s full build,
query p50/p95 (full path, dense alone, BM25 alone), adding one article (the write, the first
question about it, questions right after, the time until bm25s is current again), RSS of this
process and of the server, disk. Rows accumulate in ``WORKDIR/state.json``, the report is rewritten
after every size; Ctrl-C or ``--minutes`` stops with what was measured written, and the same
command resumes from the store.

    nice .venv/bin/python bench/scale.py --sizes 10000 100000 1000000 --out bench/results/scale.md
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench import scale_util as util  # noqa: E402
from bench.scale_data import BagOfWordsEmbedder, Corpus  # noqa: E402
from bench.scale_findings import markdown  # noqa: E402
from rag.calibration import load_calibration  # noqa: E402
from rag.components import open_vectors  # noqa: E402
from rag.offline import configure  # noqa: E402
from rag.retrieval.factory import build_retriever, open_lexical_index  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from rag.text import stopwords  # noqa: E402
from rag.types import Filters  # noqa: E402
from store.articles import ArticleStore  # noqa: E402
from store.cache import EmbeddingCache, SentenceVectors  # noqa: E402
from store.doctor import StoreFiles  # noqa: E402

Row = util.Row


class ScaleRun:
    """One backend's store in ``folder`` (Chroma embedded there, or on a server this starts)."""

    def __init__(self, folder: Path, backend: str, corpus: Corpus, queries: int = 100) -> None:
        self.folder, self.backend, self.corpus, self.queries = folder, backend, corpus, queries
        self.server: subprocess.Popen[bytes] | None = None
        self.parts = {"chroma": 0.0, "lexical": 0.0, "articles": 0.0}  # write seconds by store
        self.phase = "opening the store"
        url = None
        if backend == "server":
            self.server, url = util.start_chroma(folder)
        configure(folder / "cache")
        settings = load_settings(chroma_path=folder, chroma_url=url, chroma_timeout_s=120.0)
        self.settings = settings
        self.embedder = BagOfWordsEmbedder(corpus)
        files = StoreFiles(folder, settings.collection)
        self.vectors = open_vectors(settings, self.embedder)
        self.articles = ArticleStore(files.articles)
        self.calibration = calibration = load_calibration()
        self.lexical = open_lexical_index(settings, calibration, self.vectors)
        sentences = SentenceVectors(self.embedder, cache=EmbeddingCache(files.cache))
        self.retriever = build_retriever(
            settings=settings,
            calibration=calibration,
            embedder=self.embedder,
            vectors=self.vectors,
            lexical=self.lexical,
            articles=self.articles,
            sentence_vectors=sentences,
        )

    def write(self, batch: list[Any]) -> None:
        """Write articles as ``Ingestor._flush`` does, with precomputed vectors instead of embedding."""
        chunks = [c for _, cs, _ in batch for c in cs]
        metas = {a.id: a.meta() for a, _, _ in batch}
        vectors = np.concatenate([v for _, _, v in batch])
        t0 = time.perf_counter()
        self.articles.add_pending([(c.id, c.article_id) for c in chunks])
        t1 = time.perf_counter()
        stored = self.vectors.existing_ids([c.id for c in chunks])
        todo = [i for i, c in enumerate(chunks) if c.id not in stored]
        if todo:
            self.vectors.upsert([chunks[i] for i in todo], metas, vectors[todo])
        t2 = time.perf_counter()
        self.lexical.add(chunks, metas)
        t3 = time.perf_counter()
        for article, cs, _ in batch:
            self.articles.put(article, [c.id for c in cs])
        t4 = time.perf_counter()
        self.parts["chroma"] += t2 - t1
        self.parts["lexical"] += t3 - t2
        self.parts["articles"] += t1 - t0 + t4 - t3

    def grow(self, target: int, stop: Callable[[], bool]) -> Row:
        """Add articles until the store holds ``target`` chunks (or ``stop()``); time the writes only."""
        per = self.corpus.chunks_per_article
        first, want = self.articles.count(), math.ceil(target / per)
        self.parts = dict.fromkeys(self.parts, 0.0)
        flush = max(1, self.settings.ingest_batch_chunks // per)
        written, seconds, batch, shown = 0, 0.0, [], time.monotonic()
        for i in range(first, want):
            batch.append(self.corpus.article(i))
            if len(batch) >= flush or i == want - 1 or stop():
                started = time.perf_counter()
                self.write(batch)
                seconds += time.perf_counter() - started
                written += len(batch) * per
                batch = []
                if time.monotonic() - shown > 15 or i == want - 1 or stop():
                    shown = time.monotonic()
                    rate = written / seconds if seconds else 0.0
                    eta = (want - i - 1) * per / rate if rate else 0.0
                    print(f"  [{self.backend}] {(i + 1) * per:,} chunks, {rate:,.0f} chunks/s, "
                          f"eta {eta / 60:.1f} min", flush=True)  # fmt: skip
            if stop():
                break
        self.articles.clear_pending()
        chunks = self.articles.count() * per
        return {
            "chunks": chunks,
            "added": written,
            "ingest_s": round(seconds, 3),
            "ingest_rate": round(written / seconds, 1) if seconds else None,
            "ingest_split_s": {k: round(v, 3) for k, v in self.parts.items()},
            "stopped": chunks < target,
        }

    def measure(self) -> Row:
        """Rebuild, queries, one more article; at the current size (call after :meth:`grow`)."""
        n = self.articles.count()
        questions = [self.corpus.question(i, n) for i in range(self.queries + 5)]
        self.phase = f"the bm25s rebuild at {n * self.corpus.chunks_per_article:,} chunks"
        started = time.perf_counter()
        self.lexical.memory()  # the full bm25s build every write is followed by
        rebuild = time.perf_counter() - started
        self.phase = "timing questions"
        first, _ = util.timed(self.retriever.retrieve, questions[0][0], 10)
        for text, _, _ in questions[1:4]:
            self.retriever.retrieve(text, 10)
        ms: dict[str, list[float]] = {n: [] for n in ("query", "dense", "bm25", "query_outlet")}
        ms |= {"dense_outlet": [], "bm25_outlet": []}  # the searches restricted to the outlet named
        found = dict.fromkeys(ms, 0)  # questions whose source article is in the top 10
        stop, k = stopwords(), self.calibration.candidates
        for text, article_id, outlet in questions[4 : 4 + self.queries]:
            vector, only = self.embedder.embed_query(text), Filters(sources=[outlet])
            timings = {
                "query": util.timed(self.retriever.retrieve, text, 10),
                "dense": util.timed(self.vectors.query, vector, k),
                "bm25": util.timed(self.lexical.search, text, k, None, stop),
            }
            if outlet:
                timings["query_outlet"] = timings["query"]
                timings["dense_outlet"] = util.timed(self.vectors.query, vector, k, only)
                timings["bm25_outlet"] = util.timed(self.lexical.search, text, k, only, stop)
            for name, (took, hits) in timings.items():
                ms[name].append(took)
                found[name] += any(h.chunk.article_id == article_id for h in hits[:10])
        steady = {
            "bm25s_rebuild_s": round(rebuild, 2),
            "first_query_ms": round(first, 1),
            **{key: v for name, values in ms.items() for key, v in util.quantiles(name, values).items()},
            **{f"{name}_found_at_10": round(found[name] / max(1, len(ms[name])), 3) for name in ms},
        }
        return {**steady, **self.add_one(n, questions[-5:])}

    def add_one(self, n: int, during: list[tuple[str, str, str]]) -> Row:
        """Write article ``n``, ask about it, ask ``during`` questions, then wait for bm25s to be current
        (``memory()`` waits for a rebuild running in the background, or builds if none does)."""
        self.phase = "adding one article"
        written = time.perf_counter()
        write, _ = util.timed(self.write, [self.corpus.article(n)])
        first, hits = util.timed(self.retriever.retrieve, self.corpus.question(0, n, about=n)[0], 10)
        found = any(h.chunk.article_id == self.corpus.article(n)[0].id for h in hits)
        after = [util.timed(self.retriever.retrieve, text, 10)[0] for text, _, _ in during]
        self.lexical.memory()
        current = time.perf_counter() - written
        return {
            "add_write_ms": round(write, 1),
            "add_searchable_ms": round(first, 1),
            "add_found": found,
            "add_then_p50_ms": util.quantiles("q", after)["q_p50_ms"],
            "add_bm25s_current_s": round(current, 1),
            "lexical_version": util.code_version("store/lexical.py", "store/bm25.py"),
        }

    def resources(self) -> Row:
        """Resident memory of this process (now, peak) and of the server; disk used by the store."""
        own, peak = util.rss_mb(os.getpid(), tree=False)
        server = util.rss_mb(self.server.pid)[0] if self.server else None
        disk, load = util.disk_mb(self.folder), [round(x, 2) for x in os.getloadavg()]
        return {
            "rss_mb": own,
            "rss_peak_mb": peak,
            "server_rss_mb": server,
            "disk_mb": disk,
            "load_average": load,
        }

    def close(self) -> None:
        self.lexical.close()
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=60)


def run_backend(
    backend: str,
    sizes: list[int],
    workdir: Path,
    queries: int = 100,
    deadline: float = math.inf,
    out: Path | None = None,
    free_mb: float = 2048.0,
    again: bool = False,
) -> list[Row]:
    """Grow and measure one backend at each of ``sizes`` (resuming what ``workdir`` holds); the
    rows, each saved to ``workdir/state.json`` (and the report to ``out``) as soon as measured.
    ``deadline`` (a ``time.time()``) stops growing, as SIGINT and SIGTERM do; the process exits (3)
    with the row marked aborted when the machine has less than ``free_mb`` of memory available.
    ``again``: measure a size again when the store is still at it (its ingest figures are kept)."""
    folder = workdir / backend
    folder.mkdir(parents=True, exist_ok=True)
    stop = util.Stopper(deadline)
    restore = stop.install()

    run = ScaleRun(folder, backend, Corpus.make(), queries)
    guard = util.MemoryGuard(workdir, free_mb, lambda: run.phase)
    guard.start()
    rows: list[Row] = []
    try:
        for size in sorted(sizes):
            done = util.load_state(workdir)["rows"].get(f"{backend}:{size}")
            here = run.articles.count() * run.corpus.chunks_per_article <= size + 64
            if done and "query_p95_ms" in done and not done.get("stopped") and not (again and here):
                print(f"[{backend}] {size:,}: measured before, kept", flush=True)
                rows.append(done)
                continue
            print(f"[{backend}] growing to {size:,} chunks", flush=True)
            run.phase = f"growing to {size:,} chunks"
            row = util.merge({"backend": backend, "size": size, **run.grow(size, stop)}, done)
            guard.row = row = row | run.resources()
            util.save_row(workdir, row)  # the ingest figures stay if the measuring dies
            if not stop.signalled:  # a deadline still measures the size reached; a signal does not
                print(f"[{backend}] measuring at {row['chunks']:,} chunks", flush=True)
                guard.row = row = row | run.measure() | run.resources()
                util.save_row(workdir, row)
            if out is not None:
                out.write_text(markdown(util.load_state(workdir), sizes))
            rows.append(row)
            print(f"[{backend}] {json.dumps(row)}", flush=True)
            if row["stopped"]:
                break
    finally:
        run.close()
        restore()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["embedded", "server"], default=["embedded", "server"]
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/osint-rag-scale"), help="kept: resumable")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=math.inf, help="stop growing after this long")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.md")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: this backend only
    parser.add_argument("--deadline", type=float, default=math.inf, help=argparse.SUPPRESS)
    parser.add_argument("--free-gb", type=float, default=2.0, help="stop when less memory is available")
    parser.add_argument("--report", action="store_true", help="only rewrite --out from WORKDIR's results")
    parser.add_argument(
        "--also", type=Path, nargs="*", default=[], help="workdirs whose other rows to report"
    )
    parser.add_argument("--again", action="store_true", help="measure sizes the store is still at again")
    parser.add_argument("--note", help="a line the report shows (kept in WORKDIR's results)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        free_mb = args.free_gb * 1024
        run_backend(
            args.one, args.sizes, args.workdir, args.queries, args.deadline, args.out, free_mb, args.again
        )
        return 0
    if args.note:
        util.add_note(args.workdir, args.note)
    if args.report:
        args.out.write_text(markdown(util.load_state(args.workdir, *args.also), args.sizes))
        return 0
    state = util.load_state(args.workdir)
    shown = " ".join(["nice .venv/bin/python bench/scale.py", *sys.argv[1:]])
    if shown not in state["commands"]:
        state["commands"].append(shown)
        (args.workdir / "state.json").write_text(json.dumps(state, indent=1))
    deadline = time.time() + args.minutes * 60 if math.isfinite(args.minutes) else math.inf
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child stops cleanly and writes what it has
    for backend in args.backends:
        child = [sys.executable, __file__, "--one", backend, "--workdir", str(args.workdir)]
        child += ["--sizes", *map(str, args.sizes), "--queries", str(args.queries)]
        child += ["--deadline", str(deadline), "--out", str(args.out), "--free-gb", str(args.free_gb)]
        child += ["--again"] if args.again else []
        code = subprocess.call(child)
        args.out.write_text(markdown(util.load_state(args.workdir, *args.also), args.sizes))
        if code != 0 or time.time() > deadline:
            break
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
