"""Wikilinks as Obsidian writes them: `[[name]]`, `[[name|alias]]`, `[[name#heading]]`, `![[embed]]`.

Body links are found with markdown-it-py and a small inline rule, so a `[[...]]` inside a code span or
a fenced code block is not mistaken for a link. Markdown links to other notes (`[text](Other%20note.md)`)
count as well, as Obsidian treats them the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

_FRONTMATTER_LINK = re.compile(r"^\s*!?\[\[([^\[\]\n]+)\]\]\s*$")


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


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    embed = src.startswith("![[", pos)
    start = pos + (3 if embed else 2)
    if not (embed or src.startswith("[[", pos)):
        return False
    end = src.find("]]", start)
    if end < 0 or "\n" in src[start:end] or "[" in src[start:end]:
        return False
    link = parse_inner(src[start:end], embed=embed)
    if link is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"link": link}
        token.content = src[pos : end + 2]
    state.pos = end + 2
    return True


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    return md


def _walk(tokens: list[Any]) -> list[WikiLink]:
    found: list[WikiLink] = []
    for token in tokens:
        if token.type == "wikilink":
            found.append(token.meta["link"])
        elif token.type == "link_open":
            href = unquote(str(token.attrs.get("href", "")))
            if (
                href
                and "://" not in href
                and not href.startswith(("#", "mailto:"))
                and href.lower().split("#")[0].endswith(".md")
            ):
                path, _, heading = href.partition("#")
                found.append(WikiLink(target=path[:-3].removeprefix("./"), heading=heading or None))
        if token.children:
            found.extend(_walk(token.children))
    return found


def extract_links(body: str) -> list[WikiLink]:
    """All note links in a markdown body, in order of appearance."""
    if "[[" not in body and "](" not in body:
        return []  # most notes have no links; skip the parser
    return _walk(_parser().parse(body))


def headings(body: str) -> list[str]:
    """The body's headings, in order (for snippets and `[[note#heading]]` checks)."""
    tokens = _parser().parse(body)
    out: list[str] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            out.append(tokens[i + 1].content.strip())
    return out
