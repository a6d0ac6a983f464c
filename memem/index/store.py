"""The one writer of every index: catalog (SQLite + FTS5), vectors (chromadb) and the graph.

Every path into the indexes, a full reconcile or a single file event from the watcher, ends in
`IndexStore.apply`, so there is one set of rules for what a change means:

- same bytes as indexed: remember the new stat, nothing else;
- new bytes, same embedded text (a property edit): rewrite the row, keep the vector;
- a note at a new path whose id belongs to a row whose file is gone: a rename — the row, uid and
  vector move with it, nothing is re-embedded;
- a file that cannot be read as a note: reported, and out of the indexes until it can be;
- a path that is gone: out of every index.

Order of writes, for crash safety: the SQLite rows commit first with the vector marked stale, then
the vectors are written, then marked fresh. A kill at any point leaves stale marks (re-embedded on
the next start) or orphan vectors (swept on the next start), never a note the indexes lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memem.config import OWN_FOLDERS, Paths
from memem.errors import Unavailable
from memem.graph.memory_graph import MemoryGraph
from memem.index.catalog import Catalog, Row
from memem.index.embeddings import EmbedderChoice, load_embedder, token_embedder
from memem.index.embeddings.fallback import HashEmbedder
from memem.index.ledger import RecallLedger
from memem.index.shared import SharedConfig, SharedIndex, SharedUnavailable
from memem.index.token_states import TokenStates, states_file
from memem.index.vectors import VectorHit, VectorStore
from memem.index.verdicts import PairVerdicts
from memem.settings import settings
from memem.terminal import printable
from memem.vault import writer
from memem.vault.filenames import is_candidate_name
from memem.vault.files import FileRefused, read_bounded
from memem.vault.note import MAX_NOTE_BYTES, BadNote, Note, embed_text, parse_note
from memem.vault.scan import (
    NOT_UTF8_FILE,
    SYMLINKED_FOLDER,
    FileStat,
    FolderLinks,
    outermost,
    root_of,
    safe_rel,
    stat_one,
    walk,
    walk_under,
)
from memem.vault.teams import memory_roots, team_of, teams

log = logging.getLogger(__name__)
LOGGED_BAD_NOTES = 50  # new bad notes named per reconcile; the rest counted (20,000 empty files were each named)
NOTE_CHECKS = "7"
"""What parsing checks a note for; raised when a check is added or widened, so every note is read again
(2: text addressed to a model; 3: a secret; 4: both screens widened on 2026-12-06; 5: properties read
as YAML 1.2, a property given twice warned about; 6: both screens widened by blind sets, a CPU budget
per note, the learned check on a team's notes; 7: a text property's yes/no value read as written,
`title: true` as "true"). Raise it too when `planted.bin` is retrained: a
team's notes are judged by it when parsed."""

BATCH = 128
EMBED_BATCH = 256
"""Notes embedded together (sorted by length inside, so similar lengths share padding); a save waits
at most one such batch while a full index runs."""
TOKEN_BATCH = 32
"""Notes whose token states are held in float32 at once, between the model's run and the int8 store: of
similar length, one batch of the embedder's (`embeddings.padding.BATCH`)."""
RECONCILE_ERROR = "last_reconcile_error"
"""Catalog meta key holding why the last full reconcile failed (absent after a success)."""
METADATA_PENDING = "vector_metadata_pending"
"""Catalog meta: uids whose vectors' metadata (status, project, layer) is still to be rewritten to match
their rows, written in the rows' own transaction, so a kill between the two writes is finished later."""
RACY_WINDOW_NS = 2_000_000_000
"""A file modified within 2 s of being indexed may have changed again within the same mtime tick."""


def _shared_from_settings() -> SharedConfig | None:
    current = settings()
    if not current.chroma_url:
        return None
    return SharedConfig(current.chroma_url, current.chroma_token, current.chroma_role)


class VaultGone(Unavailable, FileNotFoundError):
    """The vault's folder is not there (deleted, moved, or on a drive that is not mounted).

    A reconcile then refuses rather than read the absence as "every note deleted": dropping the
    indexes would cost a full re-embed when an unmounted drive comes back.
    """


Progress = Callable[[str, int, int], None]
"""Called as progress(phase, done, total); phases are "reading", "embedding" and "token states" (a
vault indexed before memem kept them, or a team's notes embedded on their server: see
`backfill_token_states`)."""


@dataclass
class ApplyReport:
    added: int = 0
    updated: int = 0
    moved: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0
    token_states: int = 0  # notes whose token states a backfill computed (their vectors were fresh)
    bad: list[BadNote] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.moved + self.deleted


def read_note_file(
    vault: Path, st: FileStat, max_bytes: int = MAX_NOTE_BYTES, memories: str | None = None
) -> Note | BadNote | None:
    """One note's bytes, read so that no file can hang or flood the reader; None if it is gone.

    The walk saw a regular file, but what is at the path when it is opened may be anything by now (a
    pipe, a symlink, a file grown past the limit, a folder on the way swapped for a symlink). With
    `memories` (the memories folder, relative to the vault), no folder below it may be a symlink.
    """
    path = vault / st.path
    real = None
    if memories is not None:
        real = (vault / memories).resolve() / Path(st.path).relative_to(memories)
    try:
        raw = read_bounded(path, max_bytes, real_path=real)
    except FileNotFoundError:
        return None
    except FileRefused as exc:
        return BadNote(st.path, str(exc))
    return parse_note(st.path, raw)


def _note_file(path: Path) -> bool:
    """Whether a regular file is at `path`: a note replaced by a folder, a pipe or a symlink is gone
    as a note (its own event or walk reports what is there now); without this, a note replaced by a
    folder of its name stayed indexed for good."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


class IndexStore:
    """Opened by the daemon, or by a CLI command when no daemon runs (under the same lock)."""

    def __init__(
        self, paths: Paths, embedder: EmbedderChoice | None = None, shared: SharedConfig | None = None
    ) -> None:
        paths.ensure_state()
        self.paths = paths
        # The opener holds the owner lock and writes nothing yet: the moment to finish or undo any
        # vault write a killed process left half done.
        for folder in (*(paths.vault / root for root in self.roots()), *(paths.vault / own for own in OWN_FOLDERS)):
            writer.recover(folder)
        self.catalog = Catalog(paths.catalog_db)
        self.choice = embedder or load_embedder(paths.models_dir)
        self.embedder = self.choice.embedder
        self.vectors = VectorStore(paths.chroma_dir, self.embedder)
        config = shared or _shared_from_settings()
        self.shared = SharedIndex(config, self.embedder) if config is not None else None
        """The team vaults' vectors on a Chroma server (`memem.index.shared`); None: they are kept here."""
        self.ledger = RecallLedger(paths.state / "ledger.sqlite3")
        """What recall showed, when (`index/ledger.py`): memem's state, not the notes'."""
        self.verdicts = PairVerdicts(paths.state / "verdicts.sqlite3")
        """A model's answers about pairs of notes (`index/verdicts.py`), for consolidation."""
        self.token_embedder = token_embedder(self.embedder) if settings().late == "on" else None
        self.token_states = (
            TokenStates(states_file(paths.state, self.embedder.name), self.embedder.name)
            if self.token_embedder
            else None
        )
        """Each note's token states for recall's late-interaction stage (`index/token_states.py`); None
        when the embedder gives none (the hash fallback) or the stage is off (`MEMEM_LATE=off`: nothing is
        computed or stored for it then; turned on again, the next reconcile fills in what is missing)."""
        self.lock = threading.RLock()  # guards the graph
        self.write_lock = threading.RLock()  # one writer at a time: the sync loop, or a request thread
        self._check_model()
        self._check_shared_mode()
        self._check_note_checks()
        self.graph = MemoryGraph.from_notes(row.graph_note() for row in self.catalog.rows())

    def close(self) -> None:
        self.catalog.close()
        self.ledger.close()
        self.verdicts.close()
        if self.token_states is not None:
            self.token_states.close()

    def roots(self) -> tuple[str, ...]:
        """The vault-relative folders whose notes are indexed: the person's memories, then each team
        vault's (`memem.teams`); read each time, so a team added while the daemon runs is followed."""
        return memory_roots(self.paths.vault, self.paths.memories_folder)

    # --- model changes ------------------------------------------------------------------------------
    def _check_model(self) -> None:
        """Vectors made by another embedding function are useless here: mark every vector stale, then
        trust again those this model made earlier of the same text (`_restore_vectors`).

        The other model's vectors are kept, in their own collection: a command run once under another
        `MEMEM_EMBEDDER` (or with the model failing to load, on the hash fallback) must not cost the
        real model's vectors, nor a full re-embedding when it is back. Only the hash fallback's own
        vectors, cheap to make, are dropped."""
        previous = self.catalog.get_meta("embedder")
        if previous == self.embedder.name:
            return
        with self.catalog.transaction() as conn:
            self.catalog.clear_vectors(conn)
            self.catalog.set_meta(conn, "embedder", self.embedder.name)
        restored = self._restore_vectors()
        if previous:
            log.warning(
                "embedding function changed from %s to %s: %d notes keep vectors this model made before, the "
                "others are embedded again (the vectors of %s are kept for a switch back)",
                previous, self.embedder.name, restored, previous,
            )  # fmt: skip
            if previous == HashEmbedder.name:
                self.vectors.drop_collection_for(previous)

    def _restore_vectors(self) -> int:
        """Mark fresh the notes whose vector in this model's collection was made from their current
        text (a catalog built again, a model switched back to); the rest stay stale and are re-embedded,
        and hidden from vector search until then (`vector_query`). A restored vector's metadata
        (project, status, layer) is rewritten from its row: they may have changed meanwhile."""
        kept = self.vectors.hashes()
        if not kept:
            return 0
        wanted = self.catalog.embed_hashes()
        same = [(uid, digest) for uid, digest in kept.items() if wanted.get(uid) == digest]
        rows = self.catalog.by_uid([uid for uid, _ in same])
        same = [(uid, digest) for uid, digest in same if uid in rows and not self.is_shared(rows[uid])]
        with self.catalog.transaction() as conn:
            for uid, digest in same:
                self.catalog.mark_vector_fresh(conn, uid, digest)
            self._metadata_pending(conn, [uid for uid, _ in same])
        self._finish_metadata()
        return len(same)

    def _unmark_lost_vectors(self) -> int:
        """Notes the catalog holds embedded whose vector is not in the collection (its folder deleted,
        a collection dropped by hand): marked stale, so this reconcile embeds them again."""
        fresh = {uid for uid, path, _ in self.catalog.fresh_vectors() if not self.shared_path(path)}
        lost = fresh - self.vectors.ids() if fresh else set()
        if lost:
            log.warning("%d notes had lost their vectors: embedding them again", len(lost))
            with self.catalog.transaction() as conn:
                for uid in lost:
                    self.catalog.set_vector_hash(conn, uid, None)
        return len(lost)

    def _finish_metadata(self) -> None:
        """Rewrite the vector metadata pending (rows a killed process committed, vectors restored); a
        vector whose metadata cannot be written is marked stale instead, to be made again."""
        pending = self._pending_metadata()
        if not pending:
            return
        rows = self.catalog.by_uid(pending)
        fresh = [r for r in rows.values() if not self.is_shared(r) and r.vector_hash == r.embed_hash]
        try:
            self.vectors.update_metadata(fresh)
        except Exception:
            log.exception("could not rewrite vector metadata; re-embedding those notes")
            with self.catalog.transaction() as conn:
                for row in fresh:
                    self.catalog.set_vector_hash(conn, row.uid, None)
                self._metadata_done(conn, pending)
            return
        with self.catalog.transaction() as conn:
            self._metadata_done(conn, pending)

    def _pending_metadata(self) -> set[int]:
        return set(json.loads(self.catalog.get_meta(METADATA_PENDING) or "[]"))

    def _metadata_pending(self, conn: sqlite3.Connection, uids: Sequence[int]) -> None:
        """Record, in the caller's transaction, that these notes' vector metadata is to be rewritten."""
        if uids:
            self.catalog.set_meta(conn, METADATA_PENDING, json.dumps(sorted(self._pending_metadata() | set(uids))))

    def _metadata_done(self, conn: sqlite3.Connection, uids: Iterable[int]) -> None:
        """These notes' vector metadata matches their rows now (or their vectors are stale): no longer pending."""
        left = self._pending_metadata() - set(uids)
        if left:
            self.catalog.set_meta(conn, METADATA_PENDING, json.dumps(sorted(left)))
        else:
            self.catalog.delete_meta(conn, METADATA_PENDING)

    def _check_note_checks(self) -> None:
        """A memem that checks notes for more than the one that indexed them (NOTE_CHECKS) reads every
        note again at the next reconcile, so an old catalog gets the new marks (text addressed to a
        model, a secret: `vault.withheld`); nothing is re-embedded whose text did not change."""
        if self.catalog.get_meta("note_checks") == NOTE_CHECKS:
            return
        with self.catalog.transaction() as conn:
            self.catalog.forget_parses(conn)
            self.catalog.set_meta(conn, "note_checks", NOTE_CHECKS)

    def _check_shared_mode(self) -> None:
        """Team notes' vectors live here or on the server, never both: when that changes (a Chroma
        server configured or dropped), the team notes' vectors are marked stale, and local ones removed."""
        mode = f"{self.shared.config.shown_url} {self.shared.config.role}" if self.shared else "local"
        previous = self.catalog.get_meta("team_vectors")
        if previous == mode:
            return
        team_rows = [r for r in self.catalog.rows() if r.team is not None]
        with self.catalog.transaction() as conn:
            for row in team_rows:
                self.catalog.set_vector_hash(conn, row.uid, None)
            self.catalog.set_meta(conn, "team_vectors", mode)
        if self.shared is not None and team_rows:
            self.vectors.delete([r.uid for r in team_rows])
        if previous is not None:
            log.info("team vectors move from %s to %s", previous, mode)

    def is_shared(self, row: Row) -> bool:
        """True when this note's vector lives on the team's Chroma server."""
        return self.shared_path(row.path)

    def shared_path(self, path: str) -> bool:
        """`is_shared` for a note known only by its path (a whole-vault check builds no rows)."""
        return self.shared is not None and team_of(path) is not None

    def vector_query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[VectorHit]:
        """The collection's nearest vectors, only those of a note's current text: a stale one (a note
        edited a moment ago, a catalog built again whose uids name other notes now) would rank a note
        by words it no longer has, or by another note's."""
        hits = self.vectors.query(vector, k, where)
        fresh = self.catalog.fresh_of([h.uid for h in hits])
        return [h for h in hits if h.uid in fresh]

    def team_vector_hits(self, vector: np.ndarray, k: int, hidden: tuple[str, ...]) -> list[tuple[int, float]]:
        """(uid, similarity) of the team notes nearest `vector`, from the Chroma server; nothing when no
        server is configured, or while it is unreachable (recall then ranks them by full text)."""
        shared = self.shared
        if shared is None or (shared.reachable is False and not shared.retry_due()):
            return []
        found: list[tuple[int, float]] = []
        for team in teams(self.paths.vault):
            if team.prefix in hidden:
                continue
            try:
                hits = shared.query(team.declared, vector, k)
            except SharedUnavailable:
                return found
            for note_id, similarity in hits:
                row = next((r for r in self.catalog.by_id(note_id) if r.team == team.name), None)
                if row is not None:
                    found.append((row.uid, similarity))
        return found

    # --- reconcile ----------------------------------------------------------------------------------
    def require_vault(self) -> None:
        """Raise VaultGone unless the vault's folder is there."""
        if not self.paths.vault.is_dir():
            raise VaultGone(f"the vault folder {self.paths.vault} is gone; the indexes are left as they were")

    def reconcile(self, progress: Progress | None = None) -> ApplyReport:
        """Bring every index in line with the whole vault (start-up, `memem index`).

        The write lock is taken batch by batch, not for the whole run, so a save made while a first
        full index runs waits for one batch, not for the index.
        """
        self.require_vault()
        try:
            report = self._reconcile(progress)
        except Exception as exc:
            # Kept in the catalog, so `memem doctor` reports it even after the process that hit it exits.
            with contextlib.suppress(Exception), self.catalog.transaction() as conn:
                self.catalog.set_meta(conn, RECONCILE_ERROR, f"{type(exc).__name__}: {str(exc)[:300]}")
            raise
        if self.catalog.get_meta(RECONCILE_ERROR) is not None:
            with self.catalog.transaction() as conn:
                self.catalog.delete_meta(conn, RECONCILE_ERROR)
        return report

    def _reconcile(self, progress: Progress | None) -> ApplyReport:
        started = time.monotonic()
        vault = self.paths.vault
        known = self.catalog.stats()
        entries = [entry for root in self.roots() for entry in walk(vault, root)]
        seen: set[str] = set()
        bad: list[BadNote] = []
        to_read: list[FileStat] = []
        unchanged = 0
        indexed_at = self.catalog.indexed_at()
        for entry in entries:
            seen.add(entry.path)
            if isinstance(entry, BadNote):
                bad.append(entry)
                continue
            row = known.get(entry.path)
            if row is not None and row[1:] == (entry.size, entry.mtime_ns, entry.inode, entry.ctime_ns):
                racy = entry.mtime_ns >= int(indexed_at.get(entry.path, 0) * 1e9) - RACY_WINDOW_NS
                if not racy:
                    unchanged += 1
                    continue
            to_read.append(entry)
        gone = [p for p in known if p not in seen and self.catalog.by_path(p) is not None]
        with self.write_lock:
            self._finish_metadata()
        report = self._apply_files(to_read, gone, bad, progress=progress, full=True)
        report.unchanged += unchanged
        with self.write_lock:
            if self.catalog.new:  # its rows exist now: vectors kept from before serve the notes of their text
                self._restore_vectors()
                self.catalog.new = False
            self._unmark_lost_vectors()
        report.embedded += self.embed_pending(progress)
        report.token_states += self.backfill_token_states(progress)
        self.sweep_orphan_vectors()
        report.seconds = time.monotonic() - started
        return report

    def sync_paths(self, rel_paths: Iterable[str]) -> ApplyReport:
        """Re-examine just these vault-relative paths (the watcher's debounced events, a write just made).

        A path ending in `/` is a folder whose event said its contents moved, went or came: what the
        catalog had under it and what is under it now (walked by the scan's rules) are re-examined."""
        with self.write_lock:
            return self._sync_paths(rel_paths)

    def _sync_paths(self, rel_paths: Iterable[str]) -> ApplyReport:
        # Runs under the write lock (the caller holds it); the nested acquisitions below are re-entrant.
        started = time.monotonic()
        vault = self.paths.vault
        self.require_vault()
        roots = self.roots()
        wanted = list(dict.fromkeys(rel_paths))
        singles = [rel for rel in wanted if not rel.endswith("/")]
        walked: dict[str, FileStat | BadNote] = {}
        for folder in outermost([rel for rel in wanted if rel.endswith("/")]):
            if safe_rel(folder) == folder:  # a folder whose name is not UTF-8 holds nothing the catalog knows
                singles.extend(self.catalog.paths_under(folder))
            walked.update((entry.path, entry) for entry in walk_under(vault, roots, folder))
        stats: list[FileStat] = [e for e in walked.values() if isinstance(e, FileStat)]
        bad: list[BadNote] = [e for e in walked.values() if isinstance(e, BadNote)]
        gone: list[str] = []
        links: FolderLinks = {}  # the batch's paths share folders: each is asked once whether it is a symlink
        for rel in dict.fromkeys(singles):
            if rel in walked:
                continue
            report_key = self._folder(vault, rel, roots, links)
            if isinstance(report_key, BadNote):
                bad.append(report_key)
                continue
            if report_key is not None:
                gone.append(report_key)
                continue
            root = root_of(rel, roots)
            if root is None:
                known = self.catalog.by_path(safe_rel(rel))
                if known is not None:
                    gone.append(known.path)  # under a team folder that was just removed
                continue
            entry = stat_one(vault, root, rel, links=links)
            if entry is None:
                gone.append(safe_rel(rel))
            elif isinstance(entry, BadNote):
                bad.append(entry)
            else:
                stats.append(entry)
        # A folder's report can come from its own event and from the walk of the folder above it.
        report = self._apply_files(stats, gone, list(dict.fromkeys(bad)), progress=None, full=False)
        touched = [r.uid for r in (self.catalog.by_path(s.path) for s in stats) if r is not None]
        report.embedded += self.embed_pending(only=touched)
        report.seconds = time.monotonic() - started
        return report

    def _folder(self, vault: Path, rel: str, roots: tuple[str, ...], links: FolderLinks) -> BadNote | str | None:
        """What a folder's own report becomes (reports about folders are keyed by their path and a
        `/`): a folder under a memories folder that moved or went clears its report (its key is
        returned, as gone); a symlinked folder there is reported as the walk reports it (a BadNote);
        any other path is not this method's (None)."""
        under = next((r for r in roots if rel.startswith(r.rstrip("/") + "/")), None)
        if under is None:
            return None
        try:
            mode = os.lstat(vault / rel).st_mode
        except OSError:
            key = safe_rel(rel) + "/"
            return key if self.catalog.has_bad(key) else None
        if stat.S_ISDIR(mode) or is_candidate_name(rel.rsplit("/", 1)[-1]):
            return None  # a folder has nothing to report of itself (the walk reports what it holds)
        entry = stat_one(vault, under, rel, links=links)
        return entry if isinstance(entry, BadNote) and entry.reason == SYMLINKED_FOLDER else None

    # --- the one apply path -------------------------------------------------------------------------
    def _apply_files(
        self,
        to_read: Sequence[FileStat],
        gone: Sequence[str],
        bad: Sequence[BadNote],
        progress: Progress | None,
        full: bool,
    ) -> ApplyReport:
        report = ApplyReport()
        vault = self.paths.vault
        total = len(to_read)
        gone_rows = {p: self.catalog.by_path(p) for p in gone}
        gone_by_id: dict[str, list[Row]] = {}
        for row in gone_rows.values():
            if row is not None:
                gone_by_id.setdefault(row.id, []).append(row)
        reused: set[int] = set()
        all_bad = list(bad)
        roots = self.roots()
        done = 0
        for start in range(0, max(total, 1), BATCH):
            chunk = to_read[start : start + BATCH]
            parsed: list[tuple[FileStat, Note]] = []
            for st in chunk:
                result = read_note_file(vault, st, memories=root_of(st.path, roots) or self.paths.memories_folder)
                if result is None:
                    if st.path not in gone_rows:
                        gone_rows[st.path] = self.catalog.by_path(st.path)
                elif isinstance(result, BadNote):
                    all_bad.append(result)
                else:
                    parsed.append((st, result))
            with self.write_lock:
                all_bad.extend(self._write_batch(parsed, gone_by_id, reused, report))
            done += len(chunk)
            if progress is not None and total:
                progress("reading", done, total)
        # A note memem has aside for an edit (in this process or another) is not gone: wait, as memem's
        # readers do, for it to come back, outside the transaction. Without the wait, an edit raced
        # by an editor's saves dropped the note's row for a moment: "no memory with id" in between.
        missing: dict[Path, list[Path]] = {}
        for path, row in gone_rows.items():
            if row is not None and not _note_file(vault / path):
                missing.setdefault((vault / path).parent, []).append(vault / path)
        for folder, paths in missing.items():
            aside = writer.aside_names(folder)
            for note in paths:
                if note.name in aside:
                    writer.wait_for_return(note)
        # Bad files: reported, and out of the indexes until they parse again.
        known = {(b.path, b.reason) for b in self.catalog.bad_notes()}
        with self.write_lock, self.catalog.transaction() as conn:
            if full:
                self.catalog.replace_bad(conn, all_bad)
            for item in all_bad:
                self.catalog.set_bad(conn, item)
                # A name that is not UTF-8 is reported in an escaped form (`caf\xe9.md`) that a real
                # note may have as its name: that note's row is its own, never this file's.
                row = None if item.reason == NOT_UTF8_FILE else self.catalog.by_path(item.path)
                if row is not None:
                    self._delete_row(conn, row)
                    report.deleted += 1
            for path, row in gone_rows.items():
                if _note_file(vault / path) and root_of(path, roots) is not None:
                    continue  # back already (an editor's or memem's own swap): its event follows
                self.catalog.clear_bad(conn, path)
                if row is not None and row.uid not in reused and self.catalog.by_path(path) is not None:
                    self._delete_row(conn, row)
                    report.deleted += 1
        # Said once, when a file turns bad (not again at every reconcile and command), and by name
        # only up to a point: `memem doctor` lists them all.
        new = [item for item in all_bad if (item.path, item.reason) not in known]
        for item in new[:LOGGED_BAD_NOTES]:
            log.warning("bad note %s: %s", printable(item.path), item.reason)
        if len(new) > LOGGED_BAD_NOTES:
            log.warning("… and %d more bad notes (`memem doctor` lists them all)", len(new) - LOGGED_BAD_NOTES)
        report.bad = all_bad
        return report

    def _write_batch(
        self,
        parsed: list[tuple[FileStat, Note]],
        gone_by_id: dict[str, list[Row]],
        reused: set[int],
        report: ApplyReport,
    ) -> list[BadNote]:
        """Write a batch of parsed notes in one transaction, each inside its own savepoint.

        A note the catalog refuses (whatever the reason) rolls back alone and comes back as a
        BadNote; the rest of the batch commits. Returns the refused ones.
        """
        if not parsed:
            return []
        changed: list[int] = []
        retagged: list[int] = []
        refused: list[BadNote] = []
        with self.catalog.transaction() as conn:
            for st, note in parsed:
                try:
                    with self.catalog.savepoint(conn):
                        outcome, uid, keep, moved_from = self._write_note(conn, st, note, gone_by_id, reused)
                except Exception as exc:
                    log.exception("could not index %s", note.path)
                    refused.append(BadNote(note.path, f"could not be indexed ({type(exc).__name__}: {str(exc)[:200]})"))
                    continue
                if moved_from is not None:
                    reused.add(moved_from)
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome != "unchanged":
                    (retagged if keep else changed).append(uid)
            # Committed with the rows: a kill before the metadata is rewritten is finished later.
            self._metadata_pending(conn, retagged)
        rows = self.catalog.by_uid([*changed, *retagged])
        if retagged:  # rewritten as any pending metadata is (a vector that cannot take it marked stale)
            self._finish_metadata()
        with self.lock:
            for row in rows.values():
                self.graph.upsert(row.graph_note())
        return refused

    def _write_note(
        self, conn: sqlite3.Connection, st: FileStat, note: Note, gone_by_id: dict[str, list[Row]], reused: set[int]
    ) -> tuple[str, int, bool, int | None]:
        """One note's row: (outcome, uid, vector kept, uid it was moved from). Inside a savepoint."""
        row = self.catalog.by_path(note.path)
        if row is not None and row.content_hash == note.content_hash:
            self.catalog.touch(conn, row.uid, st)
            return "unchanged", row.uid, True, None
        if row is None:
            moved_from = self._find_moved(note, gone_by_id, reused)
            if moved_from is not None:
                keep = moved_from.vector_hash == note.embed_hash
                uid = self.catalog.upsert(conn, note, st, moved_from.uid, keep_vector=keep)
                return "moved", uid, keep, moved_from.uid
            return "added", self.catalog.upsert(conn, note, st, None, keep_vector=False), False, None
        keep = row.vector_hash == note.embed_hash
        return "updated", self.catalog.upsert(conn, note, st, row.uid, keep_vector=keep), keep, None

    def _find_moved(self, note: Note, gone_by_id: dict[str, list[Row]], reused: set[int]) -> Row | None:
        """The row this new file was renamed from: same id, and its old file is no longer there."""
        for row in gone_by_id.get(note.id, []):
            if row.uid not in reused:
                return row
        for row in self.catalog.by_id(note.id):
            if row.uid not in reused and row.path != note.path and not _note_file(self.paths.vault / row.path):
                return row  # the delete event has not been processed yet (or came in another batch)
        return None

    def _delete_row(self, conn: sqlite3.Connection, row: Row) -> None:
        self.catalog.delete(conn, row.uid)
        if not self.is_shared(row):
            # A team note's vector stays on the server: another machine may still be at a commit that has it.
            self.vectors.delete([row.uid])
        if self.token_states is not None:
            self.token_states.delete([row.uid])
        with self.lock:
            self.graph.remove(row.uid)

    # --- vectors ------------------------------------------------------------------------------------
    def embed_pending(self, progress: Progress | None = None, only: Sequence[int] | None = None) -> int:
        """Embed every note (or just those of `only`) whose vector is missing or stale; return how many."""
        pending = self.catalog.pending_vectors()
        if only is not None:
            wanted = set(only)
            pending = [u for u in pending if u in wanted]
        done = 0
        for start in range(0, len(pending), EMBED_BATCH):
            with self.write_lock:
                done += self._isolated(
                    pending[start : start + EMBED_BATCH], self._embed_chunk, "embed", "it stays out of semantic search"
                )
            if progress is not None:
                progress("embedding", done, len(pending))
        return done

    @staticmethod
    def _isolated(
        uids: Sequence[int], run: Callable[[Sequence[int]], int], what: str, outcome: str, derived: bool = False
    ) -> int:
        """`run` over a chunk of notes; if it fails, over each note alone, so one note the model or
        chromadb refuses is left out (logged, with its `outcome`) without holding back the rest.

        If several notes fail and none succeeds alone either, the fault is not in the notes (a broken
        model, a broken vector store): that is raised, so the reconcile fails and says so, unless what
        `run` makes is `derived` (a refinement recall can do without, which only logs).
        """
        try:
            return run(uids)
        except Exception as exc:
            failure = exc
        done = 0
        for uid in uids:
            try:
                done += run([uid])
            except Exception as exc:
                log.warning("could not %s note uid %d (%s: %s); %s", what, uid, type(exc).__name__, exc, outcome)
        if not done and len(uids) > 1 and not derived:
            raise failure
        return done

    def _embed_chunk(self, uids: Sequence[int]) -> int:
        rows = self.catalog.by_uid(uids)
        batch = [rows[u] for u in uids if u in rows]
        local = [r for r in batch if not self.is_shared(r)]
        by_team: dict[str, list[Row]] = {}
        for row in batch:
            if self.is_shared(row):
                by_team.setdefault(str(row.team), []).append(row)
        if local:
            self.vectors.upsert(local, self._embed_rows(local))
        fresh = list(local)
        declared = {t.name: t.declared for t in teams(self.paths.vault)} if by_team else {}
        for team, team_rows in by_team.items():
            fresh += self._embed_shared(declared.get(team, team), team_rows)
        with self.catalog.transaction() as conn:
            for row in fresh:
                self.catalog.mark_vector_fresh(conn, row.uid, row.embed_hash)
        return len(fresh)

    def _embed_rows(self, rows: Sequence[Row]) -> np.ndarray:
        """The rows' vectors; their token states are stored from the same model run (before the vectors
        are written: a kill in between leaves states the orphan sweep or a re-embed replaces)."""
        texts = self._embed_texts(rows)
        if self.token_embedder is None or self.token_states is None:
            return self.embedder.embed(texts)
        return self._embed_storing_states(rows, texts)

    def _embed_storing_states(self, rows: Sequence[Row], texts: Sequence[str]) -> np.ndarray:
        """The rows' vectors, with their token states stored from the same model run.

        TOKEN_BATCH notes at a time, of similar length (the embedder pads each of its batches to its
        longest text): a whole chunk's states held in float32 at once raised the daemon's peak memory
        by tens of MB (the README's Performance section)."""
        assert self.token_embedder is not None and self.token_states is not None
        out = np.zeros((len(rows), self.embedder.dim), np.float32)
        order = sorted(range(len(rows)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), TOKEN_BATCH):
            part = order[start : start + TOKEN_BATCH]
            vectors, states = self.token_embedder.embed_tokens([texts[i] for i in part])
            self.token_states.put((rows[i].uid, rows[i].embed_hash, s) for i, s in zip(part, states, strict=True))
            out[part] = vectors
        return out

    def _embed_texts(self, rows: Sequence[Row]) -> list[str]:
        """What the embedder reads of each row: its title and body, as the vectors were made from."""
        bodies = self.catalog.bodies([r.uid for r in rows])
        return [embed_text(r.title, bodies.get(r.uid, "")) for r in rows]

    # --- token states -------------------------------------------------------------------------------
    def backfill_token_states(self, progress: Progress | None = None) -> int:
        """Compute the token states of every note of the person's whose vector is fresh but whose states
        are missing or from another text (a vault indexed before memem kept them); return how many. One
        model run per such note. A team's notes are left out: their vectors live on the team's server so
        that no machine embeds them again, and a writer stores their states from the run that embeds
        them; elsewhere recall computes the few it needs (`recall.late`).

        A chunk the model refuses is tried note by note; a note that fails alone is logged and left
        without states (recall computes them when it needs them, or does without the stage)."""
        if self.token_embedder is None or self.token_states is None:
            return 0
        stored = self.token_states.hashes()
        todo = [
            uid
            for uid, path, digest in self.catalog.fresh_vectors()
            if stored.get(uid) != digest and not self.shared_path(path)
        ]
        done = 0
        for start in range(0, len(todo), EMBED_BATCH):
            chunk = todo[start : start + EMBED_BATCH]
            with self.write_lock:
                done += self._isolated(
                    chunk, self._store_token_states, "compute the token states of", "it goes without them", derived=True
                )
            if progress is not None:
                progress("token states", start + len(chunk), len(todo))
        return done

    def _store_token_states(self, uids: Sequence[int]) -> int:
        found = self.catalog.by_uid(uids)
        rows = [found[u] for u in uids if u in found]
        return len(self._embed_storing_states(rows, self._embed_texts(rows)))

    def compute_token_states(self, rows: Sequence[Row]) -> dict[int, np.ndarray]:
        """Run the embedder over `rows`' texts and store their token states; uid -> the states as
        stored (int8, as `token_states.get` returns them: a note scores the same either way)."""
        if self.token_embedder is None or self.token_states is None or not rows:
            return {}
        _, states = self.token_embedder.embed_tokens(self._embed_texts(rows))
        return self.token_states.put((r.uid, r.embed_hash, s) for r, s in zip(rows, states, strict=True))

    def _embed_shared(self, team: str, rows: Sequence[Row]) -> list[Row]:
        """The rows whose vector the team's server holds now: those it had already (same id, same text
        hash), and, on a writer, those embedded here and stored. Unreachable: what was learnt so far."""
        assert self.shared is not None
        done: list[Row] = []
        if self.shared.reachable is False and not self.shared.retry_due():
            return done  # down a moment ago: the next retry asks again, not every chunk of this run
        try:
            stored = self.shared.stored_hashes(team, [r.id for r in rows])
            needed: dict[str, Row] = {}
            for row in rows:
                if stored.get(row.id) == row.embed_hash:
                    done.append(row)
                else:
                    needed.setdefault(row.id, row)  # a duplicated id: the first is embedded, doctor names the rest
            if needed and self.shared.writer:
                todo = list(needed.values())
                self.shared.upsert(team, todo, self._embed_rows(todo))
                done += todo
        except SharedUnavailable:
            pass  # recorded by the shared index; these stay stale and are retried
        return done

    def retry_shared(self) -> int:
        """Embed (or find on the server) the team notes still waiting, when a retry is due: the server
        came back, or a writer elsewhere may have stored what this reader waits for."""
        if self.shared is None or not self.shared.retry_due():
            return 0
        pending = self.catalog.by_uid(self.catalog.pending_vectors())
        waiting = [uid for uid, row in pending.items() if self.is_shared(row)]
        if not waiting:
            self.shared.last_try = time.time()  # (a reader rechecks for a writer's vectors at this pace too)
            return 0
        return self.embed_pending(only=waiting)

    def sweep_orphan_vectors(self) -> int:
        """Delete vectors and token states whose note is no longer in the catalog (a crash between the
        writes); return how many vectors went."""
        with self.write_lock:
            known = self.catalog.uids()
            orphans = self.vectors.ids() - known
            if orphans:
                self.vectors.delete(sorted(orphans))
                log.info("removed %d orphan vectors", len(orphans))
            if self.token_states is not None:
                stray = self.token_states.uids() - known
                if stray:
                    self.token_states.delete(sorted(stray))
                    log.info("removed the token states of %d notes no longer indexed", len(stray))
        return len(orphans)
