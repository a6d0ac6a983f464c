"""The UserPromptSubmit hook as Claude Code runs it: a whole process, `hooks/memem hook UserPromptSubmit`.

    python -m benchmarks.hook_bench [--runtime DIR] [--notes 1000] [--runs 60]

Uses memem's real runtime (a venv built by hooks/setup-runtime, memem installed as a user gets it;
built into a temp folder unless --runtime names one) on the starter vault plus synthetic notes.
Measured with the daemon warm (each run a different prompt: none is answered from the cross-encoder's
cache), and with the daemon down (each run then starts one and answers from the catalog).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import percentile, print_table, stop_daemon

REPO = Path(__file__).resolve().parents[1]
PROMPTS = {
    "relevant": "How should I install Python dependencies in example-app?",
    "unrelated": "write a haiku about autumn leaves falling on a pond",
    "trivial": "continue",
}
UNRELATED = ("a haiku about {}", "a limerick about {}", "the history of {} in three sentences", "a poem on {}")


def prompts(kind: str, n: int) -> list[str]:
    """`n` different prompts of a kind: a repeated prompt would be answered from the cross-encoder's
    cache, and a person rarely asks the same thing twice."""
    from benchmarks.synthetic import TOOLS, TOPICS

    if kind == "trivial":
        return [PROMPTS["trivial"]] * n
    if kind == "relevant":
        forms = ("how do we handle {} with {}?", "why did {} break with {}", "what is our rule for {} in {}")
        return [forms[i % 3].format(TOPICS[i % len(TOPICS)], TOOLS[(i * 7) % len(TOOLS)]) for i in range(n)]
    things = ("autumn leaves", "the sea", "a lighthouse", "bread", "owls", "the moon", "rain", "chess", "tea")
    return [f"write {UNRELATED[i % 4].format(things[i % len(things)])} (take {i})" for i in range(n)]


def run_hook(env: dict[str, str], prompt: str, cwd: Path) -> tuple[float, str]:
    event = json.dumps(
        {"session_id": "bench", "hook_event_name": "UserPromptSubmit", "prompt": prompt, "cwd": str(cwd)}
    )
    start = time.perf_counter()
    done = subprocess.run([str(REPO / "hooks" / "memem"), "hook", "UserPromptSubmit"], input=event,
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    return (time.perf_counter() - start) * 1000, done.stdout


ANSWERED = re.compile(r"UserPromptSubmit answered by the daemon in (\d+) ms")


def hook_log(state: Path) -> Path:
    return state / "logs" / "hooks.log"


def hook_log_size(state: Path) -> int:
    log = hook_log(state)
    return log.stat().st_size if log.exists() else 0


def daemon_ms(state: Path, since: int) -> list[float]:
    """The daemon's own time for each prompt answered since the hook log had `since` bytes (it logs
    it): the rest of the hook's time is the shim, the connection and the process."""
    log = hook_log(state)
    if not log.exists():
        return []
    with log.open("rb") as handle:
        handle.seek(since)
        text = handle.read().decode("utf-8", "replace")
    return [float(m.group(1)) for m in ANSWERED.finditer(text)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runtime", type=Path, help="an existing runtime venv (default: build one in a temp folder)")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="memem-hook-bench-"))
    runtime = args.runtime or work / "runtime"
    if not (runtime / ".ready").exists():
        print(f"building memem's runtime in {runtime} …", file=sys.stderr)
        subprocess.run([str(REPO / "hooks" / "setup-runtime"), str(runtime)], check=True)
    state, vault, cwd = work / "state", work / "vault", work / "example-app"
    cwd.mkdir()
    env = {**os.environ, "MEMEM_DIR": str(state), "MEMEM_VAULT": str(vault), "MEMEM_RUNTIME": str(runtime)}
    env.pop("MEMEM_PYTHON", None)
    py = str(runtime / "bin" / "python")
    sys.path.insert(0, str(REPO))
    from benchmarks.synthetic import generate

    subprocess.run(
        [py, "-P", "-m", "memem", "init", str(vault)],
        env=env,
        check=True,
        capture_output=True,
    )
    generate(vault, args.notes)
    rows: list[tuple[str, str]] = []
    try:
        daemon = subprocess.Popen([py, "-P", "-m", "memem", "serve", "--quiet"], env=env)
        while True:
            status = subprocess.run(
                [py, "-P", "-m", "memem", "status", "--json"], env=env, capture_output=True, text=True
            )
            if status.returncode == 0 and json.loads(status.stdout)["daemon"].get("phase") == "watching":
                break
            time.sleep(0.5)
        for name, prompt in PROMPTS.items():
            for _ in range(5):
                run_hook(env, prompt, cwd)  # warm the OS cache and the bytecode cache
            times, injected = [], 0
            logged = hook_log_size(state)
            for asked in prompts(name, args.runs):
                ms, out = run_hook(env, asked, cwd)
                times.append(ms)
                injected += bool(out)
            inside = daemon_ms(state, logged)
            within = f" (in the daemon {percentile(inside, 0.5):.0f})" if inside else ""
            rows.append((f"daemon warm, {name} prompt ({injected}/{args.runs} injected)",
                         f"{percentile(times, 0.5):.0f} / {percentile(times, 0.95):.0f} ms{within}"))  # fmt: skip
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
        cold: list[float] = []
        for _ in range(max(5, args.runs // 6)):
            stop_daemon(state)
            ms, _ = run_hook(env, PROMPTS["relevant"], cwd)
            cold.append(ms)
        rows.append(("daemon down (starts one, answers from the catalog)",
                     f"{percentile(cold, 0.5):.0f} / {percentile(cold, 0.95):.0f} ms"))  # fmt: skip
        stop_daemon(state)
        empty = [run_hook({**env, "MEMEM_HOOKS_DISABLED": "1"}, "x y z", cwd)[0] for _ in range(20)]
        rows.append(
            (
                "for scale: the Python path alone (hooks disabled: shim + interpreter)",
                f"{statistics.median(empty):.0f} ms",
            )
        )
    finally:
        stop_daemon(state)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nUserPromptSubmit hook, whole process (`hooks/memem hook UserPromptSubmit`), {args.notes:,} notes; p50 / p95"
    )
    print_table(rows, ("measure", "p50 / p95"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
