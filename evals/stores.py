"""The eval's own store: one per (corpus content, chunking and embedding settings), reused when it exists.

The store folder is ``<root>/<key>`` where the key hashes the corpus fingerprint (every file's
content and its path relative to the corpus argument) and the values that shape what is stored: the
calibrated chunk sizes and tokenizer, and the embedding model, backend and precision and the
collection of the settings. A finished store holds
``eval-store.json`` with the key and its build time; a store without it (a killed build) is resumed,
since ingest is idempotent. After ingest the store is pruned to exactly the corpus's articles, so a
copy of a bigger store (the demo store, say) can seed it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.calibration import Calibration, load_calibration
from rag.errors import InputError
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.assistant import Assistant

MANIFEST = "eval-store.json"
STORE_CALIBRATION = ("chunk_tokens", "chunk_overlap_tokens", "max_embed_wordpieces", "tokenizer_encoding")
STORE_SETTINGS = ("embedding_model", "embedding_backend", "embedding_precision", "collection")


def corpus_files(paths: Sequence[str | Path]) -> list[tuple[str, Path]]:
    """(name relative to its corpus argument, path) for every non-hidden file, sorted."""
    files: list[tuple[str, Path]] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files += [
                (f"{path.name}/{p.relative_to(path).as_posix()}", p)
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
        elif path.is_file():
            files.append((path.name, path))
        else:
            raise InputError(f"corpus {path} does not exist: pass a file or folder of articles")
    if not files:
        raise InputError(f"corpus {', '.join(map(str, paths))} holds no files")
    return files


def corpus_fingerprint(paths: Sequence[str | Path]) -> str:
    """SHA-1 over the corpus files' relative names and contents."""
    digest = hashlib.sha1()
    for name, path in corpus_files(paths):
        digest.update(name.encode())
        digest.update(hashlib.sha1(path.read_bytes()).digest())
    return digest.hexdigest()


def store_settings(settings: Settings, calibration: Calibration | None = None) -> dict[str, Any]:
    """The calibrated values and settings that decide what an ingest stores (part of the store key)."""
    calibrated = (calibration or load_calibration()).subset(STORE_CALIBRATION)
    return calibrated | {name: getattr(settings, name) for name in STORE_SETTINGS}


def store_key(fingerprint: str, settings: Settings, calibration: Calibration | None = None) -> str:
    """Short, stable key of a corpus fingerprint and the store-shaping values."""
    shaping = store_settings(settings, calibration)
    payload = json.dumps({"corpus": fingerprint, **shaping}, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


def default_root(settings: Settings) -> Path:
    """Where eval stores live unless ``--stores`` says otherwise: ``<cache_dir>/eval-stores``."""
    return Path(settings.cache_dir) / "eval-stores"


@dataclass
class StoreInfo:
    """What the report says about the store a run used."""

    path: str
    key: str
    corpus_fingerprint: str
    reused: bool
    articles: int
    chunks: int
    ingest_seconds: float  # time this run spent ingesting (near 0 when reused)
    build_seconds: float | None  # ingest time of the run(s) that built the store (None: seeded copy)
    built_at: str
    pruned: int = 0
    seeded_from: str = ""  # the store this one was copied from (its embedding time is not counted)
    sentences_embedded: int = 0  # sentence vectors for excerpts embedded this run (before any question)
    sentence_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def eval_settings(settings: Settings, store: Path) -> Settings:
    """The user's settings pointed at an eval store (always the embedded store, never a server)."""
    return settings.model_copy(update={"chroma_path": store, "chroma_url": None})


def open_store(
    corpus: Sequence[str | Path],
    settings: Settings,
    root: Path | None = None,
    rebuild: bool = False,
    seed: Path | None = None,
    calibration: Calibration | None = None,
) -> tuple[Assistant, StoreInfo]:
    """An assistant over an eval store holding exactly ``corpus``, ingesting only what is missing,
    built with ``calibration`` (the packaged values when not given).

    ``seed``: a store folder (built with the same chunking and embedding settings) copied in when the
    eval store does not exist yet, so only what it lacks is embedded; its extra articles are pruned.
    """
    import shutil

    from rag.assistant import Assistant

    calibration = calibration or load_calibration()
    fingerprint = corpus_fingerprint(corpus)
    key = store_key(fingerprint, settings, calibration)
    path = (root or default_root(settings)) / key
    manifest = _read_manifest(path)
    if rebuild and path.exists():
        shutil.rmtree(path)
        manifest = None
    seeded_from = ""
    if seed is not None and not path.exists():
        if not (seed / "chroma").is_dir():
            raise InputError(f"--seed-store {seed} is not a store folder (no chroma/ inside)")
        shutil.copytree(seed, path)
        seeded_from = str(seed)
    reused = manifest is not None and manifest.get("key") == key
    assistant = Assistant.from_settings(eval_settings(settings, path), calibration=calibration)
    started = time.perf_counter()
    summary = assistant.ingest([str(p) for p in corpus], progress=True)
    if not summary.article_ids:  # never prune a store down to nothing
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in summary.failed[:3]) or "no article text"
        raise InputError(f"the corpus yielded no articles ({reasons})")
    keep = set(summary.article_ids)
    extra = [a.id for a in assistant.articles() if a.id not in keep]
    for article_id in extra:
        assistant.delete_article(article_id)
    seconds = time.perf_counter() - started
    # every sentence embedded before the first question: answers and latencies are the steady state
    # of a store in use, whatever the order questions come in
    started = time.perf_counter()
    sentences = assistant.embed_sentences(keep, progress=True)
    sentence_seconds = time.perf_counter() - started
    previous = float(manifest.get("build_seconds") or 0.0) if reused and manifest else 0.0
    seeded = bool(seeded_from or (manifest and manifest.get("seeded_from")))
    info = StoreInfo(
        path=str(path),
        key=key,
        corpus_fingerprint=fingerprint,
        reused=reused,
        articles=len(keep),
        chunks=assistant.chunk_count(),
        ingest_seconds=round(seconds, 2),
        build_seconds=None if seeded else round(previous + (0.0 if reused else seconds), 2),
        built_at=str(manifest.get("built_at")) if reused and manifest else _now(),
        pruned=len(extra),
        seeded_from=seeded_from or (str(manifest.get("seeded_from", "")) if manifest else ""),
        sentences_embedded=sentences,
        sentence_seconds=round(sentence_seconds, 2),
    )
    if not reused or extra or summary.added or summary.updated:
        _write_manifest(path, info, store_settings(settings, calibration))
    return assistant, info


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_manifest(path: Path, info: StoreInfo, shaping: dict[str, Any]) -> None:
    data = {**info.to_dict(), "settings": shaping}
    data.pop("reused")
    (path / MANIFEST).write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
