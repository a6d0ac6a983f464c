"""An operation on a memory whose file changed under the indexes (before any event or reconcile
caught up) answers with the error table, never a traceback: the daemon's 500 of the audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from memem.errors import NotFound, Refused
from memem.memory.reading import get
from memem.memory.service import MemoryService
from memem.testing import write_note
from tests.unreadable import without_root_reads


def test_get_and_deprecate_of_a_note_replaced_by_a_folder_say_it_is_gone(
    service: MemoryService, fresh_vault: Path
) -> None:
    ghost = write_note(fresh_vault, "ghost", "zqxghost", id="ghost")
    service.store.sync_paths(["memem/memories/ghost.md"])
    ghost.unlink()
    ghost.mkdir()
    with pytest.raises(NotFound, match="moved or deleted"):
        get(service, ["ghost"])
    with pytest.raises(NotFound, match="moved or deleted"):
        service.deprecate("ghost")


def test_get_and_deprecate_of_a_note_that_cannot_be_read_say_why(service: MemoryService, fresh_vault: Path) -> None:
    locked = write_note(fresh_vault, "locked", "zqxlocked", id="locked")
    service.store.sync_paths(["memem/memories/locked.md"])
    locked.chmod(0)
    try:
        with without_root_reads():
            with pytest.raises(Refused, match="cannot be read \\(permission denied\\)"):
                get(service, ["locked"])
            with pytest.raises(Refused, match="cannot be read \\(permission denied\\)"):
                service.deprecate("locked")
    finally:
        locked.chmod(0o644)
    assert "deprecated" not in locked.read_text()
