"""The report of bench/scale.py: one table per backend, and "What breaks first" worked out from the rows.

Every figure in the report comes from the measured rows; a value past the largest measured size is
a projection along the growth between the last two measured sizes, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.scale_util import Row, machine, ram_mb

TITLES = {"embedded": "Embedded Chroma (a folder)", "server": "Chroma server (`chroma run` on 127.0.0.1)"}
HOW = """Synthetic articles (`bench/scale_data.py`: pseudo-words drawn by Zipf's law from a fixed 40,000-word
vocabulary, a topic's own words in 30% of each article, 8 chunks of 150 words an article) are written
through the store classes the ingest pipeline uses, in the order `Ingestor._flush` writes them, 256
chunks a flush. **Only the embedding model is faked**: vectors are a bag-of-words stand-in of dimension
384 (texts that share words are near), which also embeds the questions and the excerpts' sentences, so
question embedding costs ~0 ms here. Questions (four words of a stored chunk, every third naming its
outlet) run through the retriever `rag/retrieval/factory.py` builds with default settings (full
pipeline: parsing, dense + bm25s fused, per-outlet searches, excerpts). Sizes grow one from the next;
each backend runs in its own process. Columns: *ingest chunks/s* is the average of the step from the
previous size, store writes only; *bm25s rebuild s* is a full build of the in-memory BM25 index from the
table (done again after any write); *query* is the whole retrieval of 10 passages, *dense* and *BM25*
the single searches (50 candidates) it is built from; *add article* is writing one more article (8
chunks), the first question about it (found or not), five questions right after, and the time from the
write until the bm25s index is current; *RSS* is this process (now / peak), *server RSS* the `chroma
run` process; *found@10* is the share of questions whose source article is in the top 10 (a check that
questions have real neighbours; the dense figure reflects the stand-in vectors, four words against
topics that more and more chunks share, not the model's quality); *load* is the 1-minute load average
when the row was written (2 cores: above 2, other work was waiting for them too); *lexical code* is the
commit of store/lexical.py and store/bm25.py the row ran (`+changes`: edited since)."""


@dataclass(frozen=True)
class Limit:
    key: str
    bound: float
    worse: Callable[[float, float], bool]
    what: str
    detail: Callable[[Row], str]
    next_step: str
    linear: bool = False  # grows by a fixed amount a chunk (memory), else along a power of the count


def _f(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if isinstance(value, float | int) else str(value)


def _share(row: Row, part: str) -> str:
    split = row.get("ingest_split_s", {})
    total = sum(split.values())
    return f"{100 * split.get(part, 0) / total:.0f}%" if total else "-"


def _found(r: Row) -> str:
    return "" if "add_found" not in r else " and found it" if r["add_found"] else " and did not find it"


def _then(r: Row) -> str:
    if "add_then_p50_ms" not in r:
        return ""
    return (
        f"questions right after took {_f(r['add_then_p50_ms'])} ms (p50) and bm25s was current "
        f"again {_f(r['add_bm25s_current_s'], 1)} s after the write; "
    )


def _latency(r: Row) -> str:
    text = (
        f"p50 / p95 {_f(r['query_p50_ms'])} / {_f(r['query_p95_ms'])} ms at {r['chunks']:,} chunks; one "
        f"search without a filter takes {_f(r['dense_p50_ms'], 1)} ms dense and {_f(r['bm25_p50_ms'], 1)} ms "
        "BM25 (p50)"
    )
    if not r.get("query_outlet_p50_ms"):
        return text
    searches = r["dense_p50_ms"] + r["bm25_p50_ms"] + r["dense_outlet_p50_ms"] + r["bm25_outlet_p50_ms"]
    dense, bm25 = r["dense_outlet_p50_ms"], r["bm25_outlet_p50_ms"]
    return text + (
        f". The third of the questions that name an outlet take {_f(r['query_outlet_p50_ms'])} / "
        f"{_f(r['query_outlet_p95_ms'])} ms; restricted to one outlet a dense search takes {_f(dense, 1)} ms "
        f"({dense / r['dense_p50_ms']:.0f}x) and a BM25 search {_f(bm25, 1)} ms "
        f"({bm25 / r['bm25_p50_ms']:.0f}x); the global and the outlet's searches together take "
        f"{_f(searches)} ms of such a question's {_f(r['query_outlet_p50_ms'])} ms (p50)"
    )


LIMITS = [
    Limit(
        "add_searchable_ms",
        1000.0,
        lambda v, b: v > b,
        "an added article is searchable within 1 s",
        lambda r: (
            f"writing one article took {_f(r['add_write_ms'])} ms; the first question about it returned "
            f"after {_f(r['add_searchable_ms'] / 1000, 1)} s{_found(r)}; "
            f"{_then(r)}the bm25s index is rebuilt whole from the table after any write "
            f"({_f(r['bm25s_rebuild_s'], 1)} s at {r['chunks']:,} chunks), and every flush of an ingest "
            "(256 chunks) is such a write"
        ),
        "incremental lexical indexing: keep the built index serving, put new rows in a small delta "
        "index searched beside it (IDF over both), and rebuild the base in the background and swap; "
        "past a few million chunks or with several serving processes, BM25 in a search engine "
        "(OpenSearch/Elasticsearch), whose inverted index takes writes incrementally",
    ),
    Limit(
        "add_then_p50_ms",
        1000.0,
        lambda v, b: v > b,
        "questions asked right after a write answer within 1 s (p50)",
        lambda r: (
            f"questions right after a write took {_f(r['add_then_p50_ms'])} ms (p50) against "
            f"{_f(r['query_p50_ms'])} ms with the index current, until bm25s was current again "
            f"{_f(r['add_bm25s_current_s'])} s after the write"
        ),
        "the same incremental lexical indexing: a write must not make the next questions pay for the "
        "whole corpus",
    ),
    Limit(
        "ingest_rate",
        1e6 / 3600,
        lambda v, b: v < b,
        "a million chunks are written within an hour (278 chunks/s)",
        lambda r: (
            f"{_f(r['ingest_rate'])} chunks/s at {r['chunks']:,} chunks, {_share(r, 'chroma')} of the write "
            f"time in Chroma's upsert (lexical index {_share(r, 'lexical')}, article rows "
            f"{_share(r, 'articles')}); a million chunks would take {1e6 / r['ingest_rate'] / 60:,.0f} min "
            "of writes at that rate, before any embedding"
        ),
        "Chroma's distributed deployment (writes to a log, compacted into the HNSW index by separate "
        "workers, queries served by their own nodes), so ingest no longer shares the serving cores",
    ),
    Limit(
        "rss_peak_mb",
        0.5,
        lambda v, b: v > b,
        "peak memory of the process stays under half the RAM",
        lambda r: (
            f"peak RSS {_f(r['rss_peak_mb'])} MB at {r['chunks']:,} chunks (after the build "
            f"{_f(r['rss_mb'])} MB): a bm25s rebuild reads every row's text and tokens into memory "
            "at once, beside the index still serving"
        ),
        "BM25 out of this process (a search engine such as OpenSearch/Elasticsearch) or an index "
        "built in segments that never reads the whole table at once",
        linear=True,
    ),
    Limit(
        "query_p95_ms",
        1000.0,
        lambda v, b: v > b,
        "a question's retrieval p95 stays under 1 s",
        lambda r: _latency(r),
        "Chroma filters on metadata before its vector search, which costs more as the collection "
        "grows: a collection per outlet, or Chroma's distributed deployment, or dense and BM25 search "
        "in a search engine (OpenSearch/Elasticsearch) whose filters are cached bitsets; and a profile "
        "of the question pipeline where the searches do not account for its time",
    ),
]


def exponent(rows: list[Row], key: str) -> float | None:
    """The growth exponent of ``key`` with the chunk count between the last two measured sizes."""
    have = [r for r in rows if r.get(key)]
    if len(have) < 2 or have[-1]["chunks"] == have[-2]["chunks"]:
        return None
    a, b = have[-2], have[-1]
    return math.log(b[key] / a[key]) / math.log(b["chunks"] / a["chunks"])


def project(rows: list[Row], limit: Limit, chunks: float) -> float | None:
    """``limit.key`` at ``chunks`` along the growth between the last two measured sizes."""
    have = [r for r in rows if r.get(limit.key)]
    growth = exponent(rows, limit.key)
    if growth is None:
        return None
    a, b = have[-2], have[-1]
    if limit.linear:
        slope = (b[limit.key] - a[limit.key]) / (b["chunks"] - a["chunks"])
        return float(b[limit.key] + slope * (chunks - b["chunks"]))
    return float(b[limit.key] * (chunks / b["chunks"]) ** growth)


def crossing(rows: list[Row], limit: Limit) -> tuple[float, bool, Row | None]:
    """(chunks where ``limit`` breaks, whether that was measured, the row it is told from); the
    projected crossing counts only within 10 times the largest measured size (else infinity)."""
    bound = limit.bound * ram_mb() if limit.key == "rss_peak_mb" else limit.bound
    have = [r for r in rows if r.get(limit.key)]
    over = next((r for r in have if limit.worse(r[limit.key], bound)), None)
    if over is not None:
        return float(over["chunks"]), True, over
    if not have:
        return math.inf, False, None
    last, far = have[-1], 10 * have[-1]["chunks"]
    ahead = project(rows, limit, far)
    if ahead is None or not limit.worse(ahead, bound):
        return math.inf, False, last
    low, high = float(last["chunks"]), float(far)  # the growth is monotonic: bisect
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (low, mid) if limit.worse(project(rows, limit, mid) or 0.0, bound) else (mid, high)
    return high, False, last


def _pair(r: Row, name: str) -> str:
    return f"{_f(r.get(name + '_p50_ms'), 1)} / {_f(r.get(name + '_p95_ms'), 1)}"


def _size(r: Row) -> str:
    size = _f(r["chunks"]) + (f" (stopped; target {_f(r['size'])})" if r.get("stopped") else "")
    size += f" (aborted: {r['aborted']})" if r.get("aborted") else ""
    if first := r.get("earlier"):
        size += (
            f" (measured again; the first time, at load {first['load_average'][0]}: query p50 / p95 "
            f"{_f(first['query_p50_ms'])} / {_f(first['query_p95_ms'])} ms, bm25s build "
            f"{_f(first['bm25s_rebuild_s'], 1)} s, first question after a write "
            f"{_f(first['add_searchable_ms'])} ms)"
        )
    return size


def table(rows: list[Row]) -> list[str]:
    """Two tables: growth and questions; one more article and the resources."""
    base = next((r for r in rows if "query_p95_ms" in r), None)
    lines = [
        "| chunks | ingest chunks/s | ingest s: Chroma / lexical / articles | bm25s build s "
        "| query p50 / p95 ms | p95 vs first | naming an outlet: query p50 / p95 ms | dense p50 / p95 ms "
        "| dense, outlet filter | BM25 p50 / p95 ms | BM25, outlet filter | found@10: query / dense / BM25 "
        "| load |",
        "|" + " ---: |" * 13,
    ]
    for r in rows:
        split = " / ".join(_f(v, 1) for v in r.get("ingest_split_s", {}).values()) or "-"
        ratio = r["query_p95_ms"] / base["query_p95_ms"] if base and r.get("query_p95_ms") else None
        found = " / ".join(_f(r.get(f"{name}_found_at_10"), 2) for name in ("query", "dense", "bm25"))
        cells = [_size(r), _f(r["ingest_rate"]), split, _f(r.get("bm25s_rebuild_s"), 1), _pair(r, "query")]
        cells += [f"{_f(ratio, 2)}x", _pair(r, "query_outlet"), _pair(r, "dense"), _pair(r, "dense_outlet")]
        cells += [_pair(r, "bm25"), _pair(r, "bm25_outlet"), found, _f(r.get("load_average", [None])[0], 1)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| chunks | add article: write ms | first question about it ms | next 5 questions p50 ms "
        "| bm25s current after s | RSS / peak MB | server RSS MB | disk MB | lexical code |",
        "|" + " ---: |" * 9,
    ]
    for r in rows:
        found = "" if "add_found" not in r else " (found)" if r["add_found"] else " (not found)"
        cells = [_f(r["chunks"]), _f(r.get("add_write_ms"), 1), _f(r.get("add_searchable_ms"), 1) + found]
        cells += [_f(r.get("add_then_p50_ms"), 1), _f(r.get("add_bm25s_current_s"), 1)]
        cells += [f"{_f(r['rss_mb'])} / {_f(r['rss_peak_mb'])}", _f(r.get("server_rss_mb")), _f(r["disk_mb"])]
        lines.append("| " + " | ".join([*cells, r.get("lexical_version", "-")]) + " |")
    return lines


def limits(rows: list[Row]) -> list[str]:
    out = []
    for limit in LIMITS:
        at, measured, row = crossing(rows, limit)
        if row is None:
            continue
        growth = exponent(rows, limit.key)
        trend = f"grows as chunks^{growth:.2f}" if growth is not None else "one size measured"
        if measured:
            out.append(f"- **{limit.what}: broken at {at:,.0f} chunks** ({_f(row[limit.key])}; {trend})")
        else:
            when = "" if math.isinf(at) else f"; crosses near {at:,.0f} chunks if that holds (projected)"
            shown = f"{_f(row[limit.key])}; {trend}{when}"
            out.append(f"- {limit.what}: holds at {row['chunks']:,} chunks ({shown})")
    return out


def findings(by_backend: dict[str, list[Row]], sizes: list[int]) -> list[str]:
    lines = ["## What breaks first", ""]
    for backend, rows in by_backend.items():
        last, want = rows[-1], max(sizes)
        if want <= last["chunks"]:
            continue
        how = "measured there" if "query_p95_ms" in last else "growth only, not measured there"
        guesses = [
            f"{limit.key} {_f(value, 1)}"
            for limit in LIMITS
            if (value := project(rows, limit, want)) is not None and limit.key != "ingest_rate"
        ]
        lines.append(
            f"- {TITLES[backend]}: {want:,} chunks not reached; stopped at {last['chunks']:,} ({how}). "
            f"Projected at {want:,} along the last two sizes (not measured): {', '.join(guesses) or '-'}."
        )
    ranked: list[tuple[float, bool, Limit, list[tuple[float, bool, Row | None, str]]]] = []
    for limit in LIMITS:
        found = sorted(
            ((*crossing(rows, limit), backend) for backend, rows in by_backend.items()),
            key=lambda c: (c[0], not c[1]),
        )
        if found[0][2] is not None:
            ranked.append((found[0][0], not found[0][1], limit, found))
    ranked.sort(key=lambda item: (item[0], item[1]))
    lines += ["", "In the order they break on this machine (the earliest measured or projected size):", ""]
    for n, (at, _, limit, found) in enumerate(ranked, start=1):
        if math.isinf(at):
            where = "not broken, nor heading there within 10 times the largest size measured"
        else:
            where = "; ".join(
                f"{'broken' if measured else 'projected to break'} at {c:,.0f} chunks ({backend})"
                for c, measured, _, backend in found
                if not math.isinf(c)
            )
        row, backend = next(((r, b) for c, m, r, b in found if m), (found[0][2], found[0][3]))
        assert row is not None
        values = " → ".join(
            f"{_f(r[limit.key])} at {r['chunks']:,}" for r in by_backend[backend] if r.get(limit.key)
        )
        what = limit.what[0].upper() + limit.what[1:]
        lines.append(f"{n}. **{what}**: {where}. Measured ({backend}; {values}): {limit.detail(row)}.")
        lines.append(f"   Next step: {limit.next_step}.")
    return lines


def markdown(state: dict[str, Any], sizes: list[int]) -> str:
    by_backend: dict[str, list[Row]] = {}
    for row in state["rows"].values():
        by_backend.setdefault(row["backend"], []).append(row)
    loads = [r["load_average"][0] for r in state["rows"].values() if r.get("load_average")]
    lines = ["# Scale benchmark: where the store and the retriever break", ""]
    lines += [f"Command: `{c}`" + "  " for c in state.get("commands", [])]
    lines += [f"Machine: {machine()}; 1-minute load average at the measurements {min(loads, default=0):.1f}-"]
    lines[-1] += f"{max(loads, default=0):.1f} (a shared machine: other work ran beside this)."
    lines += ["", HOW, ""] + [f"Note: {n}" + "\n" for n in state.get("notes", [])]
    for backend in sorted(by_backend, key=list(TITLES).index):
        rows = sorted(by_backend[backend], key=lambda r: r["chunks"])
        by_backend[backend] = rows
        lines += [f"## {TITLES[backend]}", "", *table(rows), "", *limits(rows), ""]
    return "\n".join([*lines, *findings(by_backend, sizes), ""])
