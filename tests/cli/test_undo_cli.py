"""`memem undo` as a person runs it when a later edit blocks the newest operation: an older one is
undone by its id, the blocked one named as left alone, and `--redo` makes the undone one again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture
def vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    vault = tmp_path / "vault"
    assert run(capsys, "init", str(vault))[0] == 0
    return vault


def _save(capsys: pytest.CaptureFixture[str], vault: Path, title: str, body: str) -> Path:
    code, out, _ = run(capsys, "--vault", str(vault), "save", body, "--title", title, "--json")
    assert code == 0, out
    return vault / json.loads(out)["path"]


def test_an_older_operation_is_undone_by_id_past_an_edited_one_and_redone(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _save(capsys, vault, "Deploy window", "Deploys to production happen on Tuesdays and Thursdays only.")
    second = _save(capsys, vault, "Cache keys", "Cache keys include the schema version so a migration starts cold.")
    second.write_text(second.read_text(encoding="utf-8") + "\nEdited by hand in Obsidian.\n", encoding="utf-8")

    code, _, err = run(capsys, "--vault", str(vault), "undo")  # the newest was edited since: refused
    assert code == 1 and second.exists() and "Edited by hand" in second.read_text(encoding="utf-8")

    code, out, _ = run(capsys, "--vault", str(vault), "undo", "--list", "--json")
    batches = json.loads(out)
    (older,) = [b for b in batches if any(n["path"].endswith("Deploy window.md") for n in b["notes"])]

    code, out, _ = run(capsys, "--vault", str(vault), "undo", "--id", older["batch"][:8])
    assert code == 0, out
    assert out.startswith("undid: ") and "left as it is: " in out
    assert not first.exists() and second.exists()  # the edited note is untouched

    code, out, _ = run(capsys, "--vault", str(vault), "undo", "--redo")
    assert code == 0 and out.startswith("redid: ")
    assert first.exists() and "Tuesdays and Thursdays" in first.read_text(encoding="utf-8")

    code, _, err = run(capsys, "--vault", str(vault), "undo", "--id", "x", "--redo")
    assert code == 2 and "not both" in err
