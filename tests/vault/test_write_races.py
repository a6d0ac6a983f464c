"""No edit is lost when another program saves the note while memem edits it.

Fault injection: the writer's test seam stops memem at each step of an edit, and another process
saves the note right there, the way editors do: replacing the file by rename (Obsidian's atomic
save, vim with backupcopy=no), rewriting it in place (truncate and write), or writing through a
handle it opened earlier. Whatever the step and the style, both edits must be in the final note.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.vault import writer
from memem.vault.frontmatter import edit_keys
from memem.vault.note import Note, parse_note

ORIGINAL = "---\nid: n1\ntitle: A note\n---\n\nThe original body.\n"
THEIRS = "---\nid: n1\ntitle: A note\n---\n\nThe body the person just saved.\n"

# Another process saving the note: the two ways editors write a whole file.
SAVE = r"""
import os, sys
path, text, style = sys.argv[1], sys.argv[2], sys.argv[3]
if style == "rename":
    tmp = path + ".editor-tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
else:
    with open(path, "w") as f:
        f.write(text)
"""


def save_from_another_process(path: Path, text: str, style: str) -> None:
    subprocess.run([sys.executable, "-c", SAVE, str(path), text, style], check=True, timeout=30)


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "A note.md"
    path.write_text(ORIGINAL)
    return path


@pytest.fixture
def seam(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """Set `seam["at"]` to a step name and `seam["do"]` to what happens there (once)."""
    state: dict[str, object] = {"at": None, "do": None, "done": False}

    def pause(step: str) -> None:
        if step == state["at"] and not state["done"]:
            state["done"] = True
            action = state["do"]
            assert callable(action)
            action()

    monkeypatch.setattr(writer, "_pause", pause)
    yield state


def mark_reviewed(text: str) -> str:
    return edit_keys(text, {"reviewed": "2026-12-04"})


def final(path: Path) -> Note:
    result = parse_note("A note.md", path.read_bytes())
    assert isinstance(result, Note), result
    return result


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".memem-"))


@pytest.mark.parametrize("style", ["rename", "inplace"])
@pytest.mark.parametrize("step", ["computed", "taken-aside"])
def test_a_save_from_another_process_mid_edit_keeps_both(
    note: Path, seam: dict[str, object], step: str, style: str
) -> None:
    """The lost update of the old writer, reproduced deterministically: a save lands after memem read
    the note and before its new text is in place. Both the save and memem's edit must survive."""
    seam["at"], seam["do"] = step, lambda: save_from_another_process(note, THEIRS, style)
    writer.update(note, mark_reviewed)
    assert seam["done"]
    result = final(note)
    assert "The body the person just saved." in result.body, "the other process's save was lost"
    assert result.reviewed == "2026-12-04", "memem's edit was lost"
    assert leftovers(note.parent) == []


def test_a_handle_opened_before_the_edit_and_written_after_it_is_kept(note: Path, seam: dict[str, object]) -> None:
    """An editor that opened the file before memem took it aside writes into it after memem's new
    text is in place: that write must not vanish with the old copy; memem's edit yields to it."""
    handle = note.open("r+")

    def late_write() -> None:
        handle.seek(0)
        handle.truncate()
        handle.write(THEIRS)
        handle.flush()

    seam["at"], seam["do"] = "placed", late_write
    try:
        with pytest.raises(writer.WriteConflict):
            writer.update(note, mark_reviewed)
    finally:
        handle.close()
    assert note.read_text() == THEIRS
    assert leftovers(note.parent) == []


def test_an_editor_that_keeps_saving_gets_a_conflict_not_an_overwrite(
    note: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saves = iter(range(100))

    def always(step: str) -> None:
        if step == "computed":
            note.write_text(THEIRS.replace("just saved", f"saved {next(saves)}"))

    monkeypatch.setattr(writer, "_pause", always)
    with pytest.raises(writer.WriteConflict):
        writer.update(note, mark_reviewed, attempts=3)
    assert "saved 2" in note.read_text() and "reviewed" not in note.read_text()
    assert leftovers(note.parent) == []


def test_a_crash_with_the_note_aside_is_repaired_on_start(tmp_path: Path) -> None:
    """Killed between taking the note aside and putting the new one in place: the next start puts
    the note back under its name, and removes temp files of edits that never landed."""
    folder = tmp_path / "memories" / "shop"
    folder.mkdir(parents=True)
    (folder / ".memem-aside-0123abcd").write_text(ORIGINAL)
    (folder / ".memem-aside-0123abcd.json").write_text(json.dumps({"note": "A note.md"}))
    (folder / ".memem-tmp-feedbeef").write_text("half of an edit")
    (folder / "Other.md").write_text(ORIGINAL.replace("n1", "n2"))
    (folder / ".memem-aside-99.json").write_text(json.dumps({"note": "Other.md"}))
    (folder / ".memem-aside-99").write_text("an older copy")  # the name was taken again: keep the named file

    done = writer.recover(tmp_path / "memories")
    assert (folder / "A note.md").read_text() == ORIGINAL
    assert (folder / "Other.md").read_text() == ORIGINAL.replace("n1", "n2")
    assert leftovers(folder) == []
    assert any("put back A note.md" in line for line in done)


def test_the_edit_keeps_the_notes_permissions(note: Path) -> None:
    os.chmod(note, 0o640)
    writer.update(note, mark_reviewed)
    assert note.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("style", ["rename", "inplace"])
def test_a_save_right_after_the_edit_landed_is_kept_whole(note: Path, seam: dict[str, object], style: str) -> None:
    """A save just after memem's text is in place is the newest: it stays as it is."""
    seam["at"], seam["do"] = "placed", lambda: save_from_another_process(note, THEIRS, style)
    writer.update(note, mark_reviewed)
    assert note.read_text() == THEIRS and leftovers(note.parent) == []


def test_a_handle_still_writing_after_the_edit_returns_loses_nothing(note: Path, seam: dict[str, object]) -> None:
    """The late writer's file itself goes back, not a copy: what it writes after memem is done lands
    in the note too."""
    handle = note.open("r+")

    def first_half() -> None:
        handle.seek(0)
        handle.truncate()
        handle.write(THEIRS[:40])
        handle.flush()

    seam["at"], seam["do"] = "placed", first_half
    try:
        with pytest.raises(writer.WriteConflict):
            writer.update(note, mark_reviewed)
        handle.write(THEIRS[40:])
        handle.flush()
    finally:
        handle.close()
    assert note.read_text() == THEIRS


def test_two_threads_editing_one_note_lose_nothing(note: Path) -> None:
    """memem's own concurrent edits (two MCP calls, the miner beside a save) wait for each other."""
    errors: list[BaseException] = []

    def append(tag: str) -> None:
        try:
            for n in range(100):
                writer.update(note, lambda text, n=n: text + f"{tag}{n}\n")
        except BaseException as exc:  # collected: an exception in a thread would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(tag,)) for tag in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = note.read_text()
    assert errors == [] and all(f"{tag}{n}\n" in text for tag in "ab" for n in range(100))


def test_without_hard_links_edits_and_new_notes_still_work(note: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """exFAT and some network shares refuse hard links: the name is reserved and renamed over."""

    def no_links(source: object, target: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    writer.update(note, mark_reviewed)
    assert final(note).reviewed == "2026-12-04"
    created = writer.create_new(note.parent, "A note", b"---\nid: n2\n---\nsecond\n")
    assert created.name == "A note 2.md" and created.read_bytes().endswith(b"second\n")
    assert leftovers(note.parent) == []


@pytest.mark.parametrize("step", ["computed", "taken-aside", "placed"])
def test_a_kill_at_any_step_loses_nothing_after_recovery(note: Path, seam: dict[str, object], step: str) -> None:
    """Killed mid-edit (the seam raises, as a signal would): after `recover`, the note is there, old
    or new, and nothing of memem's is left lying around."""

    def die() -> None:
        raise KeyboardInterrupt

    seam["at"], seam["do"] = step, die
    with pytest.raises(KeyboardInterrupt):
        writer.update(note, mark_reviewed)
    writer.recover(note.parent)
    assert note.read_text() in (ORIGINAL, mark_reviewed(ORIGINAL))
    assert leftovers(note.parent) == []


def test_a_hostile_journal_cannot_write_outside_its_folder(tmp_path: Path) -> None:
    """A journal is a file in the vault (a synced or shared one, perhaps): it names a note, never a path."""
    folder = tmp_path / "vault" / "memem" / "memories"
    folder.mkdir(parents=True)
    for n, claimed in enumerate(["../../../escaped.md", "/tmp/absolute.md", "..", "", 7]):
        (folder / f".memem-aside-{n}").write_text(f"text {n}")
        (folder / f".memem-aside-{n}.json").write_text(json.dumps({"note": claimed}))
    (folder / ".memem-aside-broken").write_text("text of a broken journal")
    (folder / ".memem-aside-broken.json").write_text("[1]")
    (folder / ".memem-aside-orphan").write_text("text with no journal")
    done = writer.recover(folder)
    assert not (tmp_path / "escaped.md").exists() and not Path("/tmp/absolute.md").exists()
    kept = sorted(p.read_text() for p in folder.glob("Recovered note *.md"))
    assert kept == sorted([*(f"text {n}" for n in range(5)), "text of a broken journal", "text with no journal"])
    assert leftovers(folder) == [] and len(done) >= 7


def test_an_edit_waits_for_an_in_place_save_between_its_truncate_and_its_write(note: Path) -> None:
    """An editor that saves in place empties the file, then writes (a shell's `>`, `open(path, "w")`).
    An edit made from the empty moment would replace the whole note with memem's keys, and the
    editor's bytes would go to the copy taken aside. The edit waits until the note holds still."""
    note.write_text("")  # the truncate; the write comes 0.2 s later
    writing = threading.Timer(0.2, lambda: note.write_text(THEIRS))
    writing.start()
    try:
        writer.update(note, mark_reviewed)
    finally:
        writing.join()
    result = final(note)
    assert result.id == "n1" and "just saved" in result.body and result.reviewed == "2026-12-04"


def test_a_note_that_stays_empty_is_not_edited(note: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "SETTLE_WAIT", 0.2)
    note.write_text("")
    with pytest.raises(writer.WriteConflict, match="empty"):
        writer.update(note, mark_reviewed)
    assert note.read_text() == "" and leftovers(note.parent) == []


def test_a_note_written_a_moment_ago_is_read_once_it_holds_still(note: Path) -> None:
    """A slow in-place writer (truncate, half, a pause, the rest): the edit is made on the whole text."""
    half = THEIRS[: len(THEIRS) // 2]

    def slow_save() -> None:
        with note.open("w") as handle:
            handle.write(half)
            handle.flush()
            threading.Event().wait(0.01)
            handle.write(THEIRS[len(half) :])

    saving = threading.Thread(target=slow_save)
    saving.start()
    threading.Event().wait(0.002)
    try:
        writer.update(note, mark_reviewed)
    finally:
        saving.join()
    result = final(note)
    assert "just saved" in result.body and result.reviewed == "2026-12-04"


def test_an_edit_keeps_group_write_whatever_the_umask(note: Path) -> None:
    """A vault shared by a group is 664; the temp file the edit writes must not pass through the umask."""
    note.chmod(0o664)
    old = os.umask(0o022)
    try:
        writer.update(note, mark_reviewed)
    finally:
        os.umask(old)
    assert note.stat().st_mode & 0o777 == 0o664


def save_by_rename(path: Path, text: str) -> None:
    """An editor's atomic save: a temp file, then a rename over the note (Obsidian, VS Code)."""
    temp = path.with_name(f".{path.name}.editor-tmp")
    temp.write_text(text)
    os.replace(temp, path)


def conflict_copies(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "(conflict" in p.name)


def test_an_editor_saving_twice_by_rename_around_the_take_aside_leaves_no_conflict_copy(
    note: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit: one editor saving by rename every 5 ms made `x (conflict …).md` copies holding an older
    save, under the note's id, in 5 runs of 5. Save 1 lands after memem read the note; memem takes
    save 1 aside; save 2 takes the name before save 1 can go back. Save 2 is the editor's newer
    text (its rename would have replaced save 1 anyway): it wins, and memem's edit is made on it."""
    saves = {"computed": "saved 1", "taken-aside": "saved 2"}

    def editor(step: str) -> None:
        if step in saves:
            save_by_rename(note, THEIRS.replace("just saved", saves.pop(step)))

    monkeypatch.setattr(writer, "_pause", editor)
    writer.update(note, mark_reviewed)
    result = final(note)
    assert "saved 2" in result.body and result.reviewed == "2026-12-04"
    assert conflict_copies(note.parent) == [] and leftovers(note.parent) == []


def test_an_editor_saving_by_rename_every_millisecond_loses_no_save_and_gets_no_copies(
    note: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit's race, in one process: memem edits the note 20 times while an editor keeps saving
    it by rename. Each edit lands on the editor's newest text or yields (WriteConflict); none is
    told the note is gone, no conflict copy appears, and the editor's last save is the note's text."""
    monkeypatch.setattr(writer, "SETTLE_WAIT", 0.05)
    stop = threading.Event()
    last: list[str] = []

    def editor() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            text = THEIRS.replace("just saved", f"saved {n}")
            save_by_rename(note, text)
            last[:] = [text]
            stop.wait(0.001)

    saving = threading.Thread(target=editor)
    saving.start()
    outcomes: list[str] = []
    try:
        for n in range(20):
            try:
                writer.update(note, lambda text, n=n: edit_keys(text, {"reviewed": f"2026-12-{n + 1:02d}"}))
                outcomes.append("edited")
            except writer.WriteConflict:
                outcomes.append("yielded")
            assert conflict_copies(note.parent) == []
    finally:
        stop.set()
        saving.join()
    assert len(outcomes) == 20
    assert note.read_text() == last[0]  # the editor's newest save, whole
    assert conflict_copies(note.parent) == [] and leftovers(note.parent) == []


def test_a_save_written_into_the_copy_aside_is_still_kept_as_a_conflict_copy(tmp_path: Path) -> None:
    """Two other programs' saves meeting: one wrote into the very file memem held aside (it had it
    open), another took the name. Neither may be dropped: the first is kept beside the note."""
    path, aside = tmp_path / "A note.md", tmp_path / ".memem-aside-x"
    aside.write_text(THEIRS.replace("just saved", "held open"))
    seen = aside.read_bytes()
    path.write_text(THEIRS.replace("just saved", "new name"))
    with aside.open("a") as handle:
        handle.write("written while aside\n")
    writer._put_back(aside, path, ORIGINAL.encode(), seen=seen)
    (copy,) = conflict_copies(tmp_path)
    assert (tmp_path / copy).read_text().endswith("written while aside\n")
    assert "new name" in path.read_text() and not aside.exists()


def test_an_older_text_put_back_at_the_name_does_not_hide_the_save_aside(tmp_path: Path) -> None:
    """A sync client that restores its copy (keeping its old mtime) while memem holds the person's
    newer save aside: the save aside is the newer one, and is kept."""
    path, aside = tmp_path / "A note.md", tmp_path / ".memem-aside-x"
    aside.write_text(THEIRS)
    path.write_text(ORIGINAL.replace("original", "restored"))
    os.utime(path, ns=(aside.stat().st_mtime_ns - 10**9,) * 2)
    writer._put_back(aside, path, ORIGINAL.encode(), seen=aside.read_bytes())
    (copy,) = conflict_copies(tmp_path)
    assert (tmp_path / copy).read_text() == THEIRS


@pytest.mark.parametrize("step", ["computed", "taken-aside", "placed"])
def test_a_line_appended_mid_edit_loses_nothing(note: Path, seam: dict[str, object], step: str) -> None:
    """A program appending to the note (`>>`) while memem has it aside creates the name anew holding
    only the appended line. That is no newer save of the note: the note, which is then only in the
    copy aside, must not be dropped for it (before: the whole note went, front matter and body)."""
    append = ["sh", "-c", 'printf "appended by a script\\n" >> "$0"', str(note)]
    seam["at"], seam["do"] = step, lambda: subprocess.run(append, check=True, timeout=30)
    with contextlib.suppress(writer.WriteConflict):  # yielding is allowed; losing is not
        writer.update(note, mark_reviewed)
    assert seam["done"]
    texts = [p.read_text() for p in note.parent.glob("*.md")]
    assert any("The original body." in t for t in texts), "the note's own text was lost"
    assert any("appended by a script" in t for t in texts), "the appended line was lost"
    assert leftovers(note.parent) == []


def test_a_whole_save_by_another_program_mid_edit_leaves_no_conflict_copy(note: Path, seam: dict[str, object]) -> None:
    """The same moment, a whole save (the note begins as before and keeps its id): it is the newer
    note and replaces the copy aside, with no conflict copy beside it."""
    seam["at"], seam["do"] = "taken-aside", lambda: note.write_text(THEIRS)
    writer.update(note, mark_reviewed)
    assert [p.name for p in note.parent.glob("*.md")] == ["A note.md"]
    assert "The body the person just saved." in note.read_text() and leftovers(note.parent) == []
