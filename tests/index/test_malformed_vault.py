"""A hostile vault through `memem index` and the daemon: nothing crashes, hangs or is rewritten,
every bad file is reported, every good note is indexed.

The corpus (tests/index/malformed_vault.py) holds 50+ kinds of malformed files, the five a hostile
review found stopping all indexing among them (an impossible date, a symlink loop, a file name that
is not UTF-8, a named pipe, a YAML alias bomb).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from memem.config import Paths
from memem.testing import RunningDaemon
from tests.index.malformed_vault import Kind, kinds

PREFIX = "memem/memories/"
GOOD_NOTES = 10


def memem(vault: Path, *args: str, timeout: float = 240, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "memem", "--vault", str(vault), *args],
        capture_output=True, text=True, timeout=timeout, input=stdin,
    )  # fmt: skip


def snapshot(vault: Path) -> dict[bytes, tuple[Any, ...]]:
    """Every entry in the vault with its type and, for regular files, a hash of the bytes (no file is
    opened unless it is regular: a pipe must not block the check itself)."""
    seen: dict[bytes, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(os.fsencode(vault)):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            digest = ""
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            seen[path] = (stat.S_IFMT(st.st_mode), st.st_mtime_ns if digest else 0, digest)
    return seen


def build(vault: Path) -> list[Kind]:
    memories = vault / "memem" / "memories"
    corpus = kinds()
    for kind in corpus:
        kind.build(memories)
    for n in range(GOOD_NOTES):
        (memories / f"Good {n}.md").write_text(f"---\nid: good-{n}\ntitle: Good {n}\n---\n\nA fine note zqxgood{n}.\n")
    return corpus


def found(vault: Path, tokens: list[str]) -> dict[str, list[str]]:
    lines = "".join(json.dumps({"query": t, "mode": "fulltext", "limit": 5}) + "\n" for t in tokens)
    run = memem(vault, "search", "--batch", stdin=lines)
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    return {t: [hit["path"] for hit in hits] for t, hits in zip(tokens, answers, strict=True)}


def check_reported(status: dict[str, Any], corpus: list[Kind]) -> None:
    bad = {b["path"]: b["reason"] for b in status["bad_notes"]}
    warned = {p["path"] for p in status["problems"] if p["severity"] == "warning" and p.get("path")}
    for kind in corpus:
        for path in kind.paths:
            if kind.expect == "bad":
                assert PREFIX + path in bad, f"{kind.name}: {path!r} not reported as bad ({sorted(bad)})"
            elif kind.expect == "warned":
                assert PREFIX + path in warned, f"{kind.name}: {path!r} has no warning"
                assert PREFIX + path not in bad
            else:
                assert PREFIX + path not in bad, f"{kind.name}: {path!r} refused: {bad.get(PREFIX + path)}"
    expected_bad = sum(len(k.paths) for k in corpus if k.expect == "bad")
    assert len(bad) == expected_bad, sorted(set(bad) - {PREFIX + p for k in corpus for p in k.paths})


@pytest.mark.slow
def test_memem_index_and_the_daemon_index_around_every_bad_file(
    fresh_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = build(fresh_vault)
    assert len(corpus) >= 40
    before = snapshot(fresh_vault)

    # One-shot: `memem index` finishes (a pipe does not hang it) and exits 0 with the bad files counted.
    started = time.monotonic()
    run = memem(fresh_vault, "index", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    expected_bad = sum(len(k.paths) for k in corpus if k.expect == "bad")
    assert report["bad"] == expected_bad
    indexed = sum(len(k.paths) for k in corpus if k.expect != "bad") + GOOD_NOTES
    assert report["added"] == indexed
    assert time.monotonic() - started < 180

    status = json.loads(memem(fresh_vault, "status", "--json").stdout)
    check_reported(status, corpus)
    assert status["notes"] == indexed

    doctor = memem(fresh_vault, "doctor", "--json")
    assert doctor.returncode == 1  # bad notes are errors
    errors = [p for p in json.loads(doctor.stdout) if p["severity"] == "error"]
    assert len([p for p in errors if p.get("path")]) >= expected_bad

    tokens = [k.token for k in corpus if k.token] + [f"zqxgood{n}" for n in range(GOOD_NOTES)]
    hits = found(fresh_vault, [*tokens, "zqxbadname", "zqxnul", "zqxhuge", "zqx16", "zqxtoodeep"])
    for token in tokens:
        assert hits[token], f"the note holding {token} was not indexed"
    for token in ("zqxbadname", "zqxnul", "zqxhuge", "zqx16", "zqxtoodeep"):
        assert hits[token] == [], f"a bad file's text was indexed: {token}"

    # The daemon, from empty indexes (its own state folder): the same outcome, and it keeps serving.
    home = tmp_path / "daemon-home"
    home.mkdir()
    (home / "models").symlink_to(Paths.resolve(fresh_vault).models_dir.resolve(), target_is_directory=True)
    monkeypatch.setenv("MEMEM_DIR", str(home))
    daemon = RunningDaemon(fresh_vault)
    try:
        status = daemon.wait_ready(timeout=300)
        check_reported(status, corpus)
        assert status["notes"] == indexed and status["daemon"]["errors"] == 0 and not status["daemon"]["last_error"]
        again = daemon.call("POST", "/v1/reconcile", timeout=120)
        assert isinstance(again, dict) and again["bad"] == expected_bad

        # Hostile files arriving while it watches: reported as they come, and a good note still indexed.
        memories = fresh_vault / "memem" / "memories"
        os.mkfifo(memories / "live-pipe.md")
        os.symlink("live-loop.md", memories / "live-loop.md")
        (memories / "live-bomb.md").write_text((memories / "bomb.md").read_text())
        with open(os.path.join(os.fsencode(memories), b"live-\xff.md"), "wb") as handle:
            handle.write(b"---\nid: live-bad-name\n---\nx\n")
        live_folder = os.path.join(os.fsencode(memories), b"live-dir-\xff")
        os.mkdir(live_folder)
        with open(os.path.join(live_folder, b"inside.md"), "wb") as handle:
            handle.write(b"---\nid: live-in-bad-folder\n---\nx\n")
        (memories / "Live good.md").write_text("---\nid: live-good\n---\n\nArrived later zqxlive.\n")
        moved_in = tmp_path / "moved-in"  # a folder holding a symlink to /, moved in whole: never walked through
        moved_in.mkdir()
        os.symlink("/", moved_in / "root")
        os.rename(moved_in, memories / "live-rooted")
        live = {"live-pipe.md", "live-loop.md", "live-bomb.md", "live-\\xff.md", "live-dir-\\xff/", "live-rooted/root/"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = daemon.call("GET", "/v1/status")
            assert isinstance(status, dict)
            reported = {b["path"].removeprefix(PREFIX) for b in status["bad_notes"]}
            if live <= reported and status["notes"] == indexed + 1:
                break
            time.sleep(0.2)
        assert live <= reported, live - reported
        assert status["notes"] == indexed + 1 and status["daemon"]["errors"] == 0
        log = daemon.log_text()
        for kind in corpus:
            if kind.expect == "bad":
                for path in kind.paths:
                    assert f"bad note {PREFIX}{path}" in log, f"{path} missing from the daemon's log"
    finally:
        assert daemon.stop(timeout=30) == 0  # SIGTERM stops it, pipe and all

    after = snapshot(fresh_vault)
    changed = [os.fsdecode(p) for p in before if before[p] != after.get(p)]
    assert changed == [], f"memem rewrote or removed files: {changed}"
