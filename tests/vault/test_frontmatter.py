"""Frontmatter edits touch only the keys they change; everything else stays byte-identical."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memem.vault import frontmatter
from memem.vault.frontmatter import DELETE, FrontmatterError, edit_keys, load_properties, split

HAND_WRITTEN = """---
id: abc   # a comment the person wrote
title: 'Single quoted: title'
tags: [a, b]
related:
- "[[Other note]]"
custom_thing:
  nested: true
  list:
    - x
created: 2024-01-02
---

# Body

Some *markdown* with a [[Link]] and a hard line break:\x20\x20
next line.
"""


def test_split_finds_yaml_and_body() -> None:
    parts = split(HAND_WRITTEN)
    assert parts.yaml_text is not None and parts.yaml_text.startswith("id: abc")
    assert parts.body.startswith("\n# Body")


def test_no_frontmatter() -> None:
    parts = split("# Just a heading\n---\nnot yaml\n")
    assert parts.yaml_text is None
    assert parts.body == "# Just a heading\n---\nnot yaml\n"


def test_edit_one_key_keeps_everything_else_byte_identical() -> None:
    edited = edit_keys(HAND_WRITTEN, {"status": "deprecated"})
    assert edited.replace("status: deprecated\n", "") == HAND_WRITTEN
    assert frontmatter.load(split(edited).yaml_text or "")["status"] == "deprecated"


def test_replace_a_multiline_key_in_place() -> None:
    edited = edit_keys(HAND_WRITTEN, {"related": ["[[Other note]]", "[[Third]]"]})
    assert 'related:\n- "[[Other note]]"\n- "[[Third]]"\ncustom_thing:' in edited  # its items' style kept
    # the comment on the id line and the nested mapping survive
    assert "id: abc   # a comment the person wrote" in edited
    assert "custom_thing:\n  nested: true\n  list:\n    - x\n" in edited
    assert edited.endswith(split(HAND_WRITTEN).body)


def test_delete_key() -> None:
    edited = edit_keys(HAND_WRITTEN, {"tags": DELETE})
    assert "tags:" not in edited
    assert edited == HAND_WRITTEN.replace("tags: [a, b]\n", "")


def test_crlf_notes_keep_crlf() -> None:
    text = HAND_WRITTEN.replace("\n", "\r\n")
    edited = edit_keys(text, {"reviewed": "2026-11-24"})
    assert "reviewed: '2026-11-24'\r\n" in edited or "reviewed: 2026-11-24\r\n" in edited
    assert "\n" not in edited.replace("\r\n", "")


def test_note_without_frontmatter_gets_a_block() -> None:
    edited = edit_keys("Body only\n", {"id": "x1"})
    assert edited == "---\nid: x1\n---\nBody only\n"


def test_invalid_yaml_is_never_edited() -> None:
    broken = "---\nid: [unclosed\n---\nbody\n"
    with pytest.raises(FrontmatterError):
        edit_keys(broken, {"status": "deprecated"})


def test_wikilinks_are_quoted_so_yaml_reads_strings() -> None:
    text = edit_keys("---\nid: a\n---\n", {"supersedes": ["[[Old note]]"]})
    assert frontmatter.load(split(text).yaml_text or "")["supersedes"] == ["[[Old note]]"]


def test_load_reports_line_of_error() -> None:
    with pytest.raises(FrontmatterError, match=r"invalid YAML \(line 4 of the note"):
        frontmatter.load("id: a\ntitle: b\n  bad: indent: here\n")


keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True).filter(
    lambda k: k not in {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
)
values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.integers(-1000, 1000),
    st.booleans(),
    st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10), max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6), keys, values, st.text(max_size=200))
def test_property_edit_changes_only_the_named_key(props: dict, key: str, value: object, body: str) -> None:
    text = f"---\n{frontmatter.dump(props)}---\n{body}"
    before = frontmatter.load(split(text).yaml_text or "")
    edited = edit_keys(text, {key: value})
    after = frontmatter.load(split(edited).yaml_text or "")
    expected = dict(before)
    expected[key] = value
    assert after == expected
    assert split(edited).body == split(text).body
    # every other key's lines are unchanged, in order
    untouched = [k for k in props if k != key]
    for k in untouched:
        assert frontmatter.dump_value(k, props[k]) in edited


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6), st.text(max_size=200))
def test_property_noop_edit_is_byte_identical(props: dict, body: str) -> None:
    text = f"---\n{frontmatter.dump(props)}---\n{body}"
    assert edit_keys(text, {}) == text
    first = next(iter(props))
    assert edit_keys(text, {first: props[first]}) == text


def test_an_edit_keeps_the_frontmatters_line_endings_whatever_the_body_uses() -> None:
    # Found by the property test above: a body with Windows line endings under a "\n" block.
    text = "---\na:\n  - ''\n---\n\r\nbody line\r\n"
    assert edit_keys(text, {"a": [""]}) == text
    assert edit_keys(text, {"b": 1}) == "---\na:\n  - ''\nb: 1\n---\n\r\nbody line\r\n"
    windows = "---\r\na: 1\r\n---\r\nbody\n"
    assert edit_keys(windows, {"b": 2}) == "---\r\na: 1\r\nb: 2\r\n---\r\nbody\n"


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("title: no", "no"),  # YAML 1.1 read this as False, shown as "False"
        ("title: Yes", "Yes"),
        ("title: off", "off"),
        ("id: 1:30", "1:30"),  # 1.1: the sexagesimal number 90
        ("title: =", "="),  # 1.1: a value no safe loader builds, so the note was refused
        ("n: 010", 10),  # 1.1: octal 8
        ("n: 0o17", 15),
        ("n: 0x1F", 31),
        ("n: 1_000", "1_000"),
        ("x: 1e3", 1000.0),
        ("x: true", True),
        ("x: ~", None),
    ],
)
def test_plain_values_read_as_yaml_1_2_reads_them(yaml_text: str, expected: object) -> None:
    """Obsidian reads properties as YAML 1.2 does; memem must see the same title, id and tags."""
    assert next(iter(frontmatter.load(yaml_text).values())) == expected


def test_a_property_given_twice_is_reported_and_the_last_one_counts() -> None:
    props, repeated = frontmatter.load_properties("id: a\ntags: [x]\nid: b\ntags: [y]\ntitle: t\n")
    assert props["id"] == "b" and props["tags"] == ["y"]
    assert repeated == ("id", "tags")
    assert frontmatter.load_properties("id: a\nnested: {id: 1}\n")[1] == ()


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12))
@settings(max_examples=400, deadline=None)
def test_any_text_memem_writes_reads_back_as_the_same_text(value: str) -> None:
    """PyYAML's writer quotes what YAML 1.1 would read as a number or a date; the reader is 1.2,
    which reads `1e3` and `0o17` as numbers: the writer must quote those too."""
    assert frontmatter.load(frontmatter.dump({"title": value}))["title"] == value


@pytest.mark.parametrize("value", ["1e3", "0o17", "12e45678", ".5", "no", "2026-01-05", "", "~", "True"])
def test_text_that_looks_typed_reads_back_as_text(value: str) -> None:
    assert frontmatter.load(frontmatter.dump({"title": value, "tags": [value]})) == {"title": value, "tags": [value]}


@pytest.mark.parametrize("line", ["status : active", '"status" : active', "'status': active", "status:   active"])
def test_an_edit_finds_a_key_however_it_is_spaced_or_quoted(line: str) -> None:
    text = f"---\nid: a\n{line}\ntitle: T\n---\nbody\n"
    edited = edit_keys(text, {"status": "deprecated"})
    props, repeated = frontmatter.load_properties(split(edited).yaml_text or "")
    assert props["status"] == "deprecated" and repeated == ()
    assert edited.endswith("title: T\n---\nbody\n")


@pytest.mark.parametrize("block", ["{id: a, status: active}", "? status\n: active\nid: a", "id: a\n? status\n: active"])
def test_properties_memem_cannot_edit_key_by_key_are_left_alone_with_a_clear_reason(block: str) -> None:
    text = f"---\n{block}\n---\nbody\n"
    with pytest.raises(frontmatter.UneditableLayout, match="left as it is"):
        edit_keys(text, {"status": "deprecated"})


def test_a_huge_number_is_read_as_its_text() -> None:
    assert frontmatter.load("foo: " + "9" * 5000)["foo"] == "9" * 5000


def test_an_edit_keeps_the_comments_a_person_wrote() -> None:
    text = (
        "---\nid: c1\nstatus: active  # will be deprecated\nsupersedes:\n  # why these\n"
        '  - "[[Old]]"  # the old one\n---\nbody\n'
    )
    edited = edit_keys(text, {"status": "deprecated", "supersedes": ["[[Old]]", "[[New]]"]})
    assert edited == (
        "---\nid: c1\nstatus: deprecated  # will be deprecated\nsupersedes:\n  # why these\n"
        '  - "[[Old]]"  # the old one\n  - "[[New]]"\n---\nbody\n'
    )
    assert frontmatter.load(split(edited).yaml_text or "")["supersedes"] == ["[[Old]]", "[[New]]"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("tags: [a, b]", ["a", "b", "c"]),  # a flow list is written again, as a block list
        ("tags:\n  - a\n  - b", ["b"]),  # not a list that only grows
        ('tags: "a # b"', ["a # b", "c"]),  # a # inside quotes is no comment
    ],
)
def test_other_list_edits_rewrite_the_key_and_read_back(old: str, new: list[str]) -> None:
    edited = edit_keys(f"---\nid: a\n{old}\n---\nbody\n", {"tags": new})
    assert frontmatter.load(split(edited).yaml_text or "")["tags"] == new


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_line_inside_a_quoted_value_that_looks_like_a_key_is_not_edited(quote: str) -> None:
    """A quoted title running onto a second line that reads `status: active`: that line is the
    person's text, not the key. The edit is refused and the note left byte for byte (report A, 3)."""
    text = (
        f"---\nid: twoline\ntitle: {quote}Pin the build image\nstatus: active  # see CI docs{quote}\n"
        "kind: convention\n---\n\nBody.\n"
    )
    with pytest.raises(frontmatter.UneditableLayout, match="left as it is"):
        edit_keys(text, {"status": "deprecated", "valid_to": "2026-12-06"})


@pytest.mark.parametrize("value", ["true", "True", "FALSE", "010", "1e3", "0x1F"])
def test_a_text_property_reads_as_written_even_a_yes_no_value(value: str) -> None:
    """Audit: `title: true` was shown as "True" (numbers were read as written, yes/no values not)."""
    props, _ = frontmatter.load_properties(f"title: {value}\nflag: true\n", as_text=("title",))
    assert props == {"title": value, "flag": True}


def test_removing_list_items_keeps_the_comments_and_lines_of_the_rest() -> None:
    """Removing a link re-wrote the whole list, and the person's comment on a line it kept was gone."""
    text = (
        '---\nid: x\nrelated:\n  # first one\n  - "[[Dup status]]"\n\n  - "[[Flow map]]"  # second\n'
        '  - "[[Third]]"\nstatus: active\n---\nbody\n'
    )
    edited = edit_keys(text, {"related": ["[[Flow map]]", "[[Third]]"]})
    assert edited == text.replace('  - "[[Dup status]]"\n', "")
    middle = edit_keys(text, {"related": ["[[Dup status]]", "[[Third]]"]})
    assert middle == text.replace('  - "[[Flow map]]"  # second\n', "")
    assert "related: []" in edit_keys(text, {"related": []})
    reordered = edit_keys(text, {"related": ["[[Third]]", "[[Flow map]]"]})  # not a removal: written anew
    assert load_properties(split(reordered).yaml_text or "")[0]["related"] == ["[[Third]]", "[[Flow map]]"]
