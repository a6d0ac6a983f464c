"""memem's processes run BLAS on one thread (`memem.cli.blas`): checked in fresh interpreters, as
BLAS reads its thread count once, when numpy loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from memem.cli.blas import VARIABLES

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter without any BLAS thread setting of ours; its JSON answer."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, timeout=60, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


THREADS_AFTER_NUMPY = """
import json, os
from memem.cli.blas import one_blas_thread
capped = one_blas_thread() if {cap} else None
import numpy
numpy.ones((64, 64)) @ numpy.ones((64, 64))
print(json.dumps({{"capped": capped, "threads": len(os.listdir("/proc/self/task")),
                  "openblas": os.environ.get("OPENBLAS_NUM_THREADS")}}))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2, reason="needs Linux, 2+ cores")
def test_numpy_starts_no_blas_worker_once_capped() -> None:
    free = _python(THREADS_AFTER_NUMPY.format(cap=False))
    capped = _python(THREADS_AFTER_NUMPY.format(cap=True))
    assert capped["capped"] is True and capped["openblas"] == "1"
    assert free["openblas"] is None
    # OpenBLAS starts a worker per further core when it loads; capped, it starts none.
    assert int(str(capped["threads"])) < int(str(free["threads"]))


def test_a_setting_the_person_made_stands() -> None:
    answer = _python(THREADS_AFTER_NUMPY.format(cap=True), OPENBLAS_NUM_THREADS="2")
    assert answer["capped"] is True and answer["openblas"] == "2"


def test_too_late_once_numpy_is_loaded_and_nothing_is_set() -> None:
    answer = _python(
        "import json, os, numpy\nfrom memem.cli.blas import one_blas_thread\n"
        "print(json.dumps({'capped': one_blas_thread(), 'openblas': os.environ.get('OPENBLAS_NUM_THREADS')}))"
    )
    assert answer == {"capped": False, "openblas": None}


def test_every_memem_command_asks_for_it_before_running() -> None:
    """The command line (and so the daemon, `memem serve`, and `memem mcp`) sets it before parsing."""
    answer = _python(
        "import json, os\nfrom memem.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps({{v: os.environ.get(v) for v in {VARIABLES!r}}}))"
    )
    assert answer == dict.fromkeys(VARIABLES, "1")
