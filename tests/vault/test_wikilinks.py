from hypothesis import given, settings
from hypothesis import strategies as st

from memem.vault.wikilinks import WikiLink, extract_links, parse_property_link


def test_all_obsidian_forms() -> None:
    body = "See [[Plain]], [[Target|shown]], [[Doc#Heading]], [[Doc#Sec|alias]] and ![[image.png]].\n"
    links = extract_links(body)
    assert [(link.target, link.heading, link.alias, link.embed) for link in links] == [
        ("Plain", None, None, False),
        ("Target", None, "shown", False),
        ("Doc", "Heading", None, False),
        ("Doc", "Sec", "alias", False),
        ("image.png", None, None, True),
    ]


def test_code_is_not_links() -> None:
    body = "Real [[A]].\n\n`[[not a link]]`\n\n```\n[[also not]]\n```\n\n    [[indented code]]\n"
    assert [link.target for link in extract_links(body)] == ["A"]


def test_markdown_links_to_notes_count() -> None:
    body = "[text](Other%20note.md) [site](https://example.com/x.md) [sec](./Folder/N.md#Part)"
    assert [(link.target, link.heading) for link in extract_links(body)] == [("Other note", None), ("Folder/N", "Part")]


def test_paths_and_md_suffix() -> None:
    assert extract_links("[[folder/Sub note.md]]")[0].target == "folder/Sub note"


def test_property_links() -> None:
    assert parse_property_link("[[A|b]]") == WikiLink("A", None, "b")
    assert parse_property_link("  Plain name ") == WikiLink("Plain name")
    assert parse_property_link(5) is None


def test_render_round_trip() -> None:
    for text in ["[[A]]", "[[A#h|x]]", "![[img.png]]"]:
        assert extract_links(text)[0].render() == text


def test_links_in_comments_escapes_and_nested_lists() -> None:
    body = (
        "A [[Kept]] link. <!-- [[Hidden]] --> \\[[Escaped]] and `` `[[Code]]` ``.\n"
        "- item\n\n    - nested after a blank line with [[Nested]]\n\n"
        "Paragraph.\n\n    [[Indented code]]\n"
    )
    assert [link.target for link in extract_links(body)] == ["Kept", "Nested"]


def test_a_link_cap_stops_reading_early() -> None:
    body = " ".join(f"[[n{i}]]" for i in range(10_000))
    assert [link.target for link in extract_links(body, limit=3)] == ["n0", "n1", "n2"]


PIECES = ["[[", "]]", "[", "]", "(", ")", "`", "```\n", "\n", "\n\n", "    ", "- ", "<!--", "-->", "a", "b.md", "#h",
          "|x", "!", "\\", "~~~\n", ".md)"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_any_text_gives_links_that_are_in_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    for link in extract_links(text):
        assert link.target.split("/")[-1] in text and "\n" not in link.target
