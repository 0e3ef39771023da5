"""For the crash tests: `rag ingest` in a subprocess that SIGKILLs itself at a pipeline write point.

The pipeline only announces its write points (:func:`ingest.pipeline.add_checkpoint_hook`); the
killing lives here, installed by a ``python -c`` launcher before the CLI runs.
"""

from __future__ import annotations

import os
import signal
import sys

from ingest.pipeline import add_checkpoint_hook

_LAUNCH = (
    "import sys; from tests.ingest.crashing import kill_at; kill_at(sys.argv[1]); "
    "from rag.cli import main; sys.exit(main(sys.argv[2:]))"
)


def kill_at(spec: str) -> None:
    """``"point:n"``: SIGKILL this process the n-th time an ingest passes ``point``."""
    point, times = spec.split(":")
    passed = 0

    def hook(reached: str) -> None:
        nonlocal passed
        if reached == point:
            passed += 1
            if passed >= int(times):
                os.kill(os.getpid(), signal.SIGKILL)

    add_checkpoint_hook(hook)


def rag_command(crash: str | None, *args: str) -> list[str]:
    """``python -m rag.cli *args``, killed at ``crash`` (``"point:n"``) when given; run it from the repo
    root (the launcher imports this module)."""
    if crash is None:
        return [sys.executable, "-m", "rag.cli", *args]
    return [sys.executable, "-c", _LAUNCH, crash, *args]
