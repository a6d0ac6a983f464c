"""The memory note: one markdown file with YAML properties, read into a typed, frozen value.

Reading is lenient where a person's typing is the likely cause (a tag written as a string, a date
YAML parsed as a date) and strict where memem could otherwise lose track of a note (no id, YAML it
cannot parse). A note memem cannot read is a `BadNote` value, reported and left as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from memem.vault import frontmatter
from memem.vault.wikilinks import WikiLink, extract_links, parse_property_link

LINK_KINDS = ("related", "supports", "depends_on", "supersedes", "contradicts", "consistent_with")
"""Typed link properties, in the order they are written. `consistent_with` records a contradiction a
person reviewed and kept both sides of (the Obsidian plugin writes it), so it is not flagged again."""

BODY_LINK = "link"
"""Edge kind for a wikilink written in the body."""

STATUSES = ("active", "deprecated")
SOURCE_TYPES = ("mined", "user", "import")
DEFAULT_LAYER = 2
DEFAULT_IMPORTANCE = 3
DEFAULT_KIND = "fact"
MAX_NOTE_BYTES = 1_000_000

FIELD_ORDER = (
    "id", "title", "project", "layer", "kind", "tags", "importance", "status", "created", "updated",
    "valid_to", "source_type", "source_session", "reviewed", *LINK_KINDS,
)  # fmt: skip
"""Order of known properties in notes memem creates; other keys follow in their own order."""


@dataclass(frozen=True)
class TypedLink:
    kind: str  # one of LINK_KINDS or BODY_LINK
    link: WikiLink


@dataclass(frozen=True)
class BadNote:
    """A file under the memories folder that memem will not index, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Note:
    path: str  # relative to the vault, with forward slashes
    id: str
    title: str
    body: str
    project: str | None
    layer: int
    kind: str
    tags: tuple[str, ...]
    importance: int
    status: str
    created: str | None
    updated: str | None
    valid_to: str | None
    source_type: str | None
    source_session: str | None
    reviewed: str | None
    aliases: tuple[str, ...]
    links: tuple[TypedLink, ...]
    content_hash: str
    warnings: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        """The note's file name without `.md`: what `[[wikilinks]]` to it say."""
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")

    @property
    def embed_text(self) -> str:
        """The text the vector index embeds; a change here (and only here) means re-embedding."""
        return f"{self.title}\n{self.body.strip()}"

    @property
    def embed_hash(self) -> str:
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()

    def typed_links(self, kind: str) -> list[WikiLink]:
        return [t.link for t in self.links if t.kind == kind]


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip() or None


def _int_field(meta: Mapping[str, Any], key: str, default: int, low: int, high: int, warnings: list[str]) -> int:
    # `meta.get(key) or default` would turn layer 0 into the default: check for absence explicitly.
    if key not in meta or meta[key] is None or meta[key] == "":
        return default
    value = meta[key]
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        warnings.append(f"{key}: {value!r} is not a number; using {default}")
        return default
    try:
        number = int(value)
    except ValueError:
        warnings.append(f"{key}: {value!r} is not a number; using {default}")
        return default
    if not low <= number <= high:
        warnings.append(f"{key}: {number} is outside {low}–{high}; using {default}")
        return default
    return number


def _str_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v is not None and v != ""]
    return [value]


def _tags(value: Any) -> tuple[str, ...]:
    items: list[str] = []
    for item in _str_list(value):
        for piece in str(item).replace(",", " ").split() if isinstance(item, str) else [str(item)]:
            tag = piece.strip().lstrip("#")
            if tag and tag not in items:
                items.append(tag)
    return tuple(items)


def _optional_str(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_note(path: str, raw: bytes) -> Note | BadNote:
    """Read one note's bytes. `path` is relative to the vault."""
    if b"\x00" in raw[:8192]:
        return BadNote(path, "binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadNote(path, f"not UTF-8 text (byte {exc.start})")
    parts = frontmatter.split(text)
    if parts.yaml_text is None:
        return BadNote(path, "no frontmatter: a memory needs at least an `id` property")
    try:
        meta = frontmatter.load(parts.yaml_text)
    except frontmatter.FrontmatterError as exc:
        return BadNote(path, str(exc))
    raw_id = meta.get("id")
    if raw_id is None or isinstance(raw_id, (bool, list, dict)) or not str(raw_id).strip():
        return BadNote(path, "missing `id` property")
    note_id = str(raw_id).strip()
    if "\n" in note_id or len(note_id) > 200:
        return BadNote(path, "`id` must be one line of at most 200 characters")

    warnings: list[str] = []
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    status = _optional_str(meta, "status") or "active"
    if status not in STATUSES:
        warnings.append(f"status: {status!r} is not one of {', '.join(STATUSES)}; treated as active")
        status = "active"
    links: list[TypedLink] = []
    for kind in LINK_KINDS:
        for value in _str_list(meta.get(kind)):
            link = parse_property_link(value)
            if link is None:
                warnings.append(f"{kind}: {value!r} is not a link")
            else:
                links.append(TypedLink(kind, link))
    links.extend(TypedLink(BODY_LINK, link) for link in extract_links(parts.body))
    return Note(
        path=path,
        id=note_id,
        title=_optional_str(meta, "title") or stem,
        body=parts.body,
        project=_optional_str(meta, "project"),
        layer=_int_field(meta, "layer", DEFAULT_LAYER, 0, 3, warnings),
        kind=_optional_str(meta, "kind") or DEFAULT_KIND,
        tags=_tags(meta.get("tags")),
        importance=_int_field(meta, "importance", DEFAULT_IMPORTANCE, 1, 5, warnings),
        status=status,
        created=_iso(meta.get("created")),
        updated=_iso(meta.get("updated")),
        valid_to=_iso(meta.get("valid_to")),
        source_type=_optional_str(meta, "source_type"),
        source_session=_optional_str(meta, "source_session"),
        reviewed=_iso(meta.get("reviewed")),
        aliases=tuple(str(a) for a in _str_list(meta.get("aliases"))),
        links=tuple(links),
        content_hash=content_hash(raw),
        warnings=tuple(warnings),
        metadata=meta,
    )


def render_new_note(properties: Mapping[str, Any], body: str) -> str:
    """The text of a note memem creates: known properties in FIELD_ORDER, then any others."""
    ordered = {k: properties[k] for k in FIELD_ORDER if k in properties and properties[k] is not None}
    ordered.update({k: v for k, v in properties.items() if k not in ordered and v is not None})
    text = body if body.endswith("\n") else body + "\n"
    return f"---\n{frontmatter.dump(ordered)}---\n\n{text.lstrip(chr(10))}"
