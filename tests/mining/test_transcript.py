"""Parsing real Claude Code transcripts (tests/fixtures/transcripts; DRMacIver/claude-reliability and
d-kimuson/claude-code-viewer, MIT)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memem.mining.transcript import read_records, read_turns
from memem.recall.text import CLOSE, OPEN
from tests.paths import TRANSCRIPTS

ALL_TRANSCRIPTS = sorted(TRANSCRIPTS.glob("*.jsonl"))


@pytest.mark.parametrize("path", ALL_TRANSCRIPTS, ids=lambda p: p.name[:40])
def test_only_prose_of_the_main_thread_is_kept(path: Path) -> None:
    records, end = read_records(path)
    assert end == path.stat().st_size
    turns, _ = read_turns(path)
    main_prose = {
        r["uuid"]
        for r in records
        if r.get("type") in ("user", "assistant") and not r.get("isSidechain") and not r.get("isMeta")
    }
    assert turns and all(t.uuid in main_prose for t in turns)
    for t in turns:
        assert "tool_use_id" not in t.text and "<system-reminder>" not in t.text
        assert "<command-name>" not in t.text and "<local-command-stdout>" not in t.text


def test_tool_traffic_and_sidechains_are_dropped() -> None:
    path = TRANSCRIPTS / "d-kimuson__claude-code-viewer__fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl"
    records, _ = read_records(path)
    assert sum(1 for r in records if r.get("isSidechain")) == 405
    turns, _ = read_turns(path)
    assert [t.role for t in turns if t.role == "user"] == ["user", "user"]
    assert turns[0].text == "/orchestrator create TODO app by Next.js"  # a slash command as the person typed it
    assert "Thanks! Please update CLAUDE.md" in [t.text for t in turns if t.role == "user"][1]


def test_offsets_read_only_new_whole_lines(tmp_path: Path) -> None:
    source = TRANSCRIPTS / "DRMacIver__claude-reliability__coverage-test-fix.jsonl"
    path = tmp_path / "s.jsonl"
    raw = source.read_bytes()
    cut = raw.index(b"\n", len(raw) // 2) + 1
    path.write_bytes(raw[:cut] + raw[cut : cut + 40])  # a torn last line, as while Claude Code writes
    first, offset = read_records(path)
    first_turns, _ = read_turns(path)
    assert offset == cut  # the torn line is left for the next read
    path.write_bytes(raw)
    rest, end = read_records(path, offset)
    whole, _ = read_records(source)
    assert end == len(raw) and first + rest == whole  # nothing read twice, nothing skipped
    later_turns, _ = read_turns(path, offset)
    # The same prose in two reads as in one (an assistant message cut by the offset is two turns then).
    assert (
        " ".join(t.text for t in first_turns + later_turns).split()
        == " ".join(t.text for t in read_turns(source)[0]).split()
    )


def test_unknown_and_broken_records_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = [
        {"type": "progress", "data": {}},
        {"type": "system", "subtype": "compact_boundary"},
        {
            "type": "user",
            "message": {"role": "user", "content": "Always use ruff for formatting."},
            "uuid": "u1",
            "sessionId": "s",
        },
        {
            "type": "assistant",
            "message": {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "Will do."}],
            },
            "uuid": "a1",
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json at all\n")
    turns, _ = read_turns(path)
    assert [(t.role, t.text) for t in turns] == [("user", "Always use ruff for formatting."), ("assistant", "Will do.")]


def test_memem_slices_are_stripped(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    text = f"Fix the bug.\n{OPEN}\n## memem\n1. **Old memory** — should not be mined\n{CLOSE}"
    path.write_text(json.dumps({"type": "user", "message": {"role": "user", "content": text}, "uuid": "u"}) + "\n")
    (turn,) = read_turns(path)[0]
    assert turn.text == "Fix the bug."


def test_transcript_search_answers_with_secrets_redacted(tmp_path: Path) -> None:
    """A search's answer goes to the model's provider, like a mining prompt: the turn is redacted whole
    before its snippet is cut, so a secret at the window's edge is not half shown either."""
    from memem.mining.transcript_search import TranscriptSearch
    from tests.memory.security_corpus import SECRETS

    token = SECRETS["GitHub token (classic)"].split()[1]
    password = "Qm7vXr2Lp9zK"[::-1] + "4"  # a value of this test's own, not a credential
    said = [
        f"The staging database password is {password} and nobody else should know it.",
        "padding " * 25 + f"then I exported GITHUB_TOKEN={token} for the deploy token",
    ]
    folder = tmp_path / "projects" / "-home-me-billing"
    folder.mkdir(parents=True)
    records = [
        {"type": "user", "sessionId": "s1", "uuid": f"u{n}", "cwd": "/home/me/billing",
         "message": {"role": "user", "content": text}}
        for n, text in enumerate(said)
    ]  # fmt: skip
    (folder / "s1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    search = TranscriptSearch(tmp_path / "projects")
    answers = search.search("staging database password") + search.search("deploy token exported")
    shown = json.dumps(answers)
    assert len(answers) >= 2 and password not in shown and token not in shown
    assert token[:12] not in shown and "[redacted " in shown
