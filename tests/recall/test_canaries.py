"""Canaries on the live vault: a planted note recall must always find, and junk that must never reach a
prompt; `memem doctor` fails when one does not hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from memem.index.store import IndexStore
from memem.recall.canaries import check
from memem.testing import write_note


def plant(vault: Path) -> None:
    write_note(
        vault,
        "Rotate the signing key",
        "The release signing key is rotated every quarter by the platform team.",
        id="canary-keys",
        tags=["canary"],
        canary_query="how often is the signing key rotated",
    )
    write_note(
        vault,
        "Old FTP deploys",
        "Deploys were uploaded by FTP to the old web host.",
        id="canary-ftp",
        tags=["canary-never"],
        status="deprecated",
    )
    for n, text in enumerate(["Staging resets on Sundays.", "CI caches uv wheels.", "Logs go to Loki."]):
        write_note(vault, f"Other {n}", text, id=f"other-{n}")


def test_canaries_hold_on_a_healthy_vault(store: IndexStore, fresh_vault: Path) -> None:
    plant(fresh_vault)
    store.reconcile()
    results = check(store)
    assert {(r.id, r.kind) for r in results} == {("canary-keys", "reach"), ("canary-ftp", "never")}
    assert all(r.ok for r in results), results
    reach = next(r for r in results if r.kind == "reach")
    assert reach.probe == "how often is the signing key rotated" and reach.detail == "#1 for its trigger"


def test_a_canary_that_fails_is_reported_by_doctor(fresh_vault: Path) -> None:
    plant(fresh_vault)
    # Junk that would surface: an active note tagged never, probed with its own title.
    write_note(
        fresh_vault,
        "Paste of a stack trace",
        "Traceback (most recent call last): KeyError in the deploy script",
        id="junk",
        tags=["canary-never"],
    )
    # A canary recall can no longer reach (someone deprecated it by mistake).
    write_note(
        fresh_vault,
        "Billing database",
        "Billing keeps its ledger in Postgres 16.",
        id="lost",
        tags=["canary"],
        canary_query="which database does billing use",
        status="deprecated",
    )
    memem = [sys.executable, "-m", "memem", "--vault", str(fresh_vault)]
    done = subprocess.run([*memem, "doctor"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "canary 'lost': not in the first 5 for its trigger" in done.stdout
    assert "canary 'junk' (must never surface) was shown" in done.stdout
    assert "canary 'canary-keys'" not in done.stdout and "canary 'canary-ftp'" not in done.stdout
