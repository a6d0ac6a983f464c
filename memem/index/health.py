"""What `memem status` and `memem doctor` report about a vault's indexes.

Computed the same way whether the daemon answers or the CLI opened the stores itself, so the two
never disagree. Each problem carries the fix a person should apply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from memem.graph.audit import audit
from memem.index.catalog import Catalog
from memem.index.embeddings.bundled import INSTALL_HINT as RERANKER_HINT
from memem.index.embeddings.cross_encoder import DESCRIPTION, availability
from memem.index.embeddings.model_files import INSTALL_HINT
from memem.index.problems import Problem
from memem.index.state_db import damaged_state
from memem.index.store import RECONCILE_ERROR, IndexStore
from memem.settings import settings
from memem.vault.playbooks import withheld_playbooks
from memem.vault.teams import Team, teams
from memem.vault.withheld import ADDRESSED, UNSCREENED, why_withheld


@dataclass
class Health:
    vault: str
    memories_folder: str
    notes: int
    vectors: int
    fulltext: int
    stale_vectors: int
    graph_nodes: int
    graph_edges: int
    dangling_links: int
    embedder: str
    embedder_description: str
    embedder_fallback: list[str]
    embedder_why: str
    reranker: str  # what re-scores candidates, or why nothing does
    reranker_on: bool
    bad_notes: list[dict[str, str]]
    duplicate_ids: dict[str, list[str]]
    notes_with_warnings: int
    teams: list[dict[str, Any]] = field(default_factory=list)  # each team vault: name, projects, notes indexed
    shared_index: dict[str, Any] | None = None  # the team vectors' Chroma server: address, role, reachable
    holdout: dict[str, tuple[int, int]] = field(default_factory=dict)  # shown / held out -> (judged, used)
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [asdict(p) for p in self.problems]
        return data


def health(store: IndexStore) -> Health:
    folder, origin = availability()
    catalog = store.catalog
    with store.lock:
        report = audit(store.graph)
        nodes, edges = report.notes, report.edges
    bad = catalog.bad_notes()
    dupes = catalog.duplicate_ids()
    warned = catalog.with_warnings()
    fts = catalog.fulltext_count()
    notes = catalog.count()
    vectors = store.vectors.count()
    stale = len(catalog.pending_vectors())
    if store.shared is not None:  # team notes' vectors are on the server: count those the catalog knows are there
        vectors += sum(1 for r in catalog.rows() if store.is_shared(r) and r.vector_hash == r.embed_hash)
    result = Health(
        vault=str(store.paths.vault),
        memories_folder=store.paths.memories_folder,
        notes=notes,
        vectors=vectors,
        fulltext=fts,
        stale_vectors=stale,
        graph_nodes=nodes,
        graph_edges=edges,
        dangling_links=len(report.dangling),
        embedder=store.embedder.name,
        embedder_description=store.embedder.description,
        embedder_fallback=list(store.choice.fallback_reasons),
        embedder_why=store.choice.why,
        reranker=f"{DESCRIPTION} ({origin})" if folder else f"off: {origin}",
        reranker_on=folder is not None,
        bad_notes=[{"path": b.path, "reason": b.reason} for b in bad],
        duplicate_ids=dupes,
        notes_with_warnings=len(warned),
        teams=[_team(t, catalog) for t in teams(store.paths.vault)],
        holdout=store.ledger.holdout_rates(),
    )
    problems = result.problems
    for record in store.ledger.records().values():
        if record.flagged:
            rows = catalog.by_id(record.note_id)
            problems.append(Problem(
                "warning",
                f"memory {record.note_id!r} was contradicted in {record.contradicted} of the {record.shown} turns "
                f"it was shown in (used in {record.used})",
                "review it: correct it, or deprecate it with its successor (`memem deprecate ID --successor …`)",
                rows[0].path if rows else None,
            ))  # fmt: skip
    for cycle in report.supersede_cycles:
        in_loop = catalog.by_uid(cycle)
        named = [in_loop[uid] for uid in cycle if uid in in_loop]
        problems.append(Problem(
            "warning",
            "notes supersede one another in a loop (" + " → ".join(repr(r.title) for r in named) + "): "
            "recall cannot tell which is current and may hide one of them",
            "remove the `supersedes` link of the note that is not the newest", named[0].path if named else None,
        ))  # fmt: skip
    for path, kind, what in withheld_playbooks(store.paths.vault):
        problems.append(Problem(
            "warning",
            f"a playbook holds {kind} ({what}): it is not shown at session start",
            "remove that text in Obsidian", path.relative_to(store.paths.vault).as_posix(),
        ))  # fmt: skip
    problems.extend(damaged_state(store.paths.state))
    for team in teams(store.paths.vault):
        if team.broken:
            problems.append(Problem(
                "error",
                f"the team vault {team.name}'s memem-team.json cannot be read: its notes are recalled for no project",
                f"fix {team.folder / 'memem-team.json'} (a JSON object with a list of project names), or sync the team",
            ))  # fmt: skip
        if not team.merges_notes():
            problems.append(Problem(
                "warning", f"the team vault {team.name} merges notes line by line (conflict markers possible)",
                f"run `git -C {team.folder} config merge.memem.driver \"memem merge-driver %O %A %B %P\"`, "
                "or remove the team and add it again with `memem team add`",
            ))  # fmt: skip
    if store.shared is not None:
        result.shared_index = store.shared.state()
        if store.shared.reachable is False:
            problems.append(Problem(
                "warning",
                f"the team index at {store.shared.config.shown_url} is unreachable ({store.shared.last_error}): "
                "team notes are recalled by full text only",
                "check the server and MEMEM_CHROMA_TOKEN; memem retries by itself and re-embeds nothing unchanged",
            ))  # fmt: skip
    if folder is None and settings().reranker != "off":
        problems.append(Problem(
            "warning", f"recall ranks without its cross-encoder ({origin})",
            f"install the model offline with `{RERANKER_HINT}`, then restart the daemon",
        ))  # fmt: skip
    if store.choice.is_fallback:
        problems.append(Problem(
            "warning",
            "semantic search is off: the fallback embedder runs (" + "; ".join(store.choice.fallback_reasons) + ")",
            f"install the model offline with `{INSTALL_HINT}` (or set MEMEM_MODEL_DIR), then run `memem index`",
        ))  # fmt: skip
    failure = catalog.get_meta(RECONCILE_ERROR)
    if failure:
        problems.append(Problem(
            "error", f"the last full index failed ({failure}); notes may be missing from recall",
            "see the daemon's log, fix the cause, then run `memem index`",
        ))  # fmt: skip
    for b in bad:
        problems.append(Problem("error", f"not indexed: {b.reason}", _fix_for(b.reason), b.path))
    for note_id, paths in dupes.items():
        problems.append(Problem(
            "error", f"id {note_id!r} is used by {len(paths)} notes: {', '.join(paths)}",
            "give each note its own `id` (both stay indexed meanwhile); links by id are ambiguous until then",
            paths[0],
        ))  # fmt: skip
    for row in warned:
        for warning in row.warnings:
            withheld = why_withheld(warning)
            if withheld is None:
                problems.append(Problem("warning", warning, "correct the property in Obsidian", row.path))
                continue
            kind, what = withheld
            fix = {
                ADDRESSED: "remove that text in Obsidian",
                UNSCREENED: "split it into smaller notes in Obsidian",
            }.get(kind, "remove it in Obsidian and revoke it")
            problems.append(Problem(
                "warning",
                f"memory {row.id!r} holds {kind} ({what}): recall leaves it out of every prompt and search",
                f"{fix}, or deprecate the memory (memem writes no such text: it came from an edit, a sync or a "
                "team's pull)",
                row.path,
            ))  # fmt: skip
    if notes != vectors or notes != fts or stale:
        problems.append(Problem(
            "warning", f"indexes out of step: {notes} notes, {vectors} vectors, {fts} full-text rows, {stale} stale",
            "run `memem index` (the daemon heals this by itself on its next reconcile)",
        ))  # fmt: skip
    if report.dangling:
        sample = ", ".join(sorted({f"[[{e.text}]]" for e in report.dangling})[:5])
        problems.append(Problem(
            "warning", f"{len(report.dangling)} links point to no memory ({sample}…)",
            "create the missing notes or fix the links; `memem graph audit` lists them all",
        ))  # fmt: skip
    return result


def _team(team: Team, catalog: Catalog) -> dict[str, Any]:
    return {
        "name": team.name, "projects": list(team.projects), "writable": team.writable,
        "notes": len(catalog.paths_under(team.prefix)),
    }  # fmt: skip


_FIXES = (
    (("invalid YAML", "frontmatter is", "the properties", "a property value", "unreadable YAML"),
     "open the note and fix its properties block (between the --- lines)"),
    (("missing `id`", "no frontmatter", "`id` must"),
     "add a unique `id:` property (e.g. `id: mem-<date>-<word>`), or move the file out of the memories folder"),
    (("not UTF-8", "binary"), "save the file as UTF-8 text, or move it out of the memories folder"),
    (("file name is not valid UTF-8", "folder name is not valid UTF-8"), "rename it with a UTF-8 name"),
    (("too large",), "split the note, or move it out of the memories folder"),
    (("symlink", "broken symlink", "is a symlink", "leads through a symlink"),
     "replace the symlink with the note itself"),
    (("a named pipe", "a socket", "a character device", "a block device", "not a regular file"),
     "remove it from the memories folder: only plain files can be notes"),
    (("folder cannot be read", "cannot be read", "cannot be examined"), "check the file's permissions"),
)  # fmt: skip


def _fix_for(reason: str) -> str:
    if "name too long" in reason.lower():  # ENAMETOOLONG: permissions are not the trouble
        return "shorten the names of the folders on its path, or move it nearer the vault's top"
    for starts, fix in _FIXES:
        if reason.startswith(starts):
            return fix
    return "fix or move the file; memem leaves it untouched"
