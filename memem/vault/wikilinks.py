"""Wikilinks as Obsidian writes them: `[[name]]`, `[[name|alias]]`, `[[name#heading]]`, `![[embed]]`.

Body links are found by one linear pass: fenced and indented code blocks, inline code spans and
HTML comments are set aside, then `[[…]]` and markdown links to notes (`[text](Other%20note.md)`,
which Obsidian treats the same way) are read from what is left.

Why not a CommonMark parser (markdown-it-py did this job before): a parser builds a token for every
construct, and a note can be made of nothing but constructs. A 1 MB note of setext headings cost
3.7 s and ~370 MB, a 1 MB run of `[` 11 s; a vault file must never cost that. Finding links needs
far less than a full parse: fences, code spans and two link forms, each recognised within a bounded
window, so the cost is linear in the note and the memory is the links found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

MAX_LINK_CHARS = 1_000
"""Longest link target looked for: a vault path, a heading and an alias fit many times over."""
PARAGRAPH_LINES = 1_000

_FRONTMATTER_LINK = re.compile(r"^\s*!?\[\[([^\[\]\n]+)\]\]\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_BACKTICKS = re.compile(r"`+")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_N = MAX_LINK_CHARS
_WIKILINK = re.compile(rf"(?<!\\)(!?)\[\[([^\[\]\n]{{1,{_N}}})\]\]")
_MARKDOWN_LINK = re.compile(
    rf"(?<![!\\])\[[^\[\]\n]{{0,{_N}}}\]\([ \t]{{0,20}}(?:<([^<>\n]{{1,{_N}}})>|([^\s()<>]{{1,{_N}}}))"
    r"(?:[ \t]{1,20}(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'))?[ \t]{0,20}\)"
)


@dataclass(frozen=True)
class WikiLink:
    """One link: `target` is the note name or path as written (no `.md`), without heading or alias."""

    target: str
    heading: str | None = None
    alias: str | None = None
    embed: bool = False

    def render(self) -> str:
        inner = self.target + (f"#{self.heading}" if self.heading else "") + (f"|{self.alias}" if self.alias else "")
        return ("!" if self.embed else "") + f"[[{inner}]]"


def parse_inner(inner: str, embed: bool = False) -> WikiLink | None:
    """Parse the text between `[[` and `]]`."""
    alias = None
    if "|" in inner:
        inner, alias = inner.split("|", 1)
        alias = alias.strip() or None
    heading = None
    if "#" in inner:
        inner, heading = inner.split("#", 1)
        heading = heading.strip() or None
    target = inner.strip()
    if target.lower().endswith(".md"):
        target = target[:-3]
    if not target and not heading:
        return None
    return WikiLink(target=target, heading=heading, alias=alias, embed=embed)


def parse_property_link(value: object) -> WikiLink | None:
    """A frontmatter link value: `"[[name]]"`, or a bare note name as people sometimes type it."""
    if not isinstance(value, str):
        return None
    match = _FRONTMATTER_LINK.match(value)
    if match:
        return parse_inner(match.group(1), embed=value.lstrip().startswith("!"))
    bare = value.strip()
    return WikiLink(target=bare) if bare and "\n" not in bare else None


def _indent(line: str) -> int:
    if not line.startswith((" ", "\t")):
        return 0  # most lines: no loop
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _lines(text: str) -> Iterator[str]:
    """The text's lines, one at a time: a note of a million lines is never held as a list of them."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end].removesuffix("\r")
        start = end + 1


def _paragraphs(body: str) -> Iterator[str]:
    """The body's runs of prose lines, with fenced and indented code blocks left out.

    Indented code follows CommonMark closely enough for links: four columns of indentation after a
    blank line, except inside a list, where that indentation nests an item instead.
    """
    fence: str | None = None
    in_code = False
    prev_blank = True
    in_list = False
    lines: list[str] = []
    for line in _lines(body):
        if len(lines) >= PARAGRAPH_LINES:  # a huge paragraph is read in parts, memory stays bounded
            yield "\n".join(lines)
            lines = []
        if fence is not None:
            close = _FENCE.match(line)
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                fence = fence if line[close.end() :].strip() else None
            continue
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            fence = opening.group(1)
            if lines:
                yield "\n".join(lines)
                lines = []
            prev_blank = False
            continue
        blank = not line.strip()
        width = _indent(line)
        if in_code:
            if blank or width >= 4:
                continue
            in_code = False
        if not blank and width >= 4 and prev_blank and not in_list:
            in_code = True
            continue
        if blank:
            if lines:
                yield "\n".join(lines)
                lines = []
            prev_blank = True
            continue
        in_list = bool(_LIST_ITEM.match(line)) or (in_list and (width > 0 or not prev_blank))
        prev_blank = False
        lines.append(line)
    if lines:
        yield "\n".join(lines)


def _without_code_spans(text: str) -> str:
    """The paragraph with inline code spans and HTML comments blanked out (same length, same offsets).

    A code span opens with a run of backticks and closes at the next run of the same length; an
    opener with no closer is a literal backtick. Matching runs by length from a precomputed table
    keeps this linear however the backticks are arranged.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    following: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        following[i] = last_of_length.get(length)
        last_of_length[length] = i
    pieces: list[str] = []
    kept_from = 0
    i = 0
    while i < len(runs):
        closer = following[i]
        if closer is None:
            i += 1
            continue
        start, stop = runs[i][0], runs[closer][1]
        pieces += [text[kept_from:start], " " * (stop - start)]
        kept_from = stop
        i = closer + 1
    pieces.append(text[kept_from:])
    return _HTML_COMMENT.sub(lambda m: " " * len(m.group()), "".join(pieces))


def _note_href(href: str) -> WikiLink | None:
    """A markdown link's destination as a link to a note, or None for a web page, anchor or file."""
    href = unquote(href)
    if not href or "://" in href or href.startswith(("#", "mailto:")):
        return None
    path, _, heading = href.partition("#")
    if not path.lower().endswith(".md"):
        return None
    return WikiLink(target=path[:-3].removeprefix("./"), heading=heading or None)


def extract_links(body: str, limit: int | None = None) -> list[WikiLink]:
    """The note links in a markdown body, in order of appearance (links in code are not links).

    With `limit`, reading stops once that many are found (the caller caps links per note).
    """
    if "[[" not in body and "](" not in body:
        return []  # most notes have no links
    found: list[WikiLink] = []
    for paragraph in _paragraphs(body):
        if limit is not None and len(found) >= limit:
            return found
        if "[[" not in paragraph and "](" not in paragraph:
            continue
        text = _without_code_spans(paragraph)
        wanted = None if limit is None else limit - len(found)
        positioned = _first(_wikilinks(text), wanted) + _first(_markdown_links(text), wanted)
        found.extend(link for _, link in sorted(positioned, key=lambda item: item[0])[:wanted])
    return found


def _first(links: Iterator[tuple[int, WikiLink]], n: int | None) -> list[tuple[int, WikiLink]]:
    """At most `n` of a paragraph's links (all when None): a capped note stops reading early."""
    out: list[tuple[int, WikiLink]] = []
    for item in links:
        if n is not None and len(out) >= n:
            break
        out.append(item)
    return out


def _wikilinks(text: str) -> Iterator[tuple[int, WikiLink]]:
    for match in _WIKILINK.finditer(text):
        link = parse_inner(match.group(2), embed=bool(match.group(1)))
        if link is not None:
            yield match.start(), link


def _markdown_links(text: str) -> Iterator[tuple[int, WikiLink]]:
    for match in _MARKDOWN_LINK.finditer(text):
        link = _note_href(match.group(1) or match.group(2))
        if link is not None:
            yield match.start(), link
