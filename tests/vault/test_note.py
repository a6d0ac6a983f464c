"""Reading notes: every field, lenient where people type freely, strict where an id could be lost."""

from __future__ import annotations

import pytest

from memem.vault.frontmatter import edit_keys
from memem.vault.note import BadNote, Note, parse_note, render_new_note

FULL = {
    "id": "mem-1",
    "title": "Use uv",
    "project": "shop",
    "layer": 0,
    "kind": "decision",
    "tags": ["python", "tooling"],
    "importance": 5,
    "status": "deprecated",
    "created": "2026-01-02",
    "updated": "2026-02-03T04:05:06",
    "valid_to": "2026-03-04",
    "source_type": "mined",
    "source_session": "5c0375b4",
    "reviewed": "2026-03-05",
    "related": ["[[A]]"],
    "supports": ["[[B|bee]]"],
    "depends_on": ["[[C#Setup]]"],
    "supersedes": ["[[D]]"],
    "contradicts": ["[[E]]"],
    "my_own_key": {"nested": [1, 2]},
}


def parse(text: str, path: str = "memem/memories/Note.md") -> Note:
    result = parse_note(path, text.encode())
    assert isinstance(result, Note), result
    return result


def test_every_field_round_trips_through_a_memem_write() -> None:
    note = parse(render_new_note(FULL, "Body with [[F]]."))
    assert (note.id, note.title, note.project, note.layer, note.kind) == ("mem-1", "Use uv", "shop", 0, "decision")
    assert note.tags == ("python", "tooling")
    assert (note.importance, note.status) == (5, "deprecated")
    assert (note.created, note.updated, note.valid_to, note.reviewed) == (
        "2026-01-02",
        "2026-02-03T04:05:06",
        "2026-03-04",
        "2026-03-05",
    )
    assert (note.source_type, note.source_session) == ("mined", "5c0375b4")
    kinds = [(t.kind, t.link.target) for t in note.links]
    assert kinds == [
        ("related", "A"),
        ("supports", "B"),
        ("depends_on", "C"),
        ("supersedes", "D"),
        ("contradicts", "E"),
        ("link", "F"),
    ]
    assert note.typed_links("supports")[0].alias == "bee"
    assert note.typed_links("depends_on")[0].heading == "Setup"
    assert note.metadata["my_own_key"] == {"nested": [1, 2]}
    assert note.warnings == ()


@pytest.mark.parametrize("field", ["layer", "importance"])
def test_zero_and_out_of_range_are_not_silently_the_default(field: str) -> None:
    zero = parse("---\nid: a\nlayer: 0\n---\n")
    assert zero.layer == 0  # the "falsy zero" trap: 0 must stay 0
    bad = parse(f"---\nid: a\n{field}: 9\n---\n")
    assert any(field in w for w in bad.warnings)


def test_each_edit_preserves_the_other_fields() -> None:
    text = render_new_note(FULL, "Body.")
    for key, value in [("status", "active"), ("reviewed", "2026-11-24"), ("layer", 3), ("importance", 1)]:
        text = edit_keys(text, {key: value})
    note = parse(text)
    assert (note.status, note.reviewed, note.layer, note.importance) == ("active", "2026-11-24", 3, 1)
    assert (note.id, note.project, note.kind, note.tags) == ("mem-1", "shop", "decision", ("python", "tooling"))
    assert note.metadata["my_own_key"] == {"nested": [1, 2]}


def test_lenient_tags_dates_and_ids() -> None:
    note = parse("---\nid: 42\ntags: '#a, b c'\ncreated: 2024-05-06\n---\nx")
    assert note.id == "42"
    assert note.tags == ("a", "b", "c")
    assert note.created == "2024-05-06"
    assert note.title == "Note"  # from the file name
    assert note.layer == 2 and note.importance == 3 and note.status == "active" and note.kind == "fact"


def test_bare_names_in_link_properties_are_links() -> None:
    note = parse("---\nid: a\nrelated: Other note\nsupports:\n  - '[[X]]'\n  - 7\n---\n")
    assert [t.link.target for t in note.links] == ["Other note", "X"]
    assert any("supports" in w for w in note.warnings)


def test_unknown_status_is_active_with_a_warning() -> None:
    note = parse("---\nid: a\nstatus: archived\n---\n")
    assert note.status == "active"
    assert note.warnings


def test_embed_text_is_title_and_body() -> None:
    a = parse("---\nid: a\ntitle: T\n---\nBody\n")
    b = parse("---\nid: a\ntitle: T\nimportance: 4\n---\nBody\n")
    assert a.embed_hash == b.embed_hash  # a property edit does not change what is embedded
    assert a.content_hash != b.content_hash


MALFORMED = [
    (b"---\nid: [unclosed\n---\nbody", "invalid YAML"),
    (b"---\n- a\n- b\n---\nbody", "not a mapping"),
    (b"---\ntitle: no id\n---\nbody", "missing `id`"),
    (b"---\nid: ''\n---\n", "missing `id`"),
    (b"---\nid: [a, b]\n---\n", "`id` must be text, not a list"),
    (b"just a body, no properties", "no frontmatter"),
    (b"", "no frontmatter"),
    (b"\xff\xfe\x00i\x00d", "binary"),
    (b"---\nid: caf\xe9\n---\n", "not UTF-8"),
    (b"---\nid: a\n", "never closed"),  # unterminated block
]


@pytest.mark.parametrize(("raw", "reason"), MALFORMED)
def test_malformed_notes_are_bad_with_a_reason(raw: bytes, reason: str) -> None:
    result = parse_note("memem/memories/x.md", raw)
    assert isinstance(result, BadNote)
    assert reason in result.reason
    assert result.path == "memem/memories/x.md"


def test_bom_and_crlf() -> None:
    note = parse("\ufeff---\r\nid: a\r\ntitle: T\r\n---\r\nBody\r\n")
    assert note.id == "a" and note.title == "T"


def test_a_property_given_twice_is_a_warning_not_a_refusal() -> None:
    note = parse_note("p/n.md", b"---\nid: first\ntitle: T\nid: second\n---\nbody\n")
    assert isinstance(note, Note)
    assert note.id == "second"
    assert note.warnings == ("id: given more than once; the last one is used",)


def test_a_compact_date_is_stored_as_an_iso_date() -> None:
    note = parse_note("p/n.md", b"---\nid: a\ncreated: 20260105\n---\nbody\n")
    assert isinstance(note, Note) and note.created == "2026-01-05" and note.warnings == ()


@pytest.mark.parametrize(("raw_title", "title"), [("no", "no"), ("off", "off"), ("=", "="), ("1:30", "1:30")])
def test_titles_obsidian_shows_as_words_stay_words(raw_title: str, title: str) -> None:
    note = parse_note("p/n.md", f"---\nid: a\ntitle: {raw_title}\n---\nbody\n".encode())
    assert isinstance(note, Note) and note.title == title


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"---\rid: cr\rtitle: T\r---\rbody\r", "CR-only line endings"),
        (b"---\nid: a\ntitle: never closed\nbody", "never closed by a `---` line"),
        (b"\n---\nid: a\n---\nbody\n", "must start on the note's first line (its `---` is on line 2)"),
        (b"---\nid: [a, b]\n---\nbody\n", "`id` must be text, not a list"),
        (b"---\nid: {a: b}\n---\nbody\n", "`id` must be text, not a dict"),
        (b'---\nid: "id\\0nul"\n---\nbody\n', "without control characters"),
    ],
)
def test_a_bad_note_is_told_what_is_wrong_with_it(raw: bytes, reason: str) -> None:
    note = parse_note("p/n.md", raw)
    assert isinstance(note, BadNote) and reason in note.reason


@pytest.mark.parametrize("written", ["0x1F", "010", "0o17", "+12", "1e3", "12", ".5"])
def test_an_id_that_looks_like_a_number_is_kept_as_written(written: str) -> None:
    note = parse_note("p/n.md", f"---\nid: {written}\ntitle: {written}\nlayer: 2\n---\nbody\n".encode())
    assert isinstance(note, Note) and note.id == written and note.title == written and note.layer == 2


def test_a_number_too_long_for_python_does_not_refuse_the_note() -> None:
    note = parse_note("p/n.md", f"---\nid: a\nfoo: {'9' * 5000}\nimportance: {'9' * 5000}\n---\nbody\n".encode())
    assert isinstance(note, Note) and note.importance == 3
    assert any(w.startswith("importance:") for w in note.warnings)


def test_control_characters_are_taken_out_of_a_title() -> None:
    note = parse_note("p/n.md", b'---\nid: a\ntitle: "a\\0b\\x07c"\n---\nbody\n')
    assert isinstance(note, Note) and note.title == "a b c"
    assert note.warnings == ("title: control characters removed",)


@pytest.mark.parametrize(
    ("tagged", "kind"),
    [("!!binary aGVsbG8=", "bytes"), ("!!set {a, b}", "set"), ("!!timestamp 2026-01-05T10:00:00Z", "datetime")],
)  # fmt: skip
def test_an_id_a_yaml_tag_made_into_something_else_than_text_is_a_bad_note(tagged: str, kind: str) -> None:
    """Report A, 5: `!!binary` gave the id "b'hello'", `!!set` one whose order changed between processes."""
    result = parse_note("memem/memories/x.md", f"---\nid: {tagged}\ntitle: X\n---\n\nBody.\n".encode())
    assert isinstance(result, BadNote) and result.reason == f"`id` must be text, not a {kind}"
