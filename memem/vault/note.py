"""The memory note: one markdown file with YAML properties, read into a typed, frozen value.

Reading is lenient where a person's typing is the likely cause (a tag written as a string, a date
YAML parsed as a date) and strict where memem could otherwise lose track of a note (no id, YAML it
cannot parse). A note memem cannot read is a `BadNote` value, reported and left as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from memem.vault import frontmatter
from memem.vault.teams import team_of
from memem.vault.wikilinks import WikiLink, extract_links, parse_property_link
from memem.vault.withheld import withheld_warnings

LINK_KINDS = ("related", "supports", "depends_on", "supersedes", "contradicts", "consistent_with")
"""Typed link properties, in the order they are written. `consistent_with` records a contradiction a
person reviewed and kept both sides of (the Obsidian plugin writes it), so it is not flagged again."""

BODY_LINK = "link"
"""Edge kind for a wikilink written in the body."""

STATUSES = ("active", "deprecated")
DEFAULT_LAYER = 2
DEFAULT_IMPORTANCE = 3
DEFAULT_KIND = "fact"
KIND = re.compile(r"\w[\w -]{0,39}")
"""What a memory's `kind` may be (`fullmatch`): one short word or two. Recall shows it beside the
note's id, so a kind that is a sentence would be a sentence no screen of the body read."""
MAX_NOTE_BYTES = 1_000_000
MAX_LINKS = 2_000
"""Links one note may add to the graph: a note of 100,000 links is a list, not a memory, and its
edges would cost the daemon more memory than the rest of the vault."""
MAX_LIST_ITEMS = 200
"""Tags or aliases one note keeps."""
MAX_WARNINGS = 20

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
        return embed_text(self.title, self.body)

    @property
    def embed_hash(self) -> str:
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()

    def typed_links(self, kind: str) -> list[WikiLink]:
        return [t.link for t in self.links if t.kind == kind]


def embed_text(title: str, body: str) -> str:
    """The text the vector index embeds for a note: the one formula, so a change to it re-embeds
    every note (through `embed_hash`) and nothing embeds by another."""
    return f"{title}\n{body.strip()}"


def _date_field(meta: Mapping[str, Any], key: str, warnings: list[str]) -> str | None:
    """A date property as ISO text, or None with a warning when it names no real date.

    `created: 2026-02-30` is a typo, not a reason to drop the note from recall: the note stays
    indexed without that date, and status and doctor point at the property.
    """
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    try:
        day = dt.date.fromisoformat(text[:10])
        if len(text) > 10:
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        elif len(text) < 10:  # `20260105` is a date to Python, and the same date as 2026-01-05 to memem
            return day.isoformat()
    except ValueError:
        shown = text[:40] if text else type(value).__name__
        warnings.append(f"{key}: {shown!r} is not a date (YYYY-MM-DD); ignored")
        return None
    return text


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


_SCALARS = (str, int, float, dt.date)


def _tags(value: Any, warnings: list[str]) -> tuple[str, ...]:
    items: dict[str, None] = {}  # ordered and de-duplicated in one pass (a list scan made it quadratic)
    for item in _str_list(value):
        if not isinstance(item, _SCALARS) or isinstance(item, bool):
            warnings.append(f"tags: a {type(item).__name__} is not a tag; ignored")
            continue
        for piece in str(item).replace(",", " ").split() if isinstance(item, str) else [str(item)]:
            tag = piece.strip().lstrip("#")
            if tag and _encodable(tag):
                items[tag] = None
            if len(items) > MAX_LIST_ITEMS:
                warnings.append(f"tags: more than {MAX_LIST_ITEMS}; only the first {MAX_LIST_ITEMS} are kept")
                return tuple(items)[:MAX_LIST_ITEMS]
    return tuple(items)


def _optional_str(meta: Mapping[str, Any], key: str, warnings: list[str] | None = None) -> str | None:
    """A one-line text property; a list or mapping where text belongs is ignored (with a warning)."""
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, _SCALARS):
        if warnings is not None:
            warnings.append(f"{key}: a {type(value).__name__} is not text; ignored")
        return None
    text = " ".join(str(value).split())
    if _CONTROL.search(text):
        if warnings is not None:
            warnings.append(f"{key}: control characters removed")
        text = " ".join(_CONTROL.sub(" ", text).split())
    if not _encodable(text):
        if warnings is not None:
            warnings.append(f"{key}: holds an escaped character that is not Unicode text; ignored")
        return None
    return text or None


TEXT_PROPERTIES = ("id", "title", "project", "kind", "source_session")
"""Read as written even when they look like numbers: `id: 010` is the id "010"."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # through YAML's escapes ("a\0b"); raw ones YAML refuses


def _why_no_properties(text: str) -> str:
    """Why `split` found no properties block: none at all, one never closed, one not on the first
    line, or line endings it does not read (a lone CR, as classic Mac editors wrote)."""
    head = text[:4000]
    if "\r" in head and "\n" not in head:
        return "uses CR-only line endings (classic Mac); save it with LF or CRLF line endings"
    lines = head.lstrip("\ufeff").splitlines()
    if lines and lines[0].rstrip() == "---":
        return "the properties block opened by `---` on line 1 is never closed by a `---` line"
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is not None and first > 0 and lines[first].rstrip() == "---":
        return f"the properties block must start on the note's first line (its `---` is on line {first + 1})"
    return "no frontmatter: a memory needs at least an `id` property"


def _encodable(text: str) -> bool:
    """False for text with lone surrogates (`"\\ud800"` in double-quoted YAML): no index can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_note(path: str, raw: bytes) -> Note | BadNote:
    """Read one note's bytes. `path` is relative to the vault.

    Never raises: whatever a file holds, the answer is a Note or a BadNote saying why, so one odd
    file can only ever cost itself a place in the indexes.
    """
    try:
        return _parse(path, raw)
    except Exception as exc:  # the last line of defence; known problems have their own reasons below
        return BadNote(path, f"could not be read as a note ({type(exc).__name__}: {str(exc)[:200]})")


def _parse(path: str, raw: bytes) -> Note | BadNote:
    started = time.thread_time()
    if b"\x00" in raw:  # text never holds NUL; UTF-16 and binaries do, and FTS5 would cut the text there
        return BadNote(path, "binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadNote(path, f"not UTF-8 text (byte {exc.start})")
    parts = frontmatter.split(text)
    if parts.yaml_text is None:
        return BadNote(path, _why_no_properties(text))
    try:
        meta, repeated = frontmatter.load_properties(parts.yaml_text, as_text=TEXT_PROPERTIES)
    except frontmatter.FrontmatterError as exc:
        return BadNote(path, str(exc))
    raw_id = meta.get("id")
    # Plain values are read as text; a YAML tag can still make one anything (`!!binary` bytes shown as
    # "b'…'", an unordered `!!set`, a `!!timestamp` rewritten): an id must read back as it was written.
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        return BadNote(
            path, f"`id` must be text, not a {'yes/no value' if isinstance(raw_id, bool) else type(raw_id).__name__}"
        )
    if raw_id is None or not str(raw_id).strip():
        return BadNote(path, "missing `id` property")
    note_id = str(raw_id).strip()
    if "\n" in note_id or len(note_id) > 200 or not _encodable(note_id) or _CONTROL.search(note_id):
        return BadNote(
            path, "`id` must be one line of at most 200 characters of Unicode text, without control characters"
        )

    warnings = [f"{key[:60]}: given more than once; the last one is used" for key in repeated]
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    status = _optional_str(meta, "status", warnings) or "active"
    if status not in STATUSES:
        warnings.append(f"status: {status!r} is not one of {', '.join(STATUSES)}; treated as active")
        status = "active"
    links: list[TypedLink] = []
    for kind in LINK_KINDS:
        for value in _str_list(meta.get(kind)):
            link = parse_property_link(value)
            if link is None or not _encodable(link.render()):
                warnings.append(f"{kind}: {str(value)[:60]!r} is not a link")
            else:
                links.append(TypedLink(kind, link))
    room = MAX_LINKS - len(links)
    body_links = extract_links(parts.body, limit=max(room, 0) + 1)
    links.extend(TypedLink(BODY_LINK, link) for link in body_links)
    if len(links) > MAX_LINKS:
        warnings.append(f"more than {MAX_LINKS:,} links; only the first {MAX_LINKS:,} are edges")
        links = links[:MAX_LINKS]
    title = _optional_str(meta, "title", warnings) or stem
    project = _optional_str(meta, "project", warnings)
    written_kind = _optional_str(meta, "kind", warnings) or DEFAULT_KIND
    kind = written_kind if KIND.fullmatch(written_kind) else DEFAULT_KIND
    if kind != written_kind:
        warnings.append(f"kind: {written_kind[:60]!r} is not one short word; read as {DEFAULT_KIND!r}")
    aliases = tuple(str(a) for a in _str_list(meta.get("aliases")) if isinstance(a, _SCALARS) and _encodable(str(a)))
    aliases = aliases[:MAX_LIST_ITEMS]
    # Every text property is screened with the title and body: recall and the tools show the id, the
    # kind and the project beside them, and a sentence hidden in one is as much a sentence as the body.
    shown = (note_id, written_kind, project or "", *aliases)
    screened_text = "\n".join([title, *(value for value in shown if value), parts.body])
    # First, so no cap on warnings can drop them: recall reads them.
    # A team's note came from other people: the learned check, which memem's own writes get, reads it too.
    learned = team_of(path) is not None
    warnings[:0] = withheld_warnings(screened_text, time.thread_time() - started, learned)
    return Note(
        path=path,
        id=note_id,
        title=title,
        body=parts.body,
        project=project,
        layer=_int_field(meta, "layer", DEFAULT_LAYER, 0, 3, warnings),
        kind=kind,
        tags=_tags(meta.get("tags"), warnings),
        importance=_int_field(meta, "importance", DEFAULT_IMPORTANCE, 1, 5, warnings),
        status=status,
        created=_date_field(meta, "created", warnings),
        updated=_date_field(meta, "updated", warnings),
        valid_to=_date_field(meta, "valid_to", warnings),
        source_type=_optional_str(meta, "source_type", warnings),
        source_session=_optional_str(meta, "source_session", warnings),
        reviewed=_date_field(meta, "reviewed", warnings),
        aliases=aliases,
        links=tuple(links),
        content_hash=content_hash(raw),
        warnings=tuple(warnings[:MAX_WARNINGS])
        + ((f"… and {len(warnings) - MAX_WARNINGS} more warnings",) if len(warnings) > MAX_WARNINGS else ()),
        metadata=meta,
    )


def render_new_note(properties: Mapping[str, Any], body: str) -> str:
    """The text of a note memem creates: known properties in FIELD_ORDER, then any others."""
    ordered = {k: properties[k] for k in FIELD_ORDER if k in properties and properties[k] is not None}
    ordered.update({k: v for k, v in properties.items() if k not in ordered and v is not None})
    text = body if body.endswith("\n") else body + "\n"
    return f"---\n{frontmatter.dump(ordered)}---\n\n{text.lstrip(chr(10))}"
