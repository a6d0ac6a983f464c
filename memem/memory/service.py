"""Memory operations: save, get, deprecate, link, timeline, list, graph. One layer for every edge.

The daemon's HTTP routes, the MCP tools and the CLI (when no daemon runs) all call this, so a save
is screened, classified, de-duplicated, written atomically and indexed the same way wherever it
comes from. Every change to a note goes through the vault writer and is then indexed at once, so
the caller can search for what it just wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import string
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memem.errors import NotFound, Refused
from memem.index.catalog import Row
from memem.index.events import Batch, EventLog, Undone
from memem.index.scope import Scope
from memem.index.store import IndexStore
from memem.memory.classify import classify_kind, classify_layer
from memem.memory.compare import disagree
from memem.memory.results import GLOBAL_LABEL, Deprecation, LinkChange, Saved, Summary
from memem.memory.screen import describe, find_injection, find_secrets, quoted, screen
from memem.recall.candidates import note_vector
from memem.vault import frontmatter, writer
from memem.vault.filenames import note_stem, numbered
from memem.vault.files import FileRefused, read_bounded
from memem.vault.note import KIND, LINK_KINDS, MAX_NOTE_BYTES, Note, parse_note, render_new_note
from memem.vault.scan import root_of
from memem.vault.teams import hidden_prefixes, team_named

log = logging.getLogger(__name__)

MAX_CONTENT = 20_000
MAX_TITLE = 200
MAX_TAGS = 20
MAX_LINKS = 200
"""Links one save may write (all kinds together): a note is read whole at every change, and one of
80,000 links was 1.7 MB, over what the index reads (MAX_NOTE_BYTES): saved, and never found."""
DUPLICATE_COSINE = 0.95
SAME_TITLE_COSINE = 0.8
"""Under the same title, text this close is the same memory told again."""
ID_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class SaveRequest:
    content: str
    title: str | None = None
    tags: Sequence[str] = ()
    project: str | None = None
    kind: str | None = None
    layer: int | None = None
    importance: int | None = None
    links: Mapping[str, Sequence[str]] = field(default_factory=dict)  # kind -> note names or ids
    source_type: str = "user"
    source_session: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # more properties (mining: `miner`, …)


def _today() -> str:
    return dt.date.today().isoformat()


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s|\s[-–—]\s")


def _clean_title(content: str, title: str | None) -> str:
    """The given title, or the content's first sentence (at most ~80 characters, cut at a word)."""
    if title and title.strip():
        return " ".join(title.split())[:MAX_TITLE]
    first = next((line.strip(" #*->") for line in content.splitlines() if line.strip(" #*->")), "memory")
    sentence = _SENTENCE_END.split(first, maxsplit=1)[0].rstrip(" .;:!?")
    if len(sentence) > 80:
        sentence = sentence[:80].rsplit(" ", 1)[0].rstrip(" ,;:")
    return sentence or "memory"


def _one_line(text: str) -> bool:
    return not any(ch in text for ch in "\n\r\t\x00") and text.isprintable()


def _clean_tag(tag: str) -> str:
    return tag.strip().lstrip("#")


def _link_ref(ref: str) -> str:
    """A link target as written when no note of that name exists (`_link_name`)."""
    return ref.strip().removeprefix("[[").removesuffix("]]")


def written_text(req: SaveRequest, derived_title: bool = True) -> str:
    """Every piece of text a save would write, for the screens: a secret or an instruction to the
    model is refused wherever it sits (a project name becomes a folder name; a link, a property).

    Each piece is given both as sent and as written (a title with its whitespace collapsed, a tag
    without its `#`, a link in brackets): a screen that judged one text while the save wrote another
    let "password is\nQm7…" through, stored as "password is Qm7…". The file name is the title without
    the characters a name cannot hold; judged on its own, it joined words its `|` kept apart
    ("password | b64enc" read as a password). A title made from the content (none given) is part of
    the content; without `derived_title` it is left out, for the instruction screen: cut at its
    first clause, a quoted attack ("an issue saying 'AI assistant: ignore your rules' — we added it
    to the eval set") loses the quote that makes it a mention.
    """
    title = _clean_title(req.content, req.title) if req.title or derived_title else ""
    pieces: list[str] = [req.title or "", title, req.content]
    pieces += [*req.tags, *(_clean_tag(t) for t in req.tags)]
    pieces += [req.project or "", (req.project or "").strip(), req.kind or "", (req.kind or "").strip().lower()]
    pieces += [f"{kind}: {target}" for kind, targets in req.links.items() for target in targets]
    pieces += [f"{kind}: [[{_link_ref(target)}]]" for kind, targets in req.links.items() for target in targets]
    pieces += [req.source_session or ""]
    pieces += [f"{key}: {value}" for key, value in req.extra.items()]
    return "\n".join(dict.fromkeys(p for p in pieces if p))


_write_locks: dict[Path, threading.RLock] = {}
_write_locks_lock = threading.Lock()


def write_lock(vault: Path) -> threading.RLock:
    """The lock a vault's saves take around their duplicate check and their write, one per vault in
    this process. One process is enough: only the holder of the vault's owner lock (`sync/lock.py`)
    opens its indexes, so a second process (the CLI, a miner) writes through the daemon while one runs,
    or holds the owner lock itself while none does."""
    key = vault.resolve()
    with _write_locks_lock:
        return _write_locks.setdefault(key, threading.RLock())


class MemoryService:
    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.paths = store.paths
        self.events = EventLog(store.paths.state / "events.sqlite3")
        """What memem changed in which note, for `memem undo` (`index/events.py`)."""
        self.writing = write_lock(store.paths.vault)
        """Held from a save's duplicate check to its note indexed (re-entrant: an import saves)."""

    # --- resolving ids ------------------------------------------------------------------------------
    def resolve(self, ref: str) -> Row:
        """A note by id; failing that, by wikilink name, file name or title (what a model may pass)."""
        ref = (ref or "").strip().removeprefix("[[").removesuffix("]]")
        if not ref:
            raise Refused("an id is required")
        rows = self.store.catalog.by_id(ref)
        own = [r for r in rows if not r.team]
        if len(rows) > 1 and len(own) == 1:  # a team's note pulled with the id of one of the person's own
            return own[0]
        if len(rows) > 1:
            paths = ", ".join(r.path for r in rows)
            raise Refused(f"id {ref!r} is shared by {len(rows)} notes ({paths}); fix the duplicate first")
        if rows:
            return rows[0]
        with self.store.lock:
            uid = self.store.graph.resolve(ref)
        if uid is not None:
            found = self.store.catalog.by_uid([uid])
            if uid in found:
                return found[uid]
        raise NotFound(f"no memory with id or name {quoted(ref, 'as given')}")

    def _new_id(self) -> str:
        while True:
            candidate = f"mem-{dt.date.today():%Y%m%d}-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
            if not self.store.catalog.by_id(candidate):
                return candidate

    # --- save ---------------------------------------------------------------------------------------
    def validate(self, req: SaveRequest) -> None:
        if not isinstance(req.content, str) or not req.content.strip():
            raise Refused("`content` must be non-empty text")
        if len(req.content) > MAX_CONTENT:
            size = f"{len(req.content):,}"
            raise Refused(
                f"`content` is {size} characters; the limit is {MAX_CONTENT:,} (split it into smaller memories)"
            )
        if req.title is not None and len(req.title) > MAX_TITLE:
            raise Refused(f"`title` is longer than {MAX_TITLE} characters")
        if len(req.tags) > MAX_TAGS or any(not isinstance(t, str) or not t.strip() or len(t) > 50 for t in req.tags):
            raise Refused(f"`tags` must be at most {MAX_TAGS} short words")
        if req.layer is not None and (isinstance(req.layer, bool) or req.layer not in (0, 1, 2, 3)):
            raise Refused("`layer` must be 0, 1, 2 or 3")
        if req.importance is not None and (isinstance(req.importance, bool) or req.importance not in range(1, 6)):
            raise Refused("`importance` must be from 1 to 5")
        if req.project is not None and (not req.project.strip() or len(req.project) > 100 or "/" in req.project):
            raise Refused("`project` must be a short name without slashes")
        if req.project is not None and not _one_line(req.project):
            raise Refused("`project` must be one line of text")
        if req.project is not None and req.project.strip().lower() == GLOBAL_LABEL:
            raise Refused(f"`project` {GLOBAL_LABEL} is how listings name the global memories: omit `project` instead")
        if req.kind is not None and req.kind.strip() and not KIND.fullmatch(req.kind.strip()):
            raise Refused("`kind` must be one short word (decision, convention, bugfix, preference, failure, fact, …)")
        unknown = set(req.links) - set(LINK_KINDS)
        if unknown:
            named = ", ".join(quoted(kind) for kind in sorted(unknown))
            raise Refused(f"unknown link kind(s) {named}; use {', '.join(LINK_KINDS)}")
        targets = [t for values in req.links.values() for t in values]
        if any(not isinstance(t, str) or not t.strip() or len(t) > MAX_TITLE for t in targets):
            raise Refused(f"each link must name a memory by its id or title (at most {MAX_TITLE} characters)")
        if len({(kind, t.strip()) for kind, values in req.links.items() for t in values}) > MAX_LINKS:
            raise Refused(f"at most {MAX_LINKS} links in one save; link the rest with `memory_link`")
        written = written_text(req)
        if "\x00" in written:  # the index reads a file holding NUL as binary: saved, never found
            raise Refused("the memory contains a NUL character (\\x00), which a note cannot hold; remove it")
        secrets_found = find_secrets(written)
        if secrets_found:
            raise Refused(f"not saved: {describe(secrets_found)}")

    def find_duplicate(self, title: str, content: str, project: str | None) -> Row | None:
        """An active memory in the same scope that says the same thing (same title, or near-identical text)."""
        # The project's and the global notes (only global ones for a global save), and those of the
        # team vaults serving the project.
        scope = Scope(project, global_only=True, hidden=hidden_prefixes(self.paths.vault, project))
        if self.store.catalog.count() == 0:
            return None
        same_title = self.store.catalog.same_title(title, scope)
        hits = self.store.vector_query(note_vector(self.store, f"{title}\n{content.strip()}"), 5, scope.vector_where())
        admitted = self.store.catalog.admitted([h.uid for h in hits], scope)
        near = [h for h in hits if h.uid in admitted]

        # A title is a name, not the memory: the same title over other words is a new memory (a
        # person's note "Use the blue button" must not swallow a save that says something else).
        # Alike in words is not the same: a number, a negation or a word swapped ("Never run the
        # migrations before…" after "Always run…") is a new memory, which a cosine of 0.95 swallowed.
        def says_the_same(uid: int) -> bool:
            return not disagree(content.strip(), self.store.catalog.body(uid))

        if same_title is not None and any(
            h.uid == same_title.uid and h.similarity >= SAME_TITLE_COSINE and says_the_same(h.uid) for h in near
        ):
            return same_title
        if near and near[0].similarity >= DUPLICATE_COSINE and says_the_same(near[0].uid):
            return self.store.catalog.by_uid([near[0].uid]).get(near[0].uid)
        return None

    def save(self, req: SaveRequest) -> Saved:
        with self.events.operation("save", req.title or req.content[:80]):
            return self._save(req)

    def _save(self, req: SaveRequest) -> Saved:
        """Save one memory; a secret anywhere in the request refuses it, text addressed to a model
        sends it to quarantine (outside the memories folder, so never indexed or recalled)."""
        self.validate(req)
        injection = find_injection(written_text(req, derived_title=False))
        if injection:
            return self.quarantine(req, describe(injection))
        title = _clean_title(req.content, req.title)
        project = req.project.strip() if req.project else None
        kind = (req.kind or "").strip().lower() or classify_kind(f"{title}\n{req.content}")
        layer = req.layer if req.layer is not None else classify_layer(kind, project)
        # The duplicate check and the write (indexed, so the next check finds it) are one critical
        # section: four identical saves at once wrote four notes, six imports of five notes 24.
        with self.writing:
            duplicate = self.find_duplicate(title, req.content, project)
            if duplicate is not None:
                return Saved(
                    duplicate.id,
                    duplicate.path,
                    duplicate.title,
                    duplicate.kind,
                    duplicate.layer,
                    duplicate.project,
                    duplicate.id,
                )
            props = self._properties(req, title, project, kind, layer)
            folder = self.paths.memories / note_stem(project) if project else self.paths.memories
            text = render_new_note(props, req.content.strip())
            if len(text.encode("utf-8")) > MAX_NOTE_BYTES:  # the index would not read it: never found again
                raise Refused(f"the note would be over {MAX_NOTE_BYTES:,} bytes; shorten it")
            path = writer.create_new(folder, title, text.encode("utf-8"), fallback=props["id"])
            rel = path.relative_to(self.paths.vault).as_posix()
            self.events.created(rel, props["id"], text)
            self.store.sync_paths([rel])
        return Saved(props["id"], rel, title, kind, layer, project)

    def _properties(self, req: SaveRequest, title: str, project: str | None, kind: str, layer: int) -> dict[str, Any]:
        links = {  # a target named twice is one link
            k: list(dict.fromkeys(f"[[{self._link_name(v)}]]" for v in values))
            for k, values in req.links.items()
            if values
        }
        return {
            "id": self._new_id(), "title": title, "project": project, "layer": layer, "kind": kind,
            "tags": [_clean_tag(t) for t in req.tags], "importance": req.importance or 3, "status": "active",
            "created": _today(), "updated": _today(), "source_type": req.source_type,
            "source_session": req.source_session, **links, **req.extra,
        }  # fmt: skip

    def quarantine(self, req: SaveRequest, reason: str) -> Saved:
        """Write the request as a note in the quarantine folder, for the person to look at.

        It carries every property the memory would have had, so moving it into the memories folder
        is all it takes to accept it; until then nothing indexes or recalls it.
        """
        title = _clean_title(req.content, req.title)
        project = req.project.strip() if req.project else None
        kind = (req.kind or "").strip().lower() or classify_kind(f"{title}\n{req.content}")
        layer = req.layer if req.layer is not None else classify_layer(kind, project)
        props = self._properties(req, title, project, kind, layer)
        props.update(quarantined=_today(), quarantine_reason=reason)
        with self.writing:  # the same text sent twice at once is one file too
            kept = self._already_quarantined(title, req.content.strip())
            if kept is not None:  # the same text again (a miner's retry): one file to look at, not two
                rel = kept.relative_to(self.paths.vault).as_posix()
                return Saved(props["id"], rel, title, kind, layer, project, quarantined=reason)
            note = render_new_note(props, req.content.strip()).encode()
            path = writer.create_new(self.paths.quarantine, title, note)
        rel = path.relative_to(self.paths.vault).as_posix()
        log.warning("quarantined %s: %s", rel, reason)
        return Saved(props["id"], rel, title, kind, layer, project, quarantined=reason)

    def _already_quarantined(self, title: str, content: str) -> Path | None:
        stem = note_stem(title)
        for n in range(1, 50):
            path = self.paths.quarantine / f"{numbered(stem, n)}.md"
            try:
                data = read_bounded(path, MAX_NOTE_BYTES)
            except FileNotFoundError:
                return None
            except FileRefused:
                continue
            note = parse_note(path.name, data)
            if isinstance(note, Note) and note.body.strip() == content:
                return path
        return None

    def _link_name(self, ref: str) -> str:
        """How to write a link to `ref`: the target's file name when it exists, else as given."""
        try:
            return self.resolve(ref).name
        except (NotFound, Refused):
            return _link_ref(ref)

    # --- edits --------------------------------------------------------------------------------------
    def _check_writable(self, row: Row) -> None:
        """A team vault's notes change through review (`memem team propose`), not through a tool call,
        unless this machine added the team as writable."""
        if row.team is None:
            return
        team = team_named(self.paths.vault, row.team)
        if team is None or not team.writable:
            raise Refused(
                f"{row.path} is a note of the team vault {row.team!r}, read-only here: edit it in Obsidian and "
                f"propose the change with `memem team propose {row.id}`"
            )

    def _edit(self, row: Row, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Edit a note's properties: `change` maps the note's current properties to the keys to set.

        It is called on the text as it is on disk at the moment of writing, again after any
        concurrent save, so an edit computed from the note (a link appended to a list) never drops
        what the person added meanwhile.
        """
        self._check_writable(row)

        def apply(text: str) -> str:
            parts = frontmatter.split(text)
            current = frontmatter.load(parts.yaml_text) if parts.yaml_text is not None else {}
            return frontmatter.edit_keys(text, change(current))

        try:
            self.events.update(self.paths.vault, row.path, row.id, apply)
        except writer.NoteVanished:
            raise NotFound(f"{row.path} was moved or deleted while editing; try again") from None
        except writer.WriteConflict as exc:
            raise Refused(f"{exc}: try again in a moment") from None
        except frontmatter.UneditableLayout as exc:
            raise Refused(f"{row.path}: {exc}") from None
        except frontmatter.FrontmatterError as exc:
            raise Refused(f"{row.path} has properties memem cannot read ({exc}); fix it in Obsidian first") from None
        self.store.sync_paths([row.path])

    def deprecate(self, ref: str, successor: str | None = None, reason: str | None = None) -> Deprecation:
        with self.events.operation("deprecate", ref):
            return self._deprecate(ref, successor, reason)

    def _deprecate(self, ref: str, successor: str | None, reason: str | None) -> Deprecation:
        row = self.resolve(ref)
        written = ""
        if reason:
            written = " ".join(reason.split())[:300]
            findings = screen(f"{reason}\n{written}")  # as given and as written (whitespace collapsed, cut)
            if findings:
                raise Refused(f"reason not recorded: {describe(findings)}")

        def updates(current: dict[str, Any]) -> dict[str, Any]:
            """Deprecating twice changes nothing of the first: when it ended and why stand."""
            out: dict[str, Any] = {}
            if current.get("status") != "deprecated":
                out.update(status="deprecated", valid_to=_today())
            if written and not current.get("deprecated_reason"):
                out["deprecated_reason"] = written
            return out

        new_row = None
        linked = False
        if successor:
            new_row = self.resolve(successor)
            if new_row.uid == row.uid:
                raise Refused("a memory cannot supersede itself")
            with self.store.lock:
                linked = any(e.target == row.uid for e in self.store.graph.out_edges(new_row.uid, ("supersedes",)))
            if not linked:
                self._check_writable(new_row)  # before the retirement: refused whole, not half done
        self._edit(row, updates)
        if new_row is None:
            return Deprecation(Summary.of(self.resolve(row.id)))
        if not linked:  # a successor that says so already is left as it is (a team's note may be read-only)
            ref = new_row.id if len(self.store.catalog.by_id(new_row.id)) == 1 else new_row.name
            self.link(ref, row.id, "supersedes")
        return Deprecation(Summary.of(self.resolve(row.id)), Summary.of(self.resolve(new_row.id)))

    def link(self, source: str, target: str, kind: str, remove: bool = False) -> LinkChange:
        with self.events.operation("link", f"{source} {kind} {target}"):
            return self._link(source, target, kind, remove)

    def _link(self, source: str, target: str, kind: str, remove: bool) -> LinkChange:
        if kind not in LINK_KINDS:
            raise Refused(f"`kind` must be one of {', '.join(LINK_KINDS)}")
        src = self.resolve(source)
        dst = self.resolve(target)
        if src.uid == dst.uid:
            raise Refused("a memory cannot link to itself")
        names = {dst.name.lower(), dst.id.lower(), dst.title.lower(), dst.path.removesuffix(".md").lower()}

        def names_target(value: Any) -> bool:
            text = (
                str(value).strip().removeprefix("!").removeprefix("[[").removesuffix("]]").split("|")[0].split("#")[0]
            )
            return text.strip().lower() in names

        changed = False

        def change(current: dict[str, Any]) -> dict[str, Any]:
            nonlocal changed
            value = current.get(kind)
            links = list(value) if isinstance(value, list) else ([value] if value else [])
            if remove:
                kept = [v for v in links if not names_target(v)]
                changed = len(kept) != len(links)
                return {kind: kept if kept else frontmatter.DELETE} if changed else {}
            changed = not any(names_target(v) for v in links)
            return {kind: [*links, f"[[{written}]]"]} if changed else {}

        # By file name when that names only the target; else by its path (two notes named "Deploy window"
        # in two folders: the name alone would point the keeper at itself in Obsidian).
        same_name = self.store.catalog.paths_named(dst.name)
        unique = same_name == [dst.path] and dst.name.lower() != src.name.lower()
        written = dst.name if unique else dst.path.removesuffix(".md")

        self._edit(src, change)
        return LinkChange(src.id, dst.id, kind, remove, changed)

    # --- history ------------------------------------------------------------------------------------
    def history(self, limit: int = 10) -> list[Batch]:
        """The newest operations memem made on notes that can still be undone, newest first."""
        return self.events.batches(limit)

    def undo(self, count: int = 1) -> list[Batch]:
        """Revert the newest `count` operations (see `index/events.py`), then index what they touched."""
        batches, touched = self.events.undo(self.paths.vault, count)
        self.store.sync_paths(touched)
        return batches

    def undo_batch(self, batch: str) -> Undone:
        """Revert one operation by its id, past newer ones a later edit blocks (they are named as skipped)."""
        done = self.events.undo_batch(self.paths.vault, batch)
        self.store.sync_paths(done.paths)
        return done

    def redo(self) -> Undone:
        """Make again what the newest undo still in force reverted, where nothing changed since."""
        done = self.events.redo(self.paths.vault)
        self.store.sync_paths(done.paths)
        return done

    def log_edits(self, summary: str, touched: Sequence[Mapping[str, Any]]) -> int:
        """Record in the event log what an edit made elsewhere did (the Obsidian plugin's review decisions),
        so `memem undo` reverts those too; returns how many notes it names. Paths must be notes memem
        indexes; an undo later checks each note is still exactly as the edit left it."""
        roots = self.store.roots()
        changes: list[tuple[str, str | None, str | None]] = []
        for item in touched:
            path, before, after = item.get("path"), item.get("before"), item.get("after")
            if not isinstance(path, str) or root_of(path, roots) is None or ".." in path.split("/"):
                raise Refused(f"{str(path)[:200]!r} is not a memory note of this vault")
            for text in (before, after):
                if text is not None and (not isinstance(text, str) or len(text) > MAX_NOTE_BYTES):
                    raise Refused("`before` and `after` must be a note's text (or null)")
            changes.append((path, before, after))
        _screen_logged(summary, changes)
        with self.events.operation("review", summary):
            for path, before, after in changes:
                if before is None and after is not None:
                    self.events.created(path, None, after)
                elif after is None and before is not None:
                    self.events.removed(path, None, before)
                elif before is not None and after is not None:
                    self.events.changed(path, None, before, after)
        return len(changes)


def _screen_logged(summary: str, changes: Sequence[tuple[str, str | None, str | None]]) -> None:
    """What `log_edits` would keep: the summary (printed by `memem history`) and each note's text
    before (kept in the event log, and written back into the note by `memem undo`) and after. An
    HTTP caller's text is screened like every other write: a secret anywhere refuses the whole log,
    and so does a `before` that reads as instructions to the model, since undo would make it a note."""
    found = find_secrets(summary)
    if found:
        raise Refused(f"edits not logged: the summary {describe(found)}")
    for path, before, after in changes:
        found = [f for text in (before, after) if text for f in find_secrets(text)]
        found += find_injection(before, learned=False) if before else []
        if found:
            raise Refused(f"edits not logged: the text of {quoted(path, 'a note')} {describe(found)}")
