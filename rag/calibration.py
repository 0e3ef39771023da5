"""The calibrated values: thresholds, weights and sizes measured on the evals, not user settings.

They live in one versioned file, ``rag/calibration.json`` (each value with what it does and the
command that calibrated it), loaded once into the typed, frozen :class:`Calibration`. The wiring
(:func:`rag.components.build_components`) hands them to every component; an ablation or a
recalibration passes another :class:`Calibration` (``load_calibration().with_values(...)``), never
changes settings. Library defaults that stand for a calibrated value read it through
:func:`calibrated`, so no number is written twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")

Fraction = Annotated[float, Field(ge=0, le=1)]


@dataclass(frozen=True, kw_only=True)
class Calibration:
    """Every calibrated value; see ``rag/calibration.json`` for what each does and how it was measured."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    # ingest: what a store holds (an eval store is keyed on these, evals/stores.py)
    chunk_tokens: Annotated[int, Field(ge=16, le=2048)]
    chunk_overlap_tokens: Annotated[int, Field(ge=0)]
    max_embed_wordpieces: Annotated[int, Field(ge=32)]
    tokenizer_encoding: str
    embedding_batch_size: Annotated[int, Field(ge=1)]
    query_embedding_backend: Literal["auto", "same", "onnx"]
    # retrieval
    retrieval_mode: Literal["dense", "bm25", "hybrid", "full"]
    candidates: Annotated[int, Field(ge=1)]
    fusion: Literal["rrf", "weighted"]
    dense_weight: Annotated[float, Field(ge=0)]
    lexical_weight: Annotated[float, Field(ge=0)]
    lexical_ranker: Literal["bm25s", "fts5"]
    sentence_rerank: bool
    rerank_depth: Annotated[int, Field(ge=1)]
    per_article_cap: Annotated[int, Field(ge=0)]
    passage_tokens: Annotated[int, Field(ge=0, le=2048)]
    passage_mode: Literal["excerpt", "window"]
    excerpt_dense_weight: Fraction
    # answering
    context_tokens: Annotated[int, Field(ge=256)]
    evidence_dense_weight: Fraction
    support_threshold: Fraction
    max_answer_sentences: Annotated[int, Field(ge=1)]
    extractive_max_sentences: Annotated[int, Field(ge=1)]
    llm_temperature: Annotated[float, Field(ge=0)]
    llm_max_tokens: Annotated[int, Field(ge=16)]

    def with_values(self, **changes: Any) -> Calibration:
        """A copy with ``changes`` (validated: a ConfigError names a bad value or an unknown name)."""
        return _validate({**self.values(), **changes}, "calibration override")

    def values(self) -> dict[str, Any]:
        """Every value by name."""
        return asdict(self)

    def subset(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The values of ``names`` only (e.g. those that key an eval store)."""
        return {name: getattr(self, name) for name in names}


@dataclass(frozen=True)
class CalibrationFile:
    """What the file says beside the values: its version and date, and how each was calibrated."""

    version: int
    date: str
    calibration: Calibration
    calibrated_by: dict[str, str] = field(default_factory=dict)
    answerability_model: dict[str, str] = field(default_factory=dict)


def read_calibration(path: Path = CALIBRATION_FILE) -> CalibrationFile:
    """Read and validate a calibration file (ConfigError when it is missing or malformed)."""
    from rag.errors import ConfigError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        values = {name: entry["value"] for name, entry in data["values"].items()}
        calibrated_by = {name: str(entry.get("calibrated_by", "")) for name, entry in data["values"].items()}
        version, date = int(data["version"]), str(data["date"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"calibration file {path} is unreadable ({exc}): restore it from git") from exc
    return CalibrationFile(
        version=version,
        date=date,
        calibration=_validate(values, str(path)),
        calibrated_by=calibrated_by,
        answerability_model=dict(data.get("answerability_model", {})),
    )


@cache
def calibration_file() -> CalibrationFile:
    """The packaged ``rag/calibration.json``, read once per process."""
    return read_calibration()


def load_calibration() -> Calibration:
    """The packaged calibrated values (read once per process)."""
    return calibration_file().calibration


def calibrated(name: str) -> Any:
    """A dataclass field whose default is the calibrated value ``name`` (read when an instance is made)."""
    if name not in {f.name for f in fields(Calibration)}:
        raise AttributeError(f"no calibrated value {name!r}")
    return field(default_factory=lambda: getattr(load_calibration(), name))


@cache
def _adapter() -> TypeAdapter[Calibration]:
    return TypeAdapter(Calibration)


def _validate(values: dict[str, Any], where: str) -> Calibration:
    from rag.errors import ConfigError

    try:
        return _adapter().validate_python(values)
    except ValidationError as exc:
        raise ConfigError(f"invalid calibrated values in {where}: {exc}") from exc
