"""Ingest benchmark, in one run: embedding backends (speed and retrieval quality), then the first and
the unchanged re-ingest of the MultiHop-RAG corpus with the chosen backend.

Backends: sentence-transformers on torch fp32 (the baseline), our ONNX Runtime export in fp32, and
the same dynamically quantized to int8. Each embeds the same passages: the chunks of the evidence
articles of 100 dev questions plus distractor articles, cut in interleaved halves so that load on a
shared machine falls on every backend alike. Quality: dense retrieval over those chunks, MRR@10 and
Hits@10 with the paper's rule (null questions excluded; a gold fact counts as found when, with all
whitespace removed, it is a substring of a retrieved chunk). The chosen backend is the fastest one
whose MRR@10 is at least 99% of the baseline's.

    nice .venv/bin/python bench/ingest.py            # writes bench/results/ingest.json and .md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from ingest.chunking import ChunkingConfig, chunk_article  # noqa: E402
from ingest.clean import clean_text, content_hash  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.offline import configure  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from rag.types import Article, Chunk  # noqa: E402
from store.embeddings import Embedder, SentenceTransformerEmbedder  # noqa: E402
from store.onnx_backend import OnnxEmbedder  # noqa: E402

BACKENDS = {"torch-fp32": ("torch", "fp32"), "onnx-fp32": ("onnx", "fp32"), "onnx-int8": ("onnx", "int8")}
_SPACE = re.compile(r"\s+")


def eval_set(data_dir: Path, questions: int, distractors: int) -> tuple[list[Chunk], list[dict[str, Any]]]:
    """Chunks of the evidence articles of the first ``questions`` non-null dev questions + distractors."""
    corpus = json.loads((data_dir / "multihop_rag" / "corpus.json").read_text(encoding="utf-8"))
    dev = json.loads((data_dir / "multihop_rag" / "dev_queries.json").read_text(encoding="utf-8"))
    picked = [q for q in dev if q["evidence_list"]][:questions]
    urls = {e["url"] for q in picked for e in q["evidence_list"]}
    chosen = [r for r in corpus if r["url"] in urls]
    chosen += [r for r in corpus if r["url"] not in urls][:distractors]
    counter = SentenceTransformerEmbedder()
    chunks: list[Chunk] = []
    for record in chosen:
        text = clean_text(record["body"])
        article = Article(
            id=content_hash(text),
            title=record["title"],
            text=text,
            source=record["source"],
            published_at=record["published_at"],
        )
        chunks += chunk_article(article, ChunkingConfig(), counter.count_wordpieces)
    return chunks, picked


def make_embedder(name: str, cache_dir: Path) -> Embedder:
    backend, precision = BACKENDS[name]
    if backend == "torch":
        return SentenceTransformerEmbedder(batch_size=32)
    return OnnxEmbedder(cache_dir=cache_dir, precision=precision, batch_size=32)


def measure_backends(chunks: list[Chunk], questions: list[dict[str, Any]], cache_dir: Path) -> dict[str, Any]:
    texts = [c.embed_text for c in chunks]
    embedders = {name: make_embedder(name, cache_dir) for name in BACKENDS}
    for embedder in embedders.values():
        embedder.embed(texts[:8])  # load, export and warm up outside the timing
    halves = [list(range(0, len(texts), 2)), list(range(1, len(texts), 2))]
    seconds = dict.fromkeys(BACKENDS, 0.0)
    vectors: dict[str, np.ndarray[Any, Any]] = {}
    for half in halves:
        for name, embedder in embedders.items():
            started = time.perf_counter()
            part = embedder.embed([texts[i] for i in half])
            seconds[name] += time.perf_counter() - started
            if name not in vectors:
                vectors[name] = np.zeros((len(texts), part.shape[1]), dtype=np.float32)
            vectors[name][half] = part
    results: dict[str, Any] = {}
    for name, embedder in embedders.items():
        queries = np.stack([embedder.embed_query(q["query"]) for q in questions])
        quality = retrieval_quality(queries, vectors[name], chunks, questions)
        results[name] = {
            "chunks": len(texts),
            "seconds": round(seconds[name], 2),
            "chunks_per_second": round(len(texts) / seconds[name], 2),
            **quality,
            "min_cosine_to_baseline": round(
                float(np.min(np.sum(vectors[name] * vectors["torch-fp32"], axis=1))), 4
            ),
        }
    return results


def retrieval_quality(
    queries: np.ndarray[Any, Any],
    vectors: np.ndarray[Any, Any],
    chunks: list[Chunk],
    questions: list[dict[str, Any]],
) -> dict[str, float]:
    """MRR@10 and Hits@10 with the paper's whitespace-free substring rule."""
    squashed = [_SPACE.sub("", c.text) for c in chunks]
    reciprocal, hits = [], []
    for q, vector in zip(questions, queries, strict=True):
        facts = [_SPACE.sub("", e["fact"]) for e in q["evidence_list"]]
        top = np.argsort(-(vectors @ vector))[:10]
        found = [any(f in squashed[i] for f in facts) for i in top]
        reciprocal.append(1.0 / (found.index(True) + 1) if True in found else 0.0)
        covered = sum(any(f in squashed[i] for i in top) for f in facts)
        hits.append(covered / len(facts))
    return {"mrr_at_10": round(float(np.mean(reciprocal)), 4), "hits_at_10": round(float(np.mean(hits)), 4)}


def choose(results: dict[str, Any]) -> str:
    base = results["torch-fp32"]
    good = [n for n, r in results.items() if r["mrr_at_10"] >= 0.99 * base["mrr_at_10"]]
    return max(good, key=lambda n: results[n]["chunks_per_second"])


def corpus_ingest(data_dir: Path, backend: str, workdir: Path, limit: int = 0) -> dict[str, Any]:
    engine, precision = BACKENDS[backend]
    settings = load_settings(
        chroma_path=workdir / "store",
        cache_dir=workdir / "cache",
        data_dir=data_dir,
        embedding_backend=engine,
        embedding_precision=precision,
    )
    assistant = Assistant.from_settings(settings)
    assistant.embedder.embed(["warm up"])  # model load (and ONNX export) is not ingest time
    corpus = data_dir / "multihop_rag" / "corpus.json"
    if limit:  # a quick check of the script itself
        records = json.loads(corpus.read_text(encoding="utf-8"))[:limit]
        corpus = workdir / "corpus.json"
        corpus.write_text(json.dumps(records))
    first = assistant.ingest([corpus])
    again = assistant.ingest([corpus])
    return {
        "backend": backend,
        "first": first.to_dict() | {"article_ids": len(first.article_ids)},
        "unchanged": again.to_dict() | {"article_ids": len(again.article_ids)},
        "speedup_unchanged": round(first.seconds / max(again.seconds, 1e-9), 1),
    }


def markdown(report: dict[str, Any]) -> str:
    rows = [
        f"| {n} | {r['chunks_per_second']} | {r['speedup']}x | {r['mrr_at_10']} | {r['mrr_vs_fp32']:.1%} "
        f"| {r['hits_at_10']} | {r['min_cosine_to_baseline']} |"
        for n, r in report["backends"].items()
    ]
    ingest = report["corpus_ingest"]
    first, again = ingest["first"], ingest["unchanged"]
    return "\n".join(
        [
            "# Ingest benchmark",
            "",
            f"Machine: {report['machine']}; load average at start {report['load_average']}. Command: "
            "`nice .venv/bin/python bench/ingest.py`.",
            "",
            f"## Embedding backends ({report['eval']['chunks']} chunks of {report['eval']['questions']} dev "
            "questions' evidence articles + distractors; dense retrieval, paper's substring rule)",
            "",
            "| backend | chunks/s | vs torch fp32 | MRR@10 | MRR vs fp32 | Hits@10 | min cosine to fp32 |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Chosen: **{report['chosen']}** (fastest with MRR@10 >= 99% of torch fp32's).",
            "",
            f"## MultiHop-RAG corpus ingest ({ingest['backend']})",
            "",
            "| run | articles added | unchanged | chunks | embedded | seconds | chunks/s |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| first | {first['added']} | {first['unchanged']} | {first['chunks']} | {first['embedded']} "
            f"| {first['seconds']:.1f} | {first['chunks_per_second']} |",
            f"| unchanged re-ingest | {again['added']} | {again['unchanged']} | {again['chunks']} "
            f"| {again['embedded']} | {again['seconds']:.3f} | - |",
            "",
            f"Unchanged re-ingest is **{ingest['speedup_unchanged']}x** faster than the first ingest.",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("RAG_DATA_DIR", REPO.parent / "shared" / "data"))
    )
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--distractors", type=int, default=100)
    parser.add_argument("--corpus-limit", type=int, default=0, help="first N articles only (a smoke run)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "ingest")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    configure(workdir / "cache")
    try:
        chunks, questions = eval_set(args.data_dir, args.questions, args.distractors)
        backends = measure_backends(chunks, questions, workdir / "cache")
        base = backends["torch-fp32"]
        for result in backends.values():
            result["speedup"] = round(result["chunks_per_second"] / base["chunks_per_second"], 2)
            result["mrr_vs_fp32"] = result["mrr_at_10"] / base["mrr_at_10"] if base["mrr_at_10"] else 0.0
        chosen = choose(backends)
        report: dict[str, Any] = {
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "eval": {"questions": len(questions), "chunks": len(chunks)},
            "backends": backends,
            "chosen": chosen,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")  # partial, in case
        report["corpus_ingest"] = corpus_ingest(args.data_dir, chosen, workdir, args.corpus_limit)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
