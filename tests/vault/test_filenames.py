"""The names memem gives new notes are names the scanner reads: one set of rules, in `vault.filenames`."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memem.vault import writer
from memem.vault.filenames import MAX_STEM_BYTES, ignored_folder, is_candidate_name, note_stem, numbered
from memem.vault.scan import FileStat, walk


def readable_everywhere(stem: str) -> bool:
    """What the scanner (as a note's name and as a project's folder) and every platform accept."""
    conflict = f"{numbered(stem, 9999)} (conflict 2026-12-07 022256) 99.md"
    return (
        is_candidate_name(f"{stem}.md")
        and is_candidate_name(f"{numbered(stem, 2)}.md")
        and not ignored_folder(stem)
        and stem == stem.strip(". ")
        and "/" not in stem
        and len(conflict.encode("utf-8")) <= 255
        and not any(unicodedata.category(c) in ("Cc", "Cs") for c in stem)  # no control, no lone surrogate
    )


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("../../Rotate keys monthly", "Rotate keys monthly"),  # was `.. Rotate keys monthly.md`, never indexed
        (".  .Keep logs short", "Keep logs short"),  # was `.Keep logs short.md`
        (". . . ", "mem-1"),
        ("node_modules", "mem-1"),
        ("__pycache__", "mem-1"),
        (".obsidian", "obsidian"),
        ("Use uv: always?", "Use uv always"),
        ("CON", "mem-1"),
    ],
)
def test_a_title_never_names_a_file_the_scanner_skips(title: str, stem: str) -> None:
    assert note_stem(title, "mem-1") == stem


@given(st.text(st.characters(), max_size=300))
@settings(max_examples=2000, deadline=None)
def test_any_title_gives_a_stem_the_scanner_reads(title: str) -> None:
    stem = note_stem(title, fallback="mem-20261207-abc123")
    assert readable_everywhere(stem), repr(stem)
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES


@given(st.text(st.sampled_from(". /\\~#[]:\t\n\r\x00é😀aZ-_"), max_size=40))
@settings(max_examples=300, deadline=None)
def test_a_note_saved_under_any_title_is_found_by_the_walk(
    tmp_path_factory: pytest.TempPathFactory, title: str
) -> None:
    """Written by the writer in a real folder, then found by the same walk `memem index` runs."""
    vault = tmp_path_factory.mktemp("vault")
    memories = vault / "memem" / "memories"
    folder = memories / note_stem(title, "global")  # a project's folder is named the same way
    path = writer.create_new(folder, title, b"---\nid: x\n---\nbody\n")
    found = [e.path for e in walk(vault, "memem/memories") if isinstance(e, FileStat)]
    assert found == [path.relative_to(vault).as_posix()]


def test_the_scanner_and_the_names_share_one_rule() -> None:
    from memem.vault import scan

    assert scan.is_candidate_name is is_candidate_name and scan.ignored_folder is ignored_folder


def test_a_stem_cut_for_length_fits_a_file_name(tmp_path: Path) -> None:
    title = "😀" * 300
    created = writer.create_new(tmp_path, title, b"x")
    assert created.exists() and len(created.name.encode()) <= 255
