"""Passage-embedding throughput of the ingest path on a device (issue #17 goal 5: >= 20,000 passages/s
end to end on an H200, where stock sentence-transformers reaches ~2,500 and the model alone ~35,000).

Three measurements on the same N passages (chunks of the MultiHop-RAG corpus, ``embed_text`` as
ingest embeds them; repeated in order when N exceeds the corpus's chunks; synthetic text when the
corpus is absent):

1. stock ``SentenceTransformer.encode`` (fp32, batch 32: what ``embed`` did before);
2. the model's forward pass alone on batches tokenised and copied to the device beforehand (the same
   buckets, precision and batch size as 3): the ceiling for 3;
3. our end-to-end path, ``SentenceTransformerEmbedder(...).embed`` (texts in, float32 vectors out):
   length buckets, background tokenisation, large batches, fp16 on CUDA (store/batching.py).

Each is warmed up, then timed ``--repeat`` times, the three taking turns (best kept); 3's vectors
are checked against 1's.

    .venv/bin/python bench/gpu_ingest.py --device cuda --passages 100000   # on the GPU machine
    nice .venv/bin/python bench/gpu_ingest.py --device cpu --passages 300  # the CPU check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest.chunking import ChunkingConfig, chunk_article  # noqa: E402
from ingest.clean import clean_text, content_hash  # noqa: E402
from rag.offline import configure  # noqa: E402
from rag.settings import load_settings  # noqa: E402
from rag.types import Article  # noqa: E402
from store.batching import GPU_BATCH_SIZE, check_device, forward, length_buckets  # noqa: E402
from store.embeddings import SentenceTransformerEmbedder, resolve_model_path  # noqa: E402

GOAL = 20_000  # passages/s end to end on an H200
STOCK_BATCH = 32
OUT = REPO / "bench" / "results" / "gpu_ingest.md"
H200_COMMAND = ".venv/bin/python bench/gpu_ingest.py --device cuda --passages 100000"


def load_passages(data_dir: Path, n: int) -> tuple[list[str], str]:
    """``n`` passages: corpus chunks (cycled when too few), or synthetic text without the corpus."""
    corpus = data_dir / "multihop_rag" / "corpus.json"
    if not corpus.is_file():
        return synthetic(n), f"synthetic ({corpus} not found)"
    counter = SentenceTransformerEmbedder()  # counts wordpieces with tokenizer.json; no model load
    texts: list[str] = []
    records = json.loads(corpus.read_text(encoding="utf-8"))
    for record in records:
        text = clean_text(record["body"])
        article = Article(
            id=content_hash(text),
            title=record["title"],
            text=text,
            source=record["source"],
            published_at=record["published_at"],
        )
        texts += [c.embed_text for c in chunk_article(article, ChunkingConfig(), counter.count_wordpieces)]
        if len(texts) >= n:
            return texts[:n], "MultiHop-RAG corpus chunks"
    unique = len(texts)
    return [texts[i % unique] for i in range(n)], f"MultiHop-RAG corpus chunks ({unique:,} distinct, cycled)"


def synthetic(n: int, seed: int = 0) -> list[str]:
    """News-like filler of 20 to 200 words, reproducible."""
    rng = random.Random(seed)
    words = ["the", "minister", "said", "forces", "border", "talks", "exports", "report", "city", "police"]
    return [" ".join(rng.choices(words, k=rng.randint(20, 200))) for _ in range(n)]


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _to(value: Any, device: str) -> Any:
    import torch

    return value.to(device) if isinstance(value, torch.Tensor) else value


def _timed(run: Any, device: str) -> tuple[float, Any]:
    _sync(device)
    started = time.perf_counter()
    result = run()
    _sync(device)
    return time.perf_counter() - started, result


def measure(texts: list[str], device: str, batch_size: int, half: bool, repeat: int) -> dict[str, Any]:
    """Seconds and passages/s of stock encode, forward alone and our path; padding; cosine to stock."""
    import torch
    from sentence_transformers import SentenceTransformer

    stock = SentenceTransformer(resolve_model_path("all-MiniLM-L6-v2"), device=device)
    ours = SentenceTransformerEmbedder(
        device=device, throughput=True, half=half, batch_size=batch_size, gpu_batch_size=batch_size
    )
    model = ours._load()  # the very model our path runs (fp16 when ``half``)
    warm = texts[: min(len(texts), batch_size)]
    stock.encode(warm, batch_size=STOCK_BATCH, normalize_embeddings=True)
    ours.embed(warm)

    def run_stock() -> Any:
        return stock.encode(texts, batch_size=STOCK_BATCH, normalize_embeddings=True, convert_to_numpy=True)

    encoder = ours._bucketed()  # its tokeniser: the very tensors our path feeds the model
    tokenised = [encoder.tokenise([texts[i] for i in b]) for b in length_buckets(texts, batch_size)]
    real = sum(int(f["attention_mask"].sum()) for f in tokenised)
    padded = sum(int(f["attention_mask"].numel()) for f in tokenised)
    on_device = [{k: _to(v, device) for k, v in f.items()} for f in tokenised]

    def run_forward() -> None:
        with torch.inference_mode():
            for features in on_device:
                forward(model, dict(features), model.device)

    forward(model, dict(on_device[0]), model.device)  # warm-up at the longest shape
    runs = {"stock": run_stock, "forward": run_forward, "ours": lambda: ours.embed(texts)}
    seconds, outputs = dict.fromkeys(runs, float("inf")), {}
    for _ in range(repeat):  # round robin: load on a shared machine falls on every path alike
        for name, run in runs.items():
            took, outputs[name] = _timed(run, device)
            seconds[name] = min(seconds[name], took)
    stock_vectors, vectors = np.asarray(outputs["stock"]), outputs["ours"]
    return {
        "seconds": seconds,
        "rates": {name: len(texts) / s for name, s in seconds.items()},
        "min_cosine": float(np.min(np.sum(vectors * stock_vectors, axis=1))),
        "tokens_per_passage": real / len(texts),
        "padding_efficiency": real / padded,
    }


def machine(device: str) -> str:
    """The device in words: GPU name, or CPU model and cores."""
    if device.startswith("cuda"):
        import torch

        return f"GPU {torch.cuda.get_device_name(torch.device(device))} (torch {torch.__version__})"
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.is_file():
        names = [ln.split(":", 1)[1].strip() for ln in info.read_text().splitlines() if "model name" in ln]
        cpu = names[0] if names else cpu
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"CPU only: {cpu}, {os.cpu_count()} cores, load average {load:.1f} at start"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def markdown(report: dict[str, Any]) -> str:
    """The results file: the command, the machine, one table and the verdict."""
    r, device = report["result"], report["device"]
    rates, seconds = r["rates"], r["seconds"]
    cpu = not device.startswith("cuda")
    rows = [
        f"| {label} | {_rate(rates[key])} | {seconds[key]:.2f} | {rates[key] / rates['stock']:.2f}x "
        f"| {rates[key] / rates['forward']:.0%} |"
        for key, label in (
            ("stock", "1. stock `SentenceTransformer.encode` (fp32, batch 32)"),
            ("forward", f"2. model forward alone, pre-tokenised on the device ({report['precision']})"),
            (
                "ours",
                f"3. our path end to end, `embed` ({report['precision']}, batch {report['batch_size']})",
            ),
        )
    ]
    goal = rates["ours"] >= GOAL
    verdict = (
        "CPU run: the code path is checked; the goal is for an H200 and is not judged here."
        if cpu
        else f"Goal >= {GOAL:,} passages/s end to end: **{'met' if goal else 'not met'}** "
        f"({rates['ours']:,.0f})."
    )
    return "\n".join(
        [
            f"# GPU ingest benchmark — {'CPU run (no GPU in this session)' if cpu else device}",
            "",
            f"On an H200, run unchanged: `{H200_COMMAND}` (writes this file).",
            f"This file: `{report['command']}`.",
            "",
            f"Machine: {report['machine']}. Passages: {report['passages']:,} ({report['source']}), "
            f"{r['tokens_per_passage']:.0f} wordpieces each on average; our buckets pad to "
            f"{r['padding_efficiency']:.0%} real tokens. Best of {report['repeat']} timed run(s) after a "
            "warm-up, the paths taking turns.",
            "",
            "| path | passages/s | seconds | vs stock | of forward alone |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Our vectors vs stock fp32: min cosine {r['min_cosine']:.7f}.",
            "",
            verdict,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the report and write it to ``--out``; returns the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--passages", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, help=f"our path's batch (cuda: {GPU_BATCH_SIZE}, cpu: 32)")
    parser.add_argument("--repeat", type=int, help="timed runs per path, best kept (default 3; cpu: 2)")
    parser.add_argument("--fp32", action="store_true", help="no fp16 on CUDA (fp16 is never used on cpu)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    check_device(args.device)
    cuda = args.device.startswith("cuda")
    batch_size = args.batch_size or (GPU_BATCH_SIZE if cuda else STOCK_BATCH)
    repeat = args.repeat or (3 if cuda else 2)
    half = cuda and not args.fp32
    settings = load_settings()
    configure(settings.cache_dir)  # offline: tiktoken's files from a package, no hub
    texts, source = load_passages(settings.data_dir, args.passages)
    report: dict[str, Any] = {
        "command": " ".join(
            [".venv/bin/python bench/gpu_ingest.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "device": args.device,
        "machine": machine(args.device),
        "passages": len(texts),
        "source": source,
        "batch_size": batch_size,
        "repeat": repeat,
        "precision": "fp16" if half else "fp32",
    }
    report["result"] = measure(texts, args.device, batch_size, half, repeat)
    text = markdown(report)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
