"""Committed result write-ups agree with the files that hold the numbers they quote."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_calibration_md_quotes_the_committed_threshold() -> None:
    model = json.loads((ROOT / "rag" / "answer" / "answerability.json").read_text(encoding="utf-8"))
    text = (ROOT / "evals" / "results" / "calibration.md").read_text(encoding="utf-8")
    quoted = re.search(r"threshold (\d+\.\d+)", text)
    assert quoted is not None and float(quoted.group(1)) == model["threshold"]


def test_gate_margin_matches_the_code() -> None:
    from evals.gate import MARGIN, THRESHOLDS

    assert json.loads(THRESHOLDS.read_text(encoding="utf-8"))["margin"] == MARGIN
