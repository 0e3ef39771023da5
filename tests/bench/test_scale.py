"""bench/scale.py at a tiny size: the core run writes every field, sane, and stops and resumes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.scale import run_backend
from bench.scale_findings import markdown
from bench.scale_util import load_state


def test_a_tiny_embedded_run_measures_every_field(tmp_path: Path) -> None:
    (row,) = run_backend("embedded", [500], tmp_path, queries=10)
    assert row["chunks"] >= 500 and not row["stopped"]
    assert row["added"] == row["chunks"] and row["ingest_rate"] > 0
    assert sum(row["ingest_split_s"].values()) <= row["ingest_s"] + 0.1
    for name in ("query", "dense", "bm25"):
        assert 0 < row[f"{name}_p50_ms"] <= row[f"{name}_p95_ms"]
    assert row["query_p50_ms"] >= row["bm25_p50_ms"]  # the full path runs the BM25 search and more
    for name in ("query", "dense", "bm25"):  # each search finds the article a question was made from
        assert row[f"{name}_found_at_10"] >= 0.7, name
    assert row["bm25s_rebuild_s"] > 0 and row["add_write_ms"] > 0
    assert row["add_found"], "the first question about the article just added finds it"
    assert row["add_searchable_ms"] > 0 and row["add_then_p50_ms"] > 0
    assert row["add_bm25s_current_s"] >= row["add_searchable_ms"] / 1000  # counted from the write
    assert row["lexical_version"] not in ("", "unknown")
    assert 0 < row["rss_mb"] <= row["rss_peak_mb"] and row["server_rss_mb"] is None
    assert row["disk_mb"] > 0
    state = load_state(tmp_path)
    assert state["rows"]["embedded:500"] == row
    report = markdown(state, [500])
    assert (
        "## Embedded Chroma" in report
        and "## What breaks first" in report
        and f"| {row['chunks']:,} |" in report
    )


def test_a_run_past_its_deadline_stops_then_resumes(tmp_path: Path) -> None:
    (stopped,) = run_backend("embedded", [600], tmp_path, queries=3, deadline=0.0)
    assert stopped["stopped"] and 0 < stopped["chunks"] < 600  # one flush, then the deadline
    assert stopped["query_p50_ms"] > 0, "a deadline still measures the size reached"
    (done,) = run_backend("embedded", [600], tmp_path, queries=3)
    assert not done["stopped"] and done["chunks"] >= 600
    # every chunk came from the two growth steps but the one article the stopped run added to measure
    assert done["added"] + 8 == done["chunks"] and done["added"] > stopped["added"]
    (again,) = run_backend("embedded", [600], tmp_path, queries=3, again=True)  # the store is still at 600
    assert again["earlier"]["query_p95_ms"] == done["query_p95_ms"] and again["added"] == done["added"]
    assert again["chunks"] == done["chunks"] + 8 and again["query_p95_ms"] > 0


def test_too_little_memory_aborts_with_the_row_saved(tmp_path: Path) -> None:
    """With more free memory asked for than the machine has, the run stops at once, exit status 3."""
    script = Path(__file__).resolve().parents[2] / "bench" / "scale.py"
    command = [sys.executable, str(script), "--one", "embedded", "--sizes", "100", "--queries", "3"]
    command += ["--workdir", str(tmp_path), "--out", str(tmp_path / "scale.md"), "--free-gb", "100000"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    row = load_state(tmp_path)["rows"]["embedded:100"]
    assert "of memory left on the machine" in row["aborted"] and row["chunks"] >= 100
    assert "(aborted: " in markdown(load_state(tmp_path), [100])
