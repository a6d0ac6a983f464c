"""The Obsidian plugin's built bundle against a real vault folder that memem's daemon is watching.

The Node harness (obsidian-plugin/test/integration) evaluates `main.js` as Obsidian's loader does, with
the `obsidian` module answered by a shim over the real folder, and clicks the panes' buttons. Each edit
lands on disk through `processFrontMatter`; these tests then ask memem's own index (through the
running daemon) whether it saw the change: deprecated notes leave recall, resolved pairs are no longer
flagged, approvals are indexed.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.testing import RunningDaemon, ready_daemon, write_note
from memem.vault.frontmatter import split
from tests.paths import REPO

PLUGIN = REPO / "obsidian-plugin"
HARNESS = PLUGIN / "test" / "integration" / "dist" / "harness.cjs"
MEMORIES = "memem/memories"
APP = f"{MEMORIES}/example-app"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built_plugin() -> Path:
    """`npm run build` and the harness bundle: the same main.js that ships in the starter vault."""
    assert (PLUGIN / "node_modules").is_dir(), "run `make setup` (npm ci in obsidian-plugin) first"
    subprocess.run(["npm", "run", "--silent", "build"], cwd=PLUGIN, check=True, capture_output=True)
    subprocess.run(["node", "test/integration/build.mjs"], cwd=PLUGIN, check=True, capture_output=True)
    return PLUGIN / "main.js"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    vault = tmp_path / "vault"
    shutil.copytree(REPO / "memem" / "vault" / "starter", vault)
    write_note(vault, "Deploys run from main", "Deploys run from the main branch after review.", id="deploy-main",
               project="example-app", kind="convention", created="2026-09-01", source_type="mined",
               contradicts=["[[Deploys run from the release branch]]"], team_note="keep me")  # fmt: skip
    write_note(vault, "Deploys run from the release branch", "Deploys run only from the release branch, tagged.",
               id="deploy-release", project="example-app", kind="decision", created="2026-11-01",
               source_type="mined", contradicts=["[[Deploys run from main]]"])  # fmt: skip
    return vault


@pytest.fixture
def daemon(vault: Path) -> Iterator[RunningDaemon]:
    with ready_daemon(vault) as running:
        yield running


def drive(vault: Path, steps: list[dict[str, Any]], mobile: bool = False) -> list[dict[str, Any]]:
    """Run the harness; `mobile` loads the bundle where no Node module can be required, as on a phone."""
    env = {**os.environ, "MEMEM_HARNESS_MOBILE": "1" if mobile else "0"}
    done = subprocess.run(
        ["node", str(HARNESS), str(vault), os.environ["MEMEM_DIR"], json.dumps(steps)],
        capture_output=True, text=True, timeout=120, check=True, env=env,
    )  # fmt: skip
    results: list[dict[str, Any]] = json.loads(done.stdout)
    assert all(r["ok"] for r in results), results
    return results


def eventually(check: Callable[[], bool], timeout: float = 15) -> None:
    """The daemon follows the vault within a second or so; allow for a loaded CI machine."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the daemon did not see the change in time")
        time.sleep(0.2)


def search_ids(daemon: RunningDaemon, query: str, **extra: Any) -> list[str]:
    found = daemon.call("POST", "/v1/search", {"query": query, "project": "example-app", "limit": 10, **extra})
    return [hit["id"] for hit in found["results"]]  # type: ignore[index]


def contradictions(daemon: RunningDaemon) -> set[frozenset[str]]:
    audit = daemon.call("POST", "/v1/op/graph_audit", {})
    return {frozenset(side["id"] for side in pair) for pair in audit["contradictions"]}  # type: ignore[index]


def test_approve_deprecate_and_resolve_reach_memem_index(
    built_plugin: Path, vault: Path, daemon: RunningDaemon
) -> None:
    assert "example-app-slow-ci" in search_ids(daemon, "why were CI installs slow with pip")
    assert contradictions(daemon) == {
        frozenset({"deploy-main", "deploy-release"}),
        frozenset({"example-app-pytest-x", "example-app-ci-no-x"}),
    }
    before = drive(vault, [{"do": "status"}, {"do": "panes"}])
    assert before[0]["result"] == "memem: 11 memories"
    assert before[1]["result"] == {"review": "To review (4)", "contradictions": "Contradictions (2)"}

    results = drive(vault, [
        {"do": "approve", "path": f"{APP}/CI runs the full suite without -x.md"},
        {"do": "deprecate", "path": f"{APP}/CI installs were slow with pip.md",
         "successor": "Use uv for Python installs"},
        {"do": "resolve", "left": f"{MEMORIES}/Deploys run from main.md",
         "right": f"{MEMORIES}/Deploys run from the release branch.md", "how": "Keep newer"},
        {"do": "resolve", "left": f"{APP}/Run tests with pytest -x before pushing.md",
         "right": f"{APP}/CI runs the full suite without -x.md", "how": "Both hold"},
        {"do": "panes"},
    ])  # fmt: skip
    # Keeping a memory in a contradiction reviews it: the release-branch note left the queue with the rest.
    assert results[-1]["result"] == {"review": "To review (0)", "contradictions": "Contradictions (0)"}

    # Deprecated notes leave recall (and stay findable when deprecated ones are asked for).
    eventually(lambda: "example-app-slow-ci" not in search_ids(daemon, "why were CI installs slow with pip"))
    assert "example-app-slow-ci" in search_ids(daemon, "why were CI installs slow with pip", include_deprecated=True)
    eventually(lambda: "deploy-main" not in search_ids(daemon, "which branch do deploys run from"))
    assert "deploy-release" in search_ids(daemon, "which branch do deploys run from")
    # Both pairs resolved: the audit flags neither (one by deprecation, one by consistent_with).
    eventually(lambda: contradictions(daemon) == set())
    # The successor's new supersedes edge is in memem's graph.
    edges = daemon.call("POST", "/v1/op/neighbors", {"id": "example-app-use-uv"})["edges"]  # type: ignore[index]
    assert {"kind": "supersedes", "id": "example-app-slow-ci"}.items() <= next(
        e for e in edges if e.get("id") == "example-app-slow-ci" and e["kind"] == "supersedes"
    ).items()
    # Approval is indexed.
    hits = daemon.call("POST", "/v1/search", {"query": "CI runs the full suite without -x", "project": "example-app"})
    approved = next(h for h in hits["results"] if h["id"] == "example-app-ci-no-x")  # type: ignore[index]
    assert approved["reviewed"]

    # Obsidian-style edits kept what they did not touch: unknown keys and the body.
    text = (vault / MEMORIES / "Deploys run from main.md").read_text()
    parts = split(text)
    meta, body = parts.yaml_text or "", parts.body
    assert "team_note: keep me" in meta and "status: deprecated" in meta and "valid_to:" in meta
    assert body.strip() == "Deploys run from the main branch after review."
    assert daemon.call("GET", "/v1/status")["bad_notes"] == []  # type: ignore[index]


def test_reject_and_merge(built_plugin: Path, vault: Path, daemon: RunningDaemon) -> None:
    drive(vault, [
        {"do": "reject", "path": f"{APP}/CI installs were slow with pip.md"},
        {"do": "resolve", "left": f"{MEMORIES}/Deploys run from main.md",
         "right": f"{MEMORIES}/Deploys run from the release branch.md", "how": "Merge"},
    ])  # fmt: skip
    # Rejected: in Obsidian's trash, recoverable, and out of memem's index (the trash is not indexed).
    assert (vault / ".trash" / "CI installs were slow with pip.md").exists()
    eventually(lambda: "example-app-slow-ci" not in search_ids(daemon, "CI installs slow pip", include_deprecated=True))
    # Merged: one new active note supersedes both, which are deprecated.
    merged = vault / MEMORIES / "Deploys run from main (merged).md"
    assert merged.exists()
    body = split(merged.read_text()).body
    assert "Deploys run from the main branch" in body and "release branch, tagged" in body
    eventually(lambda: contradictions(daemon) == {frozenset({"example-app-pytest-x", "example-app-ci-no-x"})})
    deploys = "which branch do deploys run from"
    eventually(lambda: {"deploy-main", "deploy-release"}.isdisjoint(search_ids(daemon, deploys)))
    top = daemon.call("POST", "/v1/search", {"query": "which branch do deploys run from", "project": "example-app"})
    assert top["results"][0]["title"] == "Deploys run from main (merged)"  # type: ignore[index]
    # It still holds both bodies, so it waits for review rather than claiming to be reviewed.
    assert not top["results"][0]["reviewed"]  # type: ignore[index]


def test_undo_puts_the_notes_back_and_memem_follows(built_plugin: Path, vault: Path, daemon: RunningDaemon) -> None:
    notes = [vault / MEMORIES / "Deploys run from main.md", vault / MEMORIES / "Deploys run from the release branch.md"]
    before = {path: path.read_bytes() for path in notes}
    results = drive(vault, [
        {"do": "resolve", "left": f"{MEMORIES}/Deploys run from main.md",
         "right": f"{MEMORIES}/Deploys run from the release branch.md", "how": "Keep newer"},
        {"do": "undo"},
    ])  # fmt: skip
    kept = "Kept “Deploys run from the release branch”; “Deploys run from main” deprecated"
    assert results[-1]["result"] == f"memem: undid “{kept}”"
    assert {path: path.read_bytes() for path in before} == before
    eventually(lambda: "deploy-main" in search_ids(daemon, "which branch do deploys run from"))
    eventually(lambda: frozenset({"deploy-main", "deploy-release"}) in contradictions(daemon))


def test_related_pane_and_status_come_from_the_daemon(built_plugin: Path, vault: Path, daemon: RunningDaemon) -> None:
    related = drive(vault, [{"do": "related", "path": f"{APP}/Use uv for Python installs.md"}])[0]["result"]
    assert "→ supersedes Lock dependencies with pip-tools" in related["linked"]
    assert "← mentioned in CI installs were slow with pip" in related["linked"]  # a body link, from memem's graph
    assert related["similar"][0] == "CI installs were slow with pip"
    assert related["notes"] == []  # no "daemon not running" fallback note


def test_everything_that_edits_works_with_the_daemon_down(built_plugin: Path, vault: Path) -> None:
    results = drive(vault, [
        {"do": "status"},
        {"do": "approve", "path": f"{APP}/CI installs were slow with pip.md"},
        {"do": "resolve", "left": f"{MEMORIES}/Deploys run from main.md",
         "right": f"{MEMORIES}/Deploys run from the release branch.md", "how": "Keep older"},
        {"do": "related", "path": f"{APP}/Use uv for Python installs.md"},
    ])  # fmt: skip
    assert results[0]["result"] == "memem: daemon off"
    assert "reviewed:" in (vault / APP / "CI installs were slow with pip.md").read_text()
    assert "status: deprecated" in (vault / MEMORIES / "Deploys run from the release branch.md").read_text()
    related = results[3]["result"]
    assert "→ supersedes Lock dependencies with pip-tools" in related["linked"]
    assert any("daemon not running" in note for note in related["notes"])


def test_the_built_bundle_edits_on_mobile_where_no_node_module_loads(built_plugin: Path, vault: Path) -> None:
    results = drive(vault, [
        {"do": "status"},
        {"do": "approve", "path": f"{APP}/CI installs were slow with pip.md"},
        {"do": "resolve", "left": f"{MEMORIES}/Deploys run from main.md",
         "right": f"{MEMORIES}/Deploys run from the release branch.md", "how": "Both hold"},
    ], mobile=True)  # fmt: skip
    assert results[0]["result"] == "memem: daemon off"
    assert "reviewed:" in (vault / APP / "CI installs were slow with pip.md").read_text()
    assert "consistent_with:" in (vault / MEMORIES / "Deploys run from main.md").read_text()


def test_the_starter_vault_ships_the_plugin_as_built(built_plugin: Path) -> None:
    shipped = REPO / "memem" / "vault" / "starter" / ".obsidian" / "plugins" / "memem"
    for name in ("main.js", "manifest.json", "styles.css"):
        assert filecmp.cmp(PLUGIN / name, shipped / name, shallow=False), f"run `make plugin` to refresh {name}"
    enabled = json.loads((REPO / "memem" / "vault" / "starter" / ".obsidian" / "community-plugins.json").read_text())
    assert "memem" in enabled
    manifest = json.loads((PLUGIN / "manifest.json").read_text())
    versions = json.loads((PLUGIN / "versions.json").read_text())
    assert versions[manifest["version"]] == manifest["minAppVersion"]
    assert json.loads((PLUGIN / "package.json").read_text())["version"] == manifest["version"]
    # BRAT reads the release version from the repository root's manifest.json.
    assert json.loads((REPO / "manifest.json").read_text()) == manifest
