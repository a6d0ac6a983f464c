"""What a first session waits for: building memem's runtime on a fresh HOME (no caches), its size, and
that memem works in it (a vault indexed and searched with the runtime's own Python).

    python -m benchmarks.runtime_bench [--compare OTHER_CHECKOUT]

`--compare` builds with another checkout's hooks/setup-runtime too (an older memem), in the same run.
Needs a package index (PyPI); the figures depend on the network, so compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import print_table

REPO = Path(__file__).resolve().parents[1]


def folder_mb(path: Path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total / 2**20


def build(checkout: Path, work: Path) -> tuple[float, float, bool, str]:
    """Seconds and MB for one build in a fresh HOME; whether memem then indexed and searched a vault."""
    home, runtime = work / "home", work / "state" / "runtime" / "x"
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMEM_", "UV_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(HOME=str(home), MEMEM_DIR=str(work / "state"))
    start = time.perf_counter()
    done = subprocess.run([str(checkout / "hooks" / "setup-runtime"), str(runtime)], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    seconds = time.perf_counter() - start
    if not (runtime / ".ready").exists():
        return seconds, folder_mb(runtime), False, (done.stdout + done.stderr)[-400:]
    vault, py = work / "vault", str(runtime / "bin" / "python")
    smoke = [[py, "-P", "-m", "memem", "init", str(vault)], [py, "-P", "-m", "memem", "index"],
             [py, "-P", "-m", "memem", "search", "install python dependencies", "--json"]]  # fmt: skip
    out = ""
    for command in smoke:
        ran = subprocess.run(command, env={**env, "MEMEM_VAULT": str(vault)}, capture_output=True, text=True,
                             cwd=work, check=False)  # fmt: skip
        out = ran.stdout + ran.stderr
        if ran.returncode != 0:
            return seconds, folder_mb(runtime), False, out[-400:]
    works = bool(json.loads(ran.stdout))
    return seconds, folder_mb(runtime), works, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", type=Path, help="another memem checkout to build the same way")
    args = parser.parse_args()
    rows = []
    for label, checkout in (("this checkout", REPO), ("compared", args.compare)):
        if checkout is None:
            continue
        work = Path(tempfile.mkdtemp(prefix="memem-runtime-bench-"))
        try:
            seconds, mb, works, said = build(checkout.resolve(), work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows.append((f"{label} ({checkout.name})", f"{seconds:.0f} s", f"{mb:.0f} MB", "yes" if works else "no"))
        if said:
            print(f"{label}: {said}", file=sys.stderr)
    print("\nBuilding memem's runtime on a fresh HOME (no caches), then indexing and searching a vault in it")
    print_table(rows, ("build", "time", "size", "memem works in it"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
