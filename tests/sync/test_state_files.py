"""memem's state is private to its user, and a daemon starting after a crash repairs half-done writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from memem.config import Paths
from memem.testing import ready_daemon

NOTE = "---\nid: interrupted\ntitle: Interrupted\n---\n\nThe note memem was editing when it was killed.\n"


@pytest.mark.slow
def test_state_is_private_and_a_killed_edit_is_repaired_on_start(fresh_vault: Path) -> None:
    memories = fresh_vault / "memem" / "memories"
    # What a kill -9 in the middle of an edit leaves: the note aside (with its journal), a temp file.
    (memories / ".memem-aside-5eed").write_text(NOTE)
    (memories / ".memem-aside-5eed.json").write_text(json.dumps({"note": "Interrupted.md"}))
    (memories / ".memem-tmp-c0ffee").write_text("an edit that never landed")
    proposals = fresh_vault / "memem" / "proposals"  # memem edits these too (consolidation), outside memories
    proposals.mkdir(parents=True, exist_ok=True)
    (proposals / ".memem-aside-b0a7").write_text("---\nkind: merge\n---\n\nA proposal being decided.\n")
    (proposals / ".memem-aside-b0a7.json").write_text(json.dumps({"note": "merge-abc123.md"}))
    (proposals / ".memem-tmp-feed").write_text("a decision that never landed")
    old_umask = os.umask(0o022)  # the usual default: files readable by everyone unless memem says otherwise
    try:
        with ready_daemon(fresh_vault) as daemon:
            saved = daemon.call("POST", "/v1/op/save", {"content": "Private state stays private.", "project": "p"})
            assert isinstance(saved, dict) and saved["id"]
            status = daemon.call("GET", "/v1/status")
            assert isinstance(status, dict) and status["notes"] == 2  # the repaired note and the new one
    finally:
        os.umask(old_umask)

    assert (memories / "Interrupted.md").read_text() == NOTE
    assert sorted(p.name for p in memories.iterdir() if p.name.startswith(".memem-")) == []
    assert "A proposal being decided." in (proposals / "merge-abc123.md").read_text()
    assert sorted(p.name for p in proposals.iterdir() if p.name.startswith(".memem-")) == []

    home = Paths.resolve(fresh_vault).home
    loose = []
    for folder, dirs, files in os.walk(home):
        if stat.S_IMODE(os.stat(folder).st_mode) & 0o077:
            loose.append(folder)
        # Not memem's: the test session's shared model cache (a symlink), and chromadb's own files,
        # which it creates with its own modes inside memem's 0700 `chroma` folder.
        dirs[:] = [d for d in dirs if not Path(folder, d).is_symlink() and Path(folder).name != "chroma"]
        for name in files:
            path = Path(folder, name)
            if name.startswith("serve-"):  # the test harness's own capture of the daemon's output
                continue
            if stat.S_IMODE(path.lstat().st_mode) & 0o077 and Path(folder).name != "chroma":
                loose.append(str(path))
    assert loose == [], f"readable by other users: {loose}"
