"""Frontmatter: split a note's text, read its YAML, and edit single keys in place.

Why surgical edits instead of re-dumping the whole YAML block: a person's note must survive every
edit memem makes. Re-serialising would reorder keys, change quoting, drop comments and rewrite
dates. Here only the lines of the keys being changed are replaced; everything else, the body
included, stays byte-identical.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

# The C loader is several times faster; PyYAML built without libyaml has only the Python one.
_Base: type[yaml.CSafeLoader] | type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_YAML_CHARS = 256_000
"""A properties block longer than this is refused unread: no person types that much YAML."""
MAX_VALUES = 20_000
"""Values a block may hold once aliases are expanded. A 400-byte block of nested anchors can stand
for billions of values: loading it is cheap (aliases share nodes) but every later `str()` or walk
of it expands them, which cost minutes and gigabytes before this bound."""
MAX_DEPTH = 64
MAX_SCALAR_CHARS = 64_000
MAX_EXPANDED_CHARS = 1_000_000
"""Characters the values may hold once aliases are expanded: 19,000 aliases of one 60 KB value are
few values but a gigabyte of text for whoever turns them into JSON."""

_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.M)
_TOP_KEY = re.compile(r"^([^\s#\-][^:\n]*?|\"[^\"\n]+\"|'[^'\n]+'):(?:[ \t]|$)")

DELETE = object()
"""Sentinel for `edit_keys`: remove the key."""


class FrontmatterError(ValueError):
    """The frontmatter block exists but is not valid YAML mapping text."""


class UneditableLayout(FrontmatterError):
    """Valid properties that memem cannot edit key by key (`{id: a, status: active}`, `? status`)."""


@dataclass(frozen=True)
class Split:
    """A note's text cut into its parts. `yaml_text` is None when the note has no frontmatter."""

    yaml_text: str | None
    body: str
    yaml_start: int  # offset of the YAML text (after the opening ---)
    yaml_end: int  # offset just past the YAML text (before the closing ---)
    newline: str


def split(text: str) -> Split:
    opening = _OPEN.match(text)
    # The frontmatter's own line ending: a body pasted with Windows line endings under a block written
    # with "\n" must not make an edit of that block switch its endings.
    newline = "\r\n" if (opening.group() if opening else text[:2000]).count("\r\n") else "\n"
    if not opening:
        return Split(None, text, 0, 0, newline)
    close = _CLOSE.search(text, opening.end())
    if not close:
        return Split(None, text, 0, 0, newline)
    return Split(text[opening.end() : close.start()], text[close.end() :], opening.end(), close.start(), newline)


_ALIASES = " (each YAML alias counted as what it repeats)"
"""Said with both budgets: a bomb is small on disk and vast once read, and a block of 20,000 plain
keys is refused by the same count without an alias in it."""


def _check_size(root: yaml.Node) -> None:
    """Refuse a node graph that expands beyond the budgets, before anything is constructed from it.

    Sizes are memoised per node, so a shared (aliased) node is measured once however often it is
    referenced: the check costs time linear in the text even for a bomb.
    """
    expanded: dict[int, int] = {}
    chars: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again means a recursive alias
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in expanded:
            continue
        if not children_done and key in open_nodes:
            raise FrontmatterError("the properties refer to themselves (a recursive YAML alias)")
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > MAX_SCALAR_CHARS:
                raise FrontmatterError(f"a property value is longer than {MAX_SCALAR_CHARS:,} characters")
            expanded[key], depth[key], chars[key] = 1, 1, len(node.value)
            continue
        children: list[yaml.Node] = (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        )
        if not children_done:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in expanded)
            continue
        open_nodes.discard(key)
        expanded[key] = 1 + sum(expanded[id(child)] for child in children)
        chars[key] = sum(chars[id(child)] for child in children)
        depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
        if expanded[key] > MAX_VALUES:
            raise FrontmatterError(f"the properties hold more than {MAX_VALUES:,} values{_ALIASES}")
        if chars[key] > MAX_EXPANDED_CHARS:
            raise FrontmatterError(f"the properties hold more than {MAX_EXPANDED_CHARS:,} characters{_ALIASES}")
        if depth[key] > MAX_DEPTH:
            raise FrontmatterError(f"the properties are nested more than {MAX_DEPTH} levels deep")


def _core_schema() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """Plain scalars typed as YAML 1.2's core schema types them, the YAML Obsidian reads.

    PyYAML follows YAML 1.1, where `title: no` is the boolean false (shown as "False"), `id: 1:30`
    the number 90, `id: 010` the number 8 and `title: =` a value no safe loader can build (the note
    was refused). In 1.2 the first two are words, 010 is ten and `=` is text. Dates stay typed:
    memem reads `created: 2026-01-05` as a date, as Obsidian's date property does.
    """
    digits = list("0123456789")
    core = {  # tag: (pattern, the first characters a match can start with; "" is the empty scalar)
        "tag:yaml.org,2002:null": (r"~|null|Null|NULL|", ["~", "n", "N", ""]),
        "tag:yaml.org,2002:bool": (r"true|True|TRUE|false|False|FALSE", list("tTfF")),
        "tag:yaml.org,2002:int": (r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", ["-", "+", *digits]),
        "tag:yaml.org,2002:float": (
            r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            ["-", "+", ".", *digits],
        ),
    }
    kept = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge")
    resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {
        first: [(tag, regexp) for tag, regexp in entries if tag in kept]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for tag, (pattern, firsts) in core.items():
        compiled = re.compile(rf"^(?:{pattern})$")
        for first in firsts:
            resolvers.setdefault(first, []).append((tag, compiled))
    return {first: entries for first, entries in resolvers.items() if entries}


_PLAIN_TYPES = _core_schema()
_TYPED_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")
"""What a plain scalar may be read as besides text and a date (which reads back as written in the
forms people type, and whose explicit `!!timestamp` must stay a date: an id that is one is refused),
null aside: an empty title is no title."""


def _is_plain_typed(node: yaml.Node) -> bool:
    """A scalar written without quotes that YAML reads as a number or a yes/no value."""
    return isinstance(node, yaml.ScalarNode) and not node.style and node.tag in _TYPED_TAGS  # plain: None or ""


def _typed_when_plain(value: str) -> bool:
    """Whether memem's reader would take this text, written unquoted, for something else (a number,
    a date): the writer quotes it then, since PyYAML's writer only asks what YAML 1.1 reads."""
    entries = _PLAIN_TYPES.get(value[:1], []) + _PLAIN_TYPES.get(None, [])
    return any(regexp.match(value) for _, regexp in entries)


class _BoundedLoader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, with budgets checked between parsing and constructing, lenient dates, YAML
    1.2's plain scalars and a record of properties given twice."""

    yaml_implicit_resolvers = _PLAIN_TYPES

    def __init__(self, stream: str, as_text: tuple[str, ...] = ()) -> None:
        super().__init__(stream)
        self.repeated: list[str] = []
        self.as_text = as_text

    def construct_document(self, node: yaml.Node) -> Any:
        _check_size(node)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key in seen and key not in self.repeated:
                    self.repeated.append(key)
                if key is not None:
                    seen.add(key)
                if key in self.as_text and _is_plain_typed(value_node):
                    # `id: 0x1F` is the name 0x1F, not 31; `title: true` the word "true", not "True"
                    value_node.tag = "tag:yaml.org,2002:str"
        return super().construct_document(node)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | str:
        text = str(self.construct_scalar(node))
        try:
            if text.startswith(("0x", "0o")):
                return int(text[2:], 16 if text[1] == "x" else 8)
            return int(text, 10)
        except ValueError:  # more digits than Python turns into a number: the text, as for a bad date
            return text

    def construct_yaml_timestamp(self, node: yaml.ScalarNode, values: Any = None) -> Any:
        # `created: 2026-02-30` matches YAML's date pattern but is no date: keep the text, and let
        # the note's reader warn about it, instead of failing the whole block.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp)
_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def load(yaml_text: str) -> dict[str, Any]:
    """Parse a frontmatter block; an empty block is an empty mapping.

    Anything wrong with the block (syntax, budgets, a value YAML cannot build) is a FrontmatterError,
    so one odd note is reported instead of stopping whoever reads it.
    """
    return load_properties(yaml_text)[0]


def load_properties(yaml_text: str, as_text: tuple[str, ...] = ()) -> tuple[dict[str, Any], tuple[str, ...]]:
    """`load`, and the properties the block gives more than once (the last one counts, as in
    PyYAML; Obsidian refuses such a block, so the person is told rather than left guessing).
    The keys in `as_text` are read as written (`id: 010` is the id "010", not 10; `title: true` is
    "true", not the yes/no value shown as "True")."""
    if len(yaml_text) > MAX_YAML_CHARS:
        raise FrontmatterError(f"the properties block is longer than {MAX_YAML_CHARS:,} characters")
    loader = _BoundedLoader(yaml_text, as_text)
    try:
        data = loader.get_single_data()
    except FrontmatterError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2} of the note, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontmatterError(f"invalid YAML{where}: {problem}") from None
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise FrontmatterError(f"unreadable YAML value: {type(exc).__name__}: {str(exc)[:200]}") from None
    finally:
        loader.dispose()
    if data is None:
        return {}, ()
    if not isinstance(data, dict):
        raise FrontmatterError(f"frontmatter is a {type(data).__name__}, not a mapping of properties")
    return {str(k): v for k, v in data.items()}, tuple(loader.repeated)


class _ObsidianDumper(yaml.SafeDumper):
    """Dump lists the way Obsidian writes properties: indented block items."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Wikilinks must be quoted or YAML reads "[[x]]" as a nested list; Obsidian uses double quotes.
    style = '"' if value.startswith(("[[", "[", "{", "!", "&", "*", "#", "@", "`", "%", "|", ">")) else None
    if style is None and _typed_when_plain(value):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ObsidianDumper.add_representer(str, _represent_str)


def dump_value(key: str, value: Any) -> str:
    """The YAML text (with trailing newline) for one top-level key."""
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    if isinstance(value, (list, tuple)) and not value:
        return f"{key}: []\n"
    text = yaml.dump(
        {key: list(value) if isinstance(value, tuple) else value},
        Dumper=_ObsidianDumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
    )
    return str(text)


def dump(metadata: Mapping[str, Any]) -> str:
    """A whole frontmatter block's YAML text, keys in the given order."""
    return "".join(dump_value(k, v) for k, v in metadata.items())


def _key_blocks(yaml_text: str) -> list[tuple[str, int, int]]:
    """(key, start, end) character spans of each top-level key, continuation lines included."""
    blocks: list[tuple[str, int, int]] = []
    offset = 0
    current: list[Any] | None = None
    for line in yaml_text.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if match:
            if current is not None:
                blocks.append((current[0], current[1], offset))
            current = [match.group(1).strip().strip("\"'"), offset]  # `status :` and `"status":` too
        offset += len(line)
    if current is not None:
        blocks.append((current[0], current[1], offset))
    # A trailing comment or blank lines belong to the gap after the last key, not to it.
    return blocks


# The head ends at a character that is not blank (the comment takes every blank before its `#`), read
# greedily: a lazy head tried `[ \t]+#` from each of its characters, and a line of blanks cost n² (40 s
# for 100 KB).
_LINE_COMMENT = re.compile(r"^(?P<head>(?:[^\r\n#]*[^\r\n# \t])?)(?P<comment>[ \t]+#[^\r\n]*)$")
_LIST_ITEM_LINE = re.compile(r"^([ \t]*)- ")


def _with_comment(replacement: str, old: str) -> str:
    """A one-line value keeps the comment the person wrote after the old one (`status: active  # why`)."""
    line = old.rstrip("\r\n")
    found = _LINE_COMMENT.match(line) if "\n" not in line and "\n" not in replacement else None
    if found is None or found.group("head").count('"') % 2 or found.group("head").count("'") % 2:
        return replacement  # several lines, no comment, or a `#` inside quotes
    return replacement + found.group("comment")


def _block_items(old: str) -> tuple[list[str], list[int]] | None:
    """A key's lines as written, and which of them are list items; None for a flow list (`[a, b]`), a
    value on the key's line, or no item at all: lists memem edits line by line only when written
    one item per line."""
    lines = old.splitlines(keepends=True)
    items = [n for n, line in enumerate(lines) if _LIST_ITEM_LINE.match(line)]
    first_value = _TOP_KEY.sub("", lines[0], count=1).strip()
    if not items or (first_value and not first_value.startswith("#")):
        return None
    return lines, items


def _grown_list(old: str, before: Any, value: Any, nl: str) -> str | None:
    """A block list that only gains items, edited by adding their lines after its last item: the
    items, comments and quoting already there stay as written. None for any other change."""
    if not (isinstance(before, list) and isinstance(value, (list, tuple)) and list(value[: len(before)]) == before):
        return None
    block = _block_items(old)
    if block is None:
        return None
    lines, items = block
    last = items[-1]
    if any(line.strip() and not line.strip().startswith("#") for line in lines[last + 1 :]):
        return None  # the last item runs over several lines
    item_line = _LIST_ITEM_LINE.match(lines[last])
    indent = item_line.group(1) if item_line else ""
    added = [dump_value("k", [item]).splitlines()[1].strip() for item in value[len(before) :]]
    end_of_last = lines[last] if lines[last].endswith(("\n", "\r")) else lines[last] + nl
    return "".join([*lines[:last], end_of_last, *(f"{indent}{item}{nl}" for item in added), *lines[last + 1 :]])


def _shrunk_list(old: str, before: Any, value: Any) -> str | None:
    """A block list that only loses items, one per line, edited by removing their lines: the items
    kept, the comments (on their lines or their own) and the blank lines stay as written. None for
    any other change, and for a list emptied (written anew as `[]`)."""
    if not (isinstance(before, list) and isinstance(value, (list, tuple)) and 0 < len(value) < len(before)):
        return None
    block = _block_items(old)
    if block is None or len(block[1]) != len(before):
        return None  # items that are not one per line
    lines, items = block
    if any(line.strip() and not line.strip().startswith("#") for n, line in enumerate(lines[1:], 1) if n not in items):
        return None  # an item runs over several lines
    kept, j = [], 0
    for item in before:
        kept.append(j < len(value) and value[j] == item)
        j += kept[-1]
    if j != len(value):
        return None  # not the same items, fewer: reordered or changed
    gone = {items[i] for i, keep in enumerate(kept) if not keep}
    return "".join(line for n, line in enumerate(lines) if n not in gone)


def edit_keys(text: str, updates: Mapping[str, Any]) -> str:
    """Return `text` with the given top-level keys set (or removed with `DELETE`).

    Keys not named stay byte-identical, in place; new keys are appended at the end of the block.
    A note without frontmatter gets a new block. Raises FrontmatterError when the existing block
    is not valid YAML: memem never edits a note it cannot read.
    """
    parts = split(text)
    nl = parts.newline
    if parts.yaml_text is None:
        new_keys = {k: v for k, v in updates.items() if v is not DELETE}
        if not new_keys:
            return text
        block = dump(new_keys).replace("\n", nl)
        return f"---{nl}{block}---{nl}{text}"
    before, repeated_before = load_properties(parts.yaml_text)  # refuse to touch a block we cannot parse
    yaml_text = parts.yaml_text
    spans = {key: (start, end) for key, start, end in _key_blocks(yaml_text)}
    if (before and not spans) or any(key in before and key not in spans for key in updates):
        raise UneditableLayout(
            "memem edits properties written one per line (`key: value`); this note writes them another way"
            " (`{key: value, …}` or `? key`), so it was left as it is"
        )
    pending = dict(updates)
    # Replace from the end so earlier offsets stay valid.
    for key, (start, end) in sorted(spans.items(), key=lambda item: -item[1][0]):
        if key not in pending:
            continue
        value = pending.pop(key)
        old = yaml_text[start:end]
        trailing = old[len(old.rstrip("\r\n")) :] or nl
        grown = None if value is DELETE else _grown_list(old, before.get(key), value, nl)
        if grown is None and value is not DELETE:
            grown = _shrunk_list(old, before.get(key), value)
        if value is DELETE:
            replacement = ""
        elif grown is not None:
            replacement = grown
        else:
            replacement = _with_comment(dump_value(key, value).rstrip("\n"), old).replace("\n", nl) + trailing
        yaml_text = yaml_text[:start] + replacement + yaml_text[end:]
    additions = "".join(dump_value(k, v) for k, v in pending.items() if v is not DELETE).replace("\n", nl)
    if additions:
        if yaml_text and not yaml_text.endswith(("\n", "\r")):
            yaml_text += nl
        yaml_text += additions
    new_text = text[: parts.yaml_start] + yaml_text + text[parts.yaml_end :]
    after, repeated = load_properties(split(new_text).yaml_text or "")  # the edit must leave valid YAML behind
    if set(repeated) - set(repeated_before):  # and must not have written a key a second time
        raise UneditableLayout(f"memem could not find where `{sorted(set(repeated) - set(repeated_before))[0]}` is"
                               " written in this note's properties, so it was left as it is")  # fmt: skip
    _check_edit(before, after, updates)
    return new_text


def _check_edit(before: Mapping[str, Any], after: Mapping[str, Any], updates: Mapping[str, Any]) -> None:
    """The edit set exactly the keys it was asked to, and no other value changed.

    What looks like a key line may be text inside another value (a quoted title running onto a
    second line that reads `status: active`): an edit there would rewrite the person's text and
    leave the key as it was. Reading the result back catches every such layout at once.
    """
    for key in set(before) | set(after) | set(updates):
        if key in updates:
            value = updates[key]
            wanted = None if value is DELETE else load_properties(dump_value(key, value))[0].get(key)
            if (value is DELETE and key in after) or (value is not DELETE and after.get(key) != wanted):
                raise UneditableLayout(
                    f"memem could not set `{key}` in this note's properties as they are written"
                    " (a value running over several lines?), so it was left as it is"
                )
        elif before.get(key) != after.get(key) or (key in before) != (key in after):
            raise UneditableLayout(
                f"editing this note's properties would have changed `{key}`, which memem did not mean to touch,"
                " so it was left as it is"
            )
