"""Secrets and instructions to the model, through every write path and every field of a real daemon.

The corpora (tests/memory/corpora.py) are generated at test time: 100+ fake secrets of 50+ kinds,
50+ benign look-alikes, 30+ injection texts, 40+ ordinary imperative memories. Each goes in through
the ways a memory is written: the HTTP API the CLI and the Obsidian plugin use, the MCP tool a model
calls, the `memem save` command, the miner's apply step, deprecation reasons and file imports;
secrets in each field a request can carry. Afterwards every byte memem keeps (the vault, the
catalog, the vectors, every log) is searched for every secret.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from memem.client.http import DaemonError
from memem.config import Paths, write_config
from memem.testing import RunningDaemon, ready_daemon
from tests.memory.corpora import FakeSecret, benign_imperatives, benign_lookalikes, fake_secrets, injections

pytestmark = pytest.mark.slow

FIELDS = ("content", "title", "tags", "project", "kind", "links")


def save_payload(field: str, value: str) -> dict[str, Any]:
    """A save whose one field carries `value`; the rest is an ordinary memory."""
    payload: dict[str, Any] = {"content": "The release checklist lives in docs/release.md.", "project": "shop"}
    if field == "tags":
        payload["tags"] = ["release", value]
    elif field == "links":
        payload["links"] = {"related": [value]}
    elif field == "content":
        payload["content"] = f"Remember for the release: {value}"
    else:
        payload[field] = value
    return payload


@pytest.fixture
def daemon(fresh_vault: Path) -> Iterator[RunningDaemon]:
    with ready_daemon(fresh_vault) as running:
        yield running


def everything_memem_keeps(vault: Path) -> list[tuple[Path, bytes]]:
    """Every file in the vault and in memem's state folder (indexes, vectors, logs), as bytes."""
    paths = Paths.resolve(vault)
    files = [p for root in (vault, paths.home) for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    return [(p, p.read_bytes()) for p in files if "models" not in p.parts]


def assert_nowhere(vault: Path, secrets: list[FakeSecret], answers: list[str]) -> None:
    kept = everything_memem_keeps(vault)
    for secret in secrets:
        needle = secret.value.encode()
        holders = [str(p) for p, data in kept if needle in data]
        assert not holders, f"{secret.kind} stored in {holders}"
        echoed = [a for a in answers if secret.value in a]
        assert not echoed, f"{secret.kind} echoed back: {echoed[:1]}"


def http_save(daemon: RunningDaemon, payload: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    try:
        answer = daemon.call("POST", "/v1/op/save", payload)
    except DaemonError as exc:
        return str(exc), None
    assert isinstance(answer, dict)
    return json.dumps(answer), answer


async def mcp_saves(daemon: RunningDaemon, payloads: list[dict[str, Any]]) -> list[tuple[bool, str, Any]]:
    """Each payload through the `memory_save` tool of the daemon's MCP endpoint: (is_error, text, data)."""
    out = []
    headers = {"Authorization": f"Bearer {daemon.token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(f"{daemon.info.url}/mcp", http_client=http)) as client,
    ):
        for payload in payloads:
            arguments = {k: (v if k != "links" else {"related": v["related"]}) for k, v in payload.items()}
            result = await client.call_tool("memory_save", arguments)
            text = "\n".join(getattr(block, "text", "") for block in result.content)
            out.append((bool(result.is_error), text, result.structured_content))
    return out


def cli_save(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "memem", "--vault", str(vault), "save", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def lesson(field: str, value: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "lesson": {"title": "Release checklist", "content": "The checklist lives in docs/release.md.",
                   "kind": "convention", "scope": "project", "tags": ["release"], "importance": 3},
        "action": "save",
    }  # fmt: skip
    if field == "merged_content":
        item.update(action="update", target="release-notes", merged_content=f"The checklist: {value}")
    elif field == "tags":
        item["lesson"]["tags"] = [value]
    else:
        item["lesson"][field] = value
    return item


def test_no_secret_is_kept_through_any_path_or_field(daemon: RunningDaemon, fresh_vault: Path) -> None:
    secrets = fake_secrets(seed=0)
    assert len(secrets) >= 60 and len({s.kind for s in secrets}) >= 30
    answers: list[str] = []
    (fresh_vault / "memem" / "memories" / "Release notes.md").write_text(
        "---\nid: release-notes\ntitle: Release notes\n---\n\nWe ship on Tuesdays.\n"
    )
    daemon.call("POST", "/v1/reconcile")
    before = daemon.call("GET", "/v1/status")["notes"]  # type: ignore[index]

    # The HTTP API (the CLI, the Obsidian plugin): each secret, as a person would paste it, in each field.
    for secret in secrets:
        for field in FIELDS:
            text, saved = http_save(daemon, save_payload(field, secret.text))
            answers.append(text)
            assert saved is None, f"{secret.kind} in {field} was saved: {text}"
        text, _ = http_save(daemon, save_payload("content", secret.text))
        assert "secret" in text, f"{secret.kind}: refused, but not as a secret ({text})"

    # The MCP tool a model calls: each secret in each field.
    payloads = [save_payload(field, s.text) for s in secrets for field in FIELDS]
    for (is_error, text, _), payload in zip(anyio.run(mcp_saves, daemon, payloads), payloads, strict=True):
        answers.append(text)
        assert is_error, payload

    # `memem save` on the command line: every secret in the content, and in turn in title, tag, project.
    for n, secret in enumerate(secrets):
        option = ("--title", "--tag", "--project")[n % 3]
        for args in ((secret.text,), ("Release checklist in docs/release.md", option, secret.text)):
            run = cli_save(fresh_vault, *args)
            answers.append(run.stdout + run.stderr)
            assert run.returncode == 1, (secret.kind, args[1:], run.stdout)

    # The miner's write step: a secret in any part of a lesson, or in the text merged into a memory.
    for field in ("title", "content", "tags", "evidence", "merged_content"):
        items = [lesson(field, s.text) for s in secrets]
        payload = {"items": items, "project": "shop", "miner": "test"}
        report = daemon.call("POST", "/v1/op/mine_apply", payload, timeout=300)  # many items: not a quick call
        assert isinstance(report, dict)
        answers.append(json.dumps(report))
        assert not report["saved"] and not report["updated"] and len(report["skipped"]) == len(secrets), field

    # A deprecation's reason.
    for secret in secrets:
        try:
            daemon.call("POST", "/v1/op/deprecate", {"id": "release-notes", "reason": f"rotated: {secret.text}"})
        except DaemonError as exc:
            answers.append(str(exc))
        else:
            pytest.fail(f"a reason holding a {secret.kind} was recorded")

    # Imports: a secret in a note's text, or in its title, tags or project properties.
    inboxes = fresh_vault.parent / "old-notes"  # outside the vault: allowed as a configured import root
    write_config({"import_roots": [str(inboxes)]}, Paths.resolve(fresh_vault).home)
    for where in ("body", "title", "tags", "project"):
        inbox = inboxes / where
        inbox.mkdir(parents=True)
        for n, secret in enumerate(secrets):
            value = json.dumps(secret.text)  # a JSON string is a YAML double-quoted string
            props = {"body": "", "title": f"title: {value}\n", "tags": f"tags: [{value}]\n"}.get(where)
            props = f"project: {value}\n" if props is None else props
            body = secret.text if where == "body" else "The release checklist lives in docs/release.md."
            (inbox / f"note {n}.md").write_text(f"---\n{props}---\n{body}\n" if props else body)
        # With no project given, a note's own `project` property is used.
        request = {"path": str(inbox), **({"project": "shop"} if where != "project" else {})}
        report = daemon.call("POST", "/v1/op/import", request)
        assert isinstance(report, dict)
        answers.append(json.dumps(report))
        assert report["imported"] == [] and len(report["skipped"]) == len(secrets), (where, report["imported"][:1])

    status = daemon.call("GET", "/v1/status")
    assert isinstance(status, dict) and status["notes"] == before
    daemon.stop()  # flush every log before reading them
    assert_nowhere(fresh_vault, secrets, answers)


def test_benign_look_alikes_and_imperatives_are_saved(daemon: RunningDaemon) -> None:
    lookalikes, imperatives = benign_lookalikes(), benign_imperatives()
    assert len(lookalikes) >= 40 and len(imperatives) >= 40
    texts = lookalikes + imperatives
    for text in texts:
        answer, saved = http_save(daemon, {"content": text, "project": "shop"})
        assert saved is not None and not saved.get("quarantined"), f"refused: {text!r} ({answer})"
    results = anyio.run(mcp_saves, daemon, [{"content": t, "project": "web"} for t in texts])
    for (is_error, text, _), original in zip(results, texts, strict=True):
        assert not is_error, f"refused over MCP: {original!r} ({text})"


def test_injections_are_quarantined_and_never_recalled(daemon: RunningDaemon, fresh_vault: Path) -> None:
    attempts = injections()
    assert len(attempts) >= 30
    quarantine = fresh_vault / "memem" / "quarantine"
    for text in attempts:
        _, saved = http_save(daemon, {"content": text, "project": "shop"})
        assert saved is not None and saved["quarantined"], f"not quarantined: {text!r}"
    results = anyio.run(mcp_saves, daemon, [{"content": t, "project": "shop"} for t in attempts])
    for (is_error, text, _), original in zip(results, attempts, strict=True):
        assert is_error and "quarantine" in text, original
    for text in attempts[:10]:
        run = cli_save(fresh_vault, text, "--project", "shop")
        assert run.returncode == 1 and "quarantine" in run.stderr, text
    items = [{"lesson": {"title": "Setup", "content": t, "kind": "fact", "scope": "project"}, "action": "save"}
             for t in attempts]  # fmt: skip
    # 380 items in one request: ~28 s on 2 busy cores, at the edge of the 30 s a quick call is allowed;
    # what is checked is what gets quarantined, not how fast.
    payload = {"items": items, "project": "shop", "miner": "test"}
    report = daemon.call("POST", "/v1/op/mine_apply", payload, timeout=300)
    assert isinstance(report, dict) and len(report["quarantined"]) == len(attempts) and not report["saved"]

    assert len(list(quarantine.glob("*.md"))) >= len(attempts)
    status = daemon.call("GET", "/v1/status")
    assert isinstance(status, dict) and status["notes"] == 0  # nothing of it is indexed for recall
    for text in attempts:
        words = " ".join(text.split()[:12])
        answer = daemon.call("POST", "/v1/inject", {"prompt": words, "project": "shop"})
        assert isinstance(answer, dict) and answer["markdown"] == "", words
