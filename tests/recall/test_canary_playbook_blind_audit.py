"""Canaries and playbooks, as a blind audit found them: a pinned canary ranked first was reported lost,
and a playbook too large (or withheld) was dropped from session start without a word, while `--create`
refused because it existed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from memem.errors import Refused
from memem.index.store import IndexStore
from memem.memory.playbook import create_playbook
from memem.memory.service import MemoryService
from memem.recall.canaries import check
from memem.testing import write_note
from memem.vault.playbooks import MAX_BYTES, playbook_file, playbook_withheld, read_playbook, withheld_playbooks

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" + "K1l2M3n4O5p6Q7r8"


def plant_pinned_canary(vault: Path) -> None:
    write_note(
        vault,
        "Release signing",
        "The release signing key is rotated every quarter by the platform team.",
        id="canary-pinned",
        tags=["canary"],
        project="shop",
        layer=0,
        canary_query="how often is the signing key rotated",
    )
    write_note(vault, "Team", "I work on the shop backend.", id="identity", project="shop", layer=0)
    for n, text in enumerate(["Staging resets on Sundays.", "CI caches uv wheels.", "Logs go to Loki."]):
        write_note(vault, f"Other {n}", text, id=f"other-{n}", project="shop")


def test_a_pinned_canary_holds(store: IndexStore, fresh_vault: Path) -> None:
    plant_pinned_canary(fresh_vault)
    write_note(fresh_vault, "Ranked", "Billing keeps its ledger in Postgres 16.", id="canary-ranked", tags=["canary"])
    store.reconcile()
    results = {r.id: r for r in check(store)}
    assert results["canary-pinned"].ok and results["canary-pinned"].detail.startswith("pinned")
    assert results["canary-ranked"].ok and results["canary-ranked"].detail == "#1 for its trigger"


def test_a_deprecated_layer_0_canary_still_fails(store: IndexStore, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Lost", "Billing keeps its ledger in Postgres 16.", id="lost", tags=["canary"],
               project="shop", layer=0, status="deprecated")  # fmt: skip
    store.reconcile()
    (result,) = check(store)
    assert not result.ok and result.detail == "not in the first 5 for its trigger"


def big_playbook(vault: Path, project: str = "shop") -> Path:
    path = playbook_file(vault, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = "- deploys go out on Tuesdays after the release review, never on Fridays.\n"
    path.write_text("# shop: playbook\n\n" + line * (370_000 // len(line)), encoding="utf-8")
    assert path.stat().st_size > MAX_BYTES
    return path


def test_an_oversized_playbook_is_named_not_dropped_in_silence(fresh_vault: Path) -> None:
    path = big_playbook(fresh_vault)
    assert read_playbook(fresh_vault, "shop") == ""  # still not shown at session start
    why = playbook_withheld(fresh_vault, "shop")
    assert why == (
        "the playbook at memem/playbooks/shop.md is withheld: it holds too much text "
        f"(over {MAX_BYTES:,} bytes, the most a playbook may hold)"
    )
    assert [(p, kind) for p, kind, _ in withheld_playbooks(fresh_vault)] == [(path, "too much text")]
    assert playbook_withheld(fresh_vault, "web") is None  # none at all: nothing to say


def test_a_withheld_or_empty_playbook_says_so(fresh_vault: Path) -> None:
    path = playbook_file(fresh_vault, "shop")
    path.parent.mkdir(parents=True)
    path.write_text(f"Deploy token is {TOKEN}\n", encoding="utf-8")
    why = playbook_withheld(fresh_vault, "shop")
    assert why is not None and why.startswith("the playbook at memem/playbooks/shop.md is withheld: it holds a secret")
    assert TOKEN not in why
    path.write_text("---\nplaybook: shop\n---\n\n", encoding="utf-8")
    assert playbook_withheld(fresh_vault, "shop") == (
        "the playbook at memem/playbooks/shop.md is empty below its properties: sessions start without it"
    )
    path.write_text("Deploy on Tuesdays.\n", encoding="utf-8")
    assert (
        playbook_withheld(fresh_vault, "shop") is None and read_playbook(fresh_vault, "shop") == "Deploy on Tuesdays."
    )


def test_create_on_a_withheld_playbook_says_why_and_writes_nothing(service: MemoryService, fresh_vault: Path) -> None:
    write_note(fresh_vault, "Staging", "Staging is wiped every Sunday.", id="staging", project="shop")
    service.store.reconcile()
    path = big_playbook(fresh_vault)
    before = path.read_bytes()
    with pytest.raises(Refused, match=r"the playbook at memem/playbooks/shop\.md is withheld: it holds too much text"):
        create_playbook(service, "shop")
    assert path.read_bytes() == before


def test_doctor_reports_the_oversized_playbook_and_passes_the_pinned_canary(fresh_vault: Path) -> None:
    plant_pinned_canary(fresh_vault)
    big_playbook(fresh_vault)
    done = subprocess.run(
        [sys.executable, "-m", "memem", "--vault", str(fresh_vault), "doctor", "--json"], capture_output=True, text=True
    )
    assert "Traceback" not in done.stderr, done.stderr
    problems = json.loads(done.stdout)
    whats = [p["what"] for p in problems]
    assert not any("canary" in w for w in whats), whats
    (playbook,) = [p for p in problems if "playbook" in p["what"]]
    assert "too much text" in playbook["what"] and playbook["path"] == "memem/playbooks/shop.md"
