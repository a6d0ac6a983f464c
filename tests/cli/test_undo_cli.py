"""`memem undo` as a person runs it when a later edit blocks the newest operation: an older one is
undone by its id, the blocked one named as left alone, and `--redo` makes the undone one again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memem.testing import write_note
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

    # One check of --id with --redo, argparse's: a usage error (exit status 2) naming both, on one line.
    with pytest.raises(SystemExit) as refused:
        run(capsys, "--vault", str(vault), "undo", "--id", "x", "--redo")
    err = capsys.readouterr().err
    assert refused.value.code == 2
    assert err.splitlines()[-1] == "memem undo: error: argument --redo: not allowed with argument --id"


GITHUB_TOKEN = "ghp_a8Kd93LmQz7XwPq2RtYv6NcBe4HsJf1UoGi0"


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_no_undo_output_repeats_a_secret_a_note_is_named_after(
    vault: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    """A person's note named after its title, with a token in it: memem refuses such a title in a save,
    but a note made in Obsidian has the name the person gave it, and undo names the notes it touched."""
    first = _save(capsys, vault, "Deploy window", "Deploys to production happen on Tuesdays and Thursdays only.")
    keyed = write_note(vault, f"Staging bot {GITHUB_TOKEN}", "The staging bot's token is rotated monthly.",
                       id="staging-bot", title="Staging bot")  # fmt: skip
    assert run(capsys, "--vault", str(vault), "deprecate", "staging-bot")[0] == 0
    json_flag = ["--json"] if as_json else []

    code, out, err = run(capsys, "--vault", str(vault), "undo", "--list", *json_flag)
    assert code == 0 and "staging-bot" in out and GITHUB_TOKEN not in out + err
    if as_json:
        (deprecation,) = [b for b in json.loads(out) if b["op"] == "deprecate"]
        (note,) = deprecation["notes"]
        assert note["id"] == "staging-bot" and note["path"].startswith("memem/memories/Staging bot [redacted")
        older = next(b["batch"] for b in json.loads(out) if b["op"] == "save")
    else:
        older = next(line.split()[0] for line in out.splitlines() if " save " in line)

    keyed.write_text(keyed.read_text(encoding="utf-8") + "\nEdited by hand.\n", encoding="utf-8")
    code, out, err = run(capsys, "--vault", str(vault), "undo", "--id", older, *json_flag)
    assert code == 0 and not first.exists()
    assert GITHUB_TOKEN not in out + err  # the deprecation left alone, and why: its note, named
    if as_json:
        (left,) = json.loads(out)["skipped"]
        assert "[redacted" in left["why"] and "[redacted" in left["notes"][0]["path"]
    else:
        (left,) = [line for line in out.splitlines() if line.startswith("left as it is: ")]
        assert "was edited since" in left and "[redacted" in left

    code, out, err = run(capsys, "--vault", str(vault), "undo", *json_flag)  # the edited one: refused, named
    assert code == 1 and GITHUB_TOKEN not in out + err and "[redacted" in err
