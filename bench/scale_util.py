"""Helpers of bench/scale.py: timing, its state file, process memory and its guard, disk use, a port."""

from __future__ import annotations

import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from evals.metrics import percentile

Row = dict[str, Any]
T = TypeVar("T")


def timed(call: Callable[..., T], *args: object) -> tuple[float, T]:
    """Milliseconds ``call(*args)`` takes, and what it returned."""
    started = time.perf_counter()
    result = call(*args)
    return (time.perf_counter() - started) * 1000, result


def quantiles(name: str, values: list[float]) -> Row:
    p50, p95 = percentile(values, 50) or 0.0, percentile(values, 95) or 0.0
    return {f"{name}_p50_ms": round(p50, 1), f"{name}_p95_ms": round(p95, 1)}


def load_state(workdir: Path, *also: Path) -> dict[str, Any]:
    """What runs in ``workdir`` measured: ``rows`` by "backend:size", and the ``commands`` run; with
    the rows of the ``also`` workdirs that ``workdir`` lacks (and their commands)."""
    path = workdir / "state.json"
    state = json.loads(path.read_text()) if path.exists() else {"rows": {}, "commands": []}
    for other in also:
        more = load_state(other)
        state["rows"] = more["rows"] | state["rows"]
        state["commands"] += [f"{c} --workdir {other}" for c in more["commands"] if "--workdir" not in c]
        state["notes"] = state.get("notes", []) + more.get("notes", [])
    return state


def save_row(workdir: Path, row: Row) -> None:
    state = load_state(workdir)
    state["rows"][f"{row['backend']}:{row['size']}"] = row
    (workdir / "state.tmp").write_text(json.dumps(state, indent=1))
    (workdir / "state.tmp").replace(workdir / "state.json")


def add_note(workdir: Path, note: str) -> None:
    state = load_state(workdir)
    state["notes"] = [*state.get("notes", []), note]
    (workdir / "state.json").write_text(json.dumps(state, indent=1))


def merge(row: Row, before: Row | None) -> Row:
    """``row`` of a growth step with the part an earlier, stopped run of the same step did added in
    (or, measuring a size again, its growth figures and the first measurement under ``earlier``)."""
    if before:
        row["added"] += before["added"]
        row["ingest_s"] = round(row["ingest_s"] + before["ingest_s"], 3)
        row["ingest_rate"] = round(row["added"] / row["ingest_s"], 1) if row["ingest_s"] else None
        parts = before.get("ingest_split_s", {})
        row["ingest_split_s"] = {k: round(v + parts.get(k, 0.0), 3) for k, v in row["ingest_split_s"].items()}
        if "query_p95_ms" in before and not before.get("stopped"):  # measured again: keep the first
            kept = ("query_p50_ms", "query_p95_ms", "add_searchable_ms", "bm25s_rebuild_s", "load_average")
            row["earlier"] = {k: before.get(k) for k in kept}
    return row


class Stopper:
    """``stopper()`` is true once SIGINT or SIGTERM came (:attr:`signalled`) or ``deadline`` passed."""

    def __init__(self, deadline: float = math.inf) -> None:
        self.deadline = deadline
        self.signalled = False

    def __call__(self) -> bool:
        return self.signalled or time.time() > self.deadline

    def install(self) -> Callable[[], None]:
        """Catch SIGINT and SIGTERM; returns what puts the previous handlers back."""
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        for sig in previous:
            signal.signal(sig, lambda *_: setattr(self, "signalled", True))

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore


class MemoryGuard(threading.Thread):
    """Ends the process (exit status 3) when the machine's available memory falls under ``floor_mb``,
    after saving :attr:`row` marked aborted, so a size that does not fit says so instead of swapping
    or waking the OOM killer on a shared machine."""

    def __init__(self, workdir: Path, floor_mb: float, phase: Callable[[], str]) -> None:
        super().__init__(daemon=True, name="scale-memory-guard")
        self.workdir, self.floor_mb, self.phase = workdir, floor_mb, phase
        self.row: Row | None = None

    def run(self) -> None:
        while True:
            time.sleep(0.5)
            left = _status_mb_file("/proc/meminfo", "MemAvailable")
            if left >= self.floor_mb or self.row is None:
                continue
            own, peak = rss_mb(os.getpid(), tree=False)
            why = f"{left:,.0f} MB of memory left on the machine during {self.phase()}"
            save_row(self.workdir, {**self.row, "aborted": why, "rss_mb": own, "rss_peak_mb": peak})
            print(f"aborted: {why} (this process: {own:,.0f} MB)", flush=True)
            os._exit(3)


def code_version(*paths: str) -> str:
    """The last commit of ``paths`` (short hash), with ``+changes`` when the working tree differs."""
    repo = Path(__file__).resolve().parents[1]
    git = ["git", "-C", str(repo)]
    try:
        commit = subprocess.run(
            [*git, "log", "-1", "--format=%h", "--", *paths], capture_output=True, text=True
        )
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", *paths]).returncode != 0
    except OSError:
        return "unknown"
    return commit.stdout.strip() + ("+changes" if dirty else "") or "unknown"


def start_chroma(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``chroma run`` on a free port of 127.0.0.1 with its data in ``folder/server``, in its own
    session (a Ctrl-C stops the benchmark, not the server mid-write); (process, URL) once it answers."""
    port = free_port()
    log = (folder / "server.log").open("ab")
    exe = Path(sys.executable).parent / "chroma"
    command = [str(exe), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(folder / "server")]
    server = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_up(url + "/api/v2/heartbeat", 120, server)
    return server, url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    """Poll ``url`` until it answers 200 (RuntimeError if ``proc`` exits, TimeoutError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")


def _status_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int, tree: bool = True) -> tuple[float, float]:
    """(resident MB of ``pid``, with its children's when ``tree``; peak resident MB of ``pid`` itself)."""
    children = []
    for entry in Path("/proc").iterdir() if tree else ():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total = _status_mb(pid, "VmRSS") + sum(rss_mb(c)[0] for c in children)
    return round(total, 1), round(_status_mb(pid, "VmHWM"), 1)


def disk_mb(folder: Path) -> float:
    """Space the files under ``folder`` take on disk (allocated blocks), in MB."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                continue
    return round(total / 2**20, 1)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        model = next(
            line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} CPUs, {ram_mb() / 1024:.0f} GiB RAM, {platform.system()}"


def ram_mb() -> float:
    return _status_mb_file("/proc/meminfo", "MemTotal")


def _status_mb_file(path: str, field: str) -> float:
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0
