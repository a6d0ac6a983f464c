"""Consolidation: looking back over the whole vault for what should be folded, retired or linked.

Memories are deduplicated one at a time as they are saved or mined; nothing else looks back. This
pass does. Its rules need no model:

- **exact duplicates**: active notes of one scope whose text is the same once case, spacing and
  punctuation are set aside. When every copy but the one kept is an unreviewed mined note, folding
  them is provably safe (the same words, nobody's edit): they are deprecated with a `supersedes` link
  from the one kept, at once, as one undoable operation. Otherwise it is a proposal;
- **near-duplicates**: notes of one scope whose stored vectors are nearly the same direction
  (cosine ≥ NEAR_COSINE): a proposal to merge them;
- **superseded but active**: a note that another one `supersedes` and that is still active: a
  proposal to deprecate it;
- **contradicted by a newer note**: of two active notes linked `contradicts` (not marked
  `consistent_with`), the older one: a proposal to deprecate it, with the miner's evidence;
- **stale**: an active note (not pinned, layer 0) older than STALE_DAYS that recall has not shown in
  STALE_DAYS, judged only once the recall ledger is that old (absence means nothing before).

With a model (a `PairJudge`: the miner's backend, `memem.mining.pair_review`), the pairs of one
scope that are about the same subject (cosine ≥ ASK_COSINE) are judged by it instead of by the
cosine alone: duplicates become merge proposals, a note another refines, supersedes or contradicts
becomes a proposal to deprecate it in favour of the one that holds, and "unrelated" answers the
near-duplicate rule's false alarms. This finds what no rule can (a contradiction nobody linked);
answers are kept (`index.verdicts`) so each pair of texts is asked about once. Offline, or when the
model cannot be reached, only the rules run. A model's judgement is never applied by itself.

Proposals are notes in `memem/proposals/` (outside the memories folder: nothing indexes them), so the
person sees them in Obsidian and decides with `memem consolidate accept|reject KEY` (or the plugin).
A proposal's key is stable across runs: a rejected one is never proposed again. Nothing is deleted:
accepting deprecates (with a link to what supersedes it) or links, and every change is in the event
log for `memem undo`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from memem.config import PROPOSALS_FOLDER
from memem.errors import NotFound, Refused
from memem.index.catalog import Row
from memem.index.scope import Scope
from memem.index.verdicts import StoredVerdict
from memem.memory.classify import classify_layer
from memem.memory.compare import casefolded, disagree, normalised
from memem.memory.screen import quoted
from memem.memory.service import MemoryService
from memem.vault import frontmatter, writer
from memem.vault.files import FileRefused, read_bounded
from memem.vault.note import LINK_KINDS, MAX_NOTE_BYTES, render_new_note
from memem.vault.playbooks import read_playbook
from memem.vault.secrets import redact
from memem.vault.wikilinks import extract_links

NEAR_COSINE = 0.88
"""Two notes this alike (MiniLM's scale) say the same thing in other words: in the synthetic vault of
`tests/memory/test_consolidate.py`, hand-written paraphrases sit at 0.90–0.94 and different facts
about the same service below 0.55."""
ASK_COSINE = 0.6
"""Pairs at least this alike are about the same subject: with a model, it is asked how they relate
(a contradiction or a refinement reads alike, well below NEAR_COSINE)."""
MAX_ASKED = 40
"""Pairs one run asks the model about, the most alike first: the rest wait for the next run."""
STALE_DAYS = 180
MAX_STALE = 20
"""New stale proposals made per run (those already decided or open not counted): a backlog is worked
through a few at a time, not dumped at once."""
log = logging.getLogger(__name__)

KINDS = ("merge", "deprecate", "stale", "review")
"""Proposal kinds (`review`: a case only the person can settle, such as two notes superseding each other;
accepting it changes nothing). Statuses: open, accepted, rejected, obsolete (its case no longer held)."""
DECIDED = ("accepted", "rejected")

MINER_KEYS = frozenset({
    "id", "title", "project", "layer", "kind", "tags", "importance", "status", "created", "updated", "valid_to",
    "source_type", "source_session", "source_sessions", "miner", "evidence", "contradiction_evidence", "judged",
})  # fmt: skip
"""The properties the miner writes on a note of its own: any other one is a person's (a `jira:` key)."""
_PERSON_TAGS = frozenset({"canary", "canary-never"})
LAST_WRITES = 2000
"""Operations of the event log read to tell whether a note was edited since memem last wrote it."""


@dataclass(frozen=True)
class Proposal:
    kind: str  # merge | deprecate | stale
    ids: tuple[str, ...]  # merge: the one to keep first; deprecate / stale: the one to retire (then its successor)
    reason: str  # a rule's name: duplicate, near-duplicate, superseded, contradicted, stale
    evidence: str

    @property
    def key(self) -> str:
        """Stable across runs, and naming the direction: which note stays and which are retired ("retire A
        for B" and "retire B for A" are two proposals; rejecting one says nothing of the other)."""
        if self.kind == "merge":
            basis = [self.ids[0], *sorted(self.ids[1:])] if self.ids else []
        elif self.kind == "deprecate":
            basis = list(self.ids)
        else:
            basis = sorted(self.ids)
        digest = hashlib.sha256(f"{self.kind}:{':'.join(basis)}".encode()).hexdigest()[:10]
        return f"{self.kind}-{digest}"

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "ids": list(self.ids), "reason": self.reason,
                "evidence": self.evidence}  # fmt: skip


RELATIONS = ("duplicate", "refines", "supersedes", "contradicts", "unrelated")


@dataclass(frozen=True)
class NoteText:
    id: str
    title: str
    content: str
    created: str | None


@dataclass(frozen=True)
class PairCase:
    """Two notes of one scope about the same subject, the older first."""

    first: NoteText
    second: NoteText
    cosine: float


@dataclass(frozen=True)
class PairVerdict:
    """How two notes relate: `keep` is the one that should stay (0: first, 1: second, None: unclear)."""

    relation: str
    keep: int | None
    evidence: str


class PairJudge(Protocol):
    """Asks a model about pairs of notes; answers by case index, only for the cases it answered."""

    name: str

    def __call__(self, cases: Sequence[PairCase]) -> dict[int, PairVerdict]: ...


@dataclass
class Report:
    applied: list[Proposal] = field(default_factory=list)  # provably safe, done
    proposed: list[Proposal] = field(default_factory=list)  # waiting for the person
    seconds: float = 0.0
    judge: str = "rules"  # who judged the pairs: the rules, or a model backend
    asked: int = 0  # pairs put to the model this run
    answered: int = 0  # of those, answered

    def to_json(self) -> dict[str, Any]:
        return {
            "applied": [p.to_json() for p in self.applied], "proposed": [p.to_json() for p in self.proposed],
            "seconds": round(self.seconds, 2), "judge": self.judge, "asked": self.asked, "answered": self.answered,
        }  # fmt: skip


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _curation(row: Row) -> tuple[int, int, int, int]:
    """How much a person made of a note, most first: reviewed, pinned, a canary, linked."""
    canary = bool(_PERSON_TAGS & {t.lower() for t in row.tags})
    return (0 if row.reviewed else 1, 0 if row.layer == 0 else 1, 0 if canary else 1, -len(row.links))


def _keeper_order(row: Row) -> tuple[Any, ...]:
    """Which copy of an exact duplicate stays: the most curated (reviewed, pinned, linked), then the
    oldest, then by path."""
    return (*_curation(row), row.created or "9999", row.path)


def _newest_order(row: Row) -> tuple[Any, ...]:
    """Which of notes saying the same in other words stays: the most curated, then the newest (what was
    learnt last), then by path."""
    day = _date(row.created)
    return (*_curation(row), -(day.toordinal() if day else 0), row.path)


def _machine_owned(row: Row) -> bool:
    return row.source_type == "mined" and not row.reviewed


def named(row: Row) -> str:
    """A note as evidence and summaries name it: its title, never a secret (a withheld note by id only)."""
    if row.withheld:
        return f"note {row.id}"
    return f"“{redact(' '.join(row.title.split()))[:120]}”"


def text_hash(title: str, body: str) -> str:
    """The hash a model's answer about a note is kept under: its words, not its file (`index.verdicts`)."""
    return hashlib.sha256(casefolded(f"{title}\n{body}").encode()).hexdigest()[:20]


Pair = tuple[int, int]
"""Two notes by catalog uid, the smaller first."""
_VERBS = {"refines": "says the same with more detail than", "supersedes": "replaces", "contradicts": "contradicts"}


_locks_lock = threading.Lock()
_run_locks: dict[Path, threading.Lock] = {}
_book_locks: dict[Path, threading.RLock] = {}


def _run_lock(vault: Path) -> threading.Lock:
    """One consolidation pass at a time per vault (the CLI's and the daemon's idle one)."""
    with _locks_lock:
        return _run_locks.setdefault(vault.resolve(), threading.Lock())


def _book_lock(vault: Path) -> threading.RLock:
    """One writer of a vault's proposal files at a time: a key is looked up and written as one step, so
    concurrent runs never write a second copy of a proposal, and a decision never races a run. One
    process is enough: only the holder of the vault's owner lock opens its indexes and runs these."""
    with _locks_lock:
        return _book_locks.setdefault(vault.resolve(), threading.RLock())


class Consolidator:
    def __init__(
        self, service: MemoryService, today: dt.date | None = None, now: float | None = None,
        judge: PairJudge | None = None,
    ) -> None:  # fmt: skip
        self.service = service
        self.store = service.store
        self.today = today or dt.date.today()
        self.now = now if now is not None else time.time()
        self.judge = judge
        self.asked = self.answered = 0
        self._written: dict[str, str] | None = None

    # --- finding ------------------------------------------------------------------------------------
    def active_rows(self) -> list[Row]:
        """The person's own active notes (a team's are curated by the team, in its repository)."""
        return [r for r in self.store.catalog.rows() if r.status == "active" and r.team is None]

    def find(self, only: Iterable[str] | None = None) -> list[Proposal]:
        """Every proposal the vault calls for now; with `only`, just those about these notes (the check
        an accept makes on its own notes, without the whole vault's pass)."""
        rows = self.active_rows()
        if only is not None:
            wanted = set(only)
            rows = [r for r in rows if r.id in wanted]
        bodies = self.store.catalog.bodies([r.uid for r in rows])
        by_uid = {r.uid: r for r in rows}
        settled = self._settled()
        found: list[Proposal] = []
        exact = self._exact_duplicates(rows, bodies)
        found += exact
        in_exact = {i for p in exact for i in p.ids}
        pairs = self._similar_pairs([r for r in rows if r.id not in in_exact])
        pairs = {p: c for p, c in pairs.items() if p not in settled}  # a link already speaks for the pair
        verdicts = self._verdicts(pairs, by_uid, bodies)
        found += self._near_duplicates(pairs, verdicts, by_uid, bodies)
        found += self._judged(verdicts, by_uid)
        found += self._superseded(rows)
        found += self._contradicted(rows)
        found += self._stale(rows)
        unique: dict[str, Proposal] = {}
        for proposal in found:
            if len(set(proposal.ids)) < len(proposal.ids):
                continue  # notes that share one id: doctor names them; acting by id would be ambiguous
            unique.setdefault(proposal.key, proposal)
        return list(unique.values())

    def _exact_duplicates(self, rows: Sequence[Row], bodies: dict[int, str]) -> list[Proposal]:
        groups: dict[tuple[str | None, str], list[Row]] = {}
        for row in rows:
            text = normalised(f"{row.title}\n{bodies.get(row.uid, '')}")
            if text:
                groups.setdefault((row.project, text), []).append(row)
        proposals = []
        for group in groups.values():
            if len(group) < 2:
                continue
            ordered = sorted(group, key=_keeper_order)
            ids = tuple(r.id for r in ordered)
            proposals.append(Proposal("merge", ids, "duplicate", f"the same text in {len(group)} notes"))
        return proposals

    def _similar_pairs(self, candidates: Sequence[Row]) -> dict[Pair, float]:
        """Pairs of one scope at least ASK_COSINE alike (each note's nearest few), with their cosine."""
        by_uid = {r.uid: r for r in candidates}
        vectors = self.store.vectors.embeddings([r.uid for r in candidates])
        pairs: dict[Pair, float] = {}
        for row in candidates:
            vector = vectors.get(row.uid)
            if vector is None:
                continue
            scope = Scope(row.project, global_only=row.project is None)
            for hit in self.store.vector_query(vector, 6, scope.vector_where()):
                other = by_uid.get(hit.uid)
                if other is None or other.uid == row.uid or other.project != row.project:
                    continue
                if hit.similarity >= ASK_COSINE:
                    pair = (min(row.uid, other.uid), max(row.uid, other.uid))
                    pairs[pair] = max(pairs.get(pair, 0.0), hit.similarity)
        return pairs

    def _settled(self) -> set[Pair]:
        """Pairs a link already speaks for: the rules handle `supersedes` and `contradicts`, and
        `consistent_with` is a person saying the two hold together."""
        settled: set[Pair] = set()
        with self.store.lock:
            for edge in self.store.graph.edges():
                if edge.kind in ("supersedes", "contradicts", "consistent_with") and isinstance(edge.target, int):
                    settled.add((min(edge.source, edge.target), max(edge.source, edge.target)))
        return settled

    def _verdicts(
        self, pairs: dict[Pair, float], by_uid: dict[int, Row], bodies: dict[int, str]
    ) -> dict[Pair, PairVerdict]:
        """What a model said of each pair: kept answers for texts asked about before, and (with a judge)
        new answers for up to MAX_ASKED more, the most alike first."""
        older_first: dict[Pair, tuple[Row, Row]] = {}
        hashes: dict[Pair, tuple[str, str]] = {}
        for pair in pairs:
            if by_uid[pair[0]].withheld or by_uid[pair[1]].withheld:
                continue  # (a withheld note, addressed to a model or holding a secret, is never put to one)
            a, b = sorted((by_uid[pair[0]], by_uid[pair[1]]), key=lambda r: (r.created or "", r.path))
            ha, hb = text_hash(a.title, bodies.get(a.uid, "")), text_hash(b.title, bodies.get(b.uid, ""))
            if ha != hb:
                older_first[pair], hashes[pair] = (a, b), (ha, hb)
        stored = self.store.verdicts.get(hashes.values())
        verdicts: dict[Pair, PairVerdict] = {}
        for pair, (ha, hb) in hashes.items():
            kept = stored.get((ha, hb))
            if kept is not None and kept.relation in RELATIONS:
                keep = 0 if kept.keep == ha else 1 if kept.keep == hb else None
                verdicts[pair] = PairVerdict(kept.relation, keep, kept.evidence)
        if self.judge is None:
            return verdicts
        ask = sorted((p for p in hashes if p not in verdicts), key=lambda p: -pairs[p])[:MAX_ASKED]

        def text(row: Row) -> NoteText:
            return NoteText(row.id, row.title, bodies.get(row.uid, ""), row.created)

        cases = [PairCase(text(older_first[p][0]), text(older_first[p][1]), pairs[p]) for p in ask]
        answers = self.judge(cases) if cases else {}
        self.asked, self.answered = self.asked + len(cases), self.answered + len(answers)
        keep_new = []
        for index, verdict in answers.items():
            if not 0 <= index < len(ask) or verdict.relation not in RELATIONS:
                continue
            pair = ask[index]
            ha, hb = hashes[pair]
            verdicts[pair] = verdict
            kept_hash = ha if verdict.keep == 0 else hb if verdict.keep == 1 else None
            keep_new.append(StoredVerdict(ha, hb, verdict.relation, kept_hash, verdict.evidence, self.judge.name))
        self.store.verdicts.put(keep_new)
        return verdicts

    def _near_duplicates(
        self, pairs: dict[Pair, float], verdicts: dict[Pair, PairVerdict], by_uid: dict[int, Row],
        bodies: dict[int, str],
    ) -> list[Proposal]:  # fmt: skip
        """Groups of notes saying the same thing: pairs a model called duplicates, and pairs nearly the
        same direction it has not judged (the rule). A pair it judged otherwise is not a duplicate, and
        the rule never takes two notes whose numbers, versions or negations differ for the same thing
        (alike in words, they disagree: "Always…" and "Never…", Node 18 and Node 20, ports 9011 and 9022).

        A group is a note to keep and the notes that duplicate *it*, not a chain: A like B and B like C
        does not make C a copy of A (B may just be broader than both). Keepers are taken in keeper order
        (the most curated, then the newest); a note only like an earlier group's member waits until that
        group is decided."""

        def text(uid: int) -> str:
            return f"{by_uid[uid].title}\n{bodies.get(uid, '')}"

        linked: dict[Pair, float] = {}
        judged_near: dict[int, set[int]] = {}
        rule_near: dict[int, set[int]] = {}
        for pair, cosine in pairs.items():
            verdict = verdicts.get(pair)
            if verdict is not None and verdict.relation == "duplicate":
                near = judged_near
            elif verdict is None and cosine >= NEAR_COSINE and not disagree(text(pair[0]), text(pair[1])):
                near = rule_near
            else:
                continue
            linked[pair] = cosine
            near.setdefault(pair[0], set()).add(pair[1])
            near.setdefault(pair[1], set()).add(pair[0])
        clusters: dict[int, list[Row]] = {}
        grouped: set[int] = set()
        # A model's duplicates keep the oldest (what it was asked about first); the rule's, the newest.
        for near, order in ((judged_near, _keeper_order), (rule_near, _newest_order)):
            for keeper in sorted((by_uid[u] for u in near), key=order):
                if keeper.uid in grouped:
                    continue
                copies = sorted((by_uid[u] for u in near[keeper.uid] if u not in grouped), key=order)
                if copies:
                    clusters[keeper.uid] = [keeper, *copies]
                    grouped.update({keeper.uid, *(c.uid for c in copies)})
        proposals = []
        for members in clusters.values():
            ordered = members
            uids = {m.uid for m in members}
            inside = [p for p in linked if set(p) <= uids]
            top = max(linked[p] for p in inside)
            said = [redact(verdicts[p].evidence) for p in inside if p in verdicts and verdicts[p].evidence]
            if any(p in verdicts for p in inside):
                reason = "judged-duplicate"
                evidence = f"{len(members)} notes say the same thing, as the model judged" + (
                    f": {said[0]}" if said else ""
                )
            else:
                reason = "near-duplicate"
                evidence = f"{len(members)} notes say the same thing in other words (cosine up to {top:.2f})"
            proposals.append(Proposal("merge", tuple(m.id for m in ordered), reason, evidence))
        return proposals

    def _judged(self, verdicts: dict[Pair, PairVerdict], by_uid: dict[int, Row]) -> list[Proposal]:
        """A note another refines, supersedes or contradicts: deprecate it in favour of the one that
        holds (when the model could not tell, the newer one, as the rule for linked contradictions)."""
        proposals = []
        for pair, verdict in verdicts.items():
            if verdict.relation not in ("refines", "supersedes", "contradicts"):
                continue
            older, newer = sorted((by_uid[pair[0]], by_uid[pair[1]]), key=lambda r: (r.created or "", r.path))
            if verdict.keep is None and (older.created or "") == (newer.created or ""):
                continue  # neither is newer: which one holds is for a person to say (the contradictions pane)
            keeper, retired = (older, newer) if verdict.keep == 0 else (newer, older)
            unclear = "" if verdict.keep is not None else " (the model could not tell which holds: the newer is kept)"
            said = f": {redact(verdict.evidence)}" if verdict.evidence else ""
            proposals.append(Proposal(
                "deprecate", (retired.id, keeper.id), f"judged-{verdict.relation}",
                f"{named(keeper)} {_VERBS[verdict.relation]} it, as the model judged{said}{unclear}",
            ))  # fmt: skip
        return proposals

    def _superseded(self, rows: Sequence[Row]) -> list[Proposal]:
        """Notes superseded but still active: a proposal to retire each. Notes whose `supersedes` links
        go round (A supersedes B and B supersedes A) are not: which one holds is for the person to say,
        and retiring by the links would retire them all, one accepted proposal at a time."""
        import networkx as nx

        active = {r.uid: r for r in rows}
        with self.store.lock:
            edges = [e for e in self.store.graph.edges() if e.kind == "supersedes" and isinstance(e.target, int)]
        links: Any = nx.DiGraph()
        links.add_edges_from((e.source, e.target) for e in edges)
        cycle_of: dict[int, frozenset[int]] = {}
        for component in nx.strongly_connected_components(links):
            if len(component) > 1:
                for uid in component:
                    cycle_of[uid] = frozenset(component)
        # A successor outside the person's own active notes may still hold: a team's note (the team
        # curates it, but it supersedes the person's note all the same).
        others = self.store.catalog.by_uid({e.source for e in edges if e.source not in active})
        holding = {**{uid: r for uid, r in others.items() if r.status == "active"}, **active}
        proposals = []
        for edge in edges:
            if edge.source in cycle_of and cycle_of[edge.source] == cycle_of.get(edge.target):  # type: ignore[arg-type]
                continue
            newer, older = holding.get(edge.source), active.get(edge.target)  # type: ignore[arg-type]
            if older is None:
                continue
            successor = (newer.id,) if newer is not None else ()
            by = named(newer) if newer is not None else "a note that is itself retired"
            proposals.append(Proposal("deprecate", (older.id, *successor), "superseded",
                                      f"superseded by {by} but still active"))  # fmt: skip
        for cycle in set(cycle_of.values()):
            if not cycle & active.keys():
                continue
            members = sorted(self.store.catalog.by_uid(cycle).values(), key=lambda r: r.id)
            if any(m.team is not None for m in members):
                continue
            proposals.append(Proposal(
                "review", tuple(m.id for m in members), "supersede-cycle",
                f"{', '.join(named(m) for m in members)} each supersede another in a loop: which one holds is "
                "for you to say (remove the `supersedes` link on the one that does not); nothing is retired by "
                "itself",
            ))  # fmt: skip
        return proposals

    def _contradicted(self, rows: Sequence[Row]) -> list[Proposal]:
        active = {r.uid: r for r in rows}
        proposals = []
        with self.store.lock:
            edges = [e for e in self.store.graph.edges() if e.kind in ("contradicts", "consistent_with")]
        settled = {frozenset((e.source, e.target)) for e in edges if e.kind == "consistent_with"}
        seen: set[frozenset[int]] = set()
        for edge in edges:
            if edge.kind != "contradicts" or not isinstance(edge.target, int):
                continue
            pair = frozenset((edge.source, edge.target))
            a, b = active.get(edge.source), active.get(edge.target)
            if a is None or b is None or pair in seen or pair in settled:
                continue
            seen.add(pair)
            if a.project != b.project:
                continue  # each project keeps its own: a billing note does not retire the shop's
            older, newer = sorted((a, b), key=lambda r: (r.created or "", r.path))
            if (older.created or "") == (newer.created or ""):
                continue  # the same day: which one holds is for a person to say, in the contradictions pane
            proposals.append(Proposal(
                "deprecate", (older.id, newer.id), "contradicted",
                f"contradicted by the newer {named(newer)} ({newer.created} against {older.created})",
            ))  # fmt: skip
        return proposals

    def _file_times(self, row: Row) -> list[float]:
        """When the file last changed or came into the vault (its mtime: a plain copy makes it new, while
        a copy that keeps times, a restore or a `chmod` leave an old note old, as its ctime would not),
        as far as this pass's clock can judge: a time after `now` (a clock given for a replay) says
        nothing."""
        try:
            st = os.stat(self.service.paths.vault / row.path)
        except OSError:
            return []
        return [st.st_mtime] if st.st_mtime <= self.now else []

    def _in_playbooks(self, rows: Sequence[Row]) -> set[int]:
        """Notes a project's playbook links to: the person curates them there, shown or not."""
        linked: set[int] = set()
        vault = self.service.paths.vault
        for project in {r.project for r in rows if r.project}:
            targets = {link.target.strip().lower() for link in extract_links(read_playbook(vault, project))}
            if not targets:
                continue
            for row in rows:
                if row.project == project:
                    names = {row.name.lower(), row.id.lower(), row.title.lower(), row.path.removesuffix(".md").lower()}
                    if names & targets:
                        linked.add(row.uid)
        return linked

    def _stale(self, rows: Sequence[Row]) -> list[Proposal]:
        """Every stale note, the longest untouched first (`run` makes at most MAX_STALE new ones a run)."""
        started = self.store.ledger.started()
        horizon = self.now - STALE_DAYS * 86400
        if started is None or started > horizon:
            return []  # the ledger is younger than the horizon: "never shown" would mean nothing yet
        last = self.store.ledger.last_shown()
        cutoff = self.today - dt.timedelta(days=STALE_DAYS)
        found: list[tuple[dt.date, Proposal]] = []
        candidates = []
        for row in rows:
            # Pinned and archived notes are never in a prompt's slice by design, canaries on purpose.
            if row.layer in (0, 3) or _PERSON_TAGS & {t.lower() for t in row.tags}:
                continue
            written = [d for d in (_date(row.updated), _date(row.created)) if d is not None]
            if not written or max(written) > cutoff or last.get(row.id, 0.0) > horizon:
                continue
            candidates.append(row)
        in_playbook = self._in_playbooks(candidates)
        for row in candidates:
            if row.uid in in_playbook:
                continue
            dates = [d for d in (_date(row.updated), _date(row.created), _date(row.reviewed)) if d is not None]
            dates += [dt.date.fromtimestamp(t) for t in self._file_times(row)]  # an edit, or a note just added
            stamp = max(dates)
            if stamp > cutoff:
                continue
            shown = last.get(row.id)
            when = f"last shown {dt.date.fromtimestamp(shown)}" if shown else "never shown"
            found.append((stamp, Proposal("stale", (row.id,), "stale", f"{when}; not touched since {stamp}")))
        return [p for _, p in sorted(found, key=lambda item: item[0])]

    # --- acting -------------------------------------------------------------------------------------
    def person_signs(self, row: Row) -> list[str]:
        """What says a person touched a note other than by reviewing it: a layer or pin the miner would not
        give, a canary tag, links, a property the miner never writes, an edit since memem last wrote it
        (its text is not what the event log says memem wrote). Unreadable counts as touched."""
        signs = []
        if row.layer != classify_layer(row.kind, row.project):
            signs.append(f"layer {row.layer}")
        if _PERSON_TAGS & {t.lower() for t in row.tags}:
            signs.append("a canary tag")
        if row.links:
            signs.append("links")
        try:
            text = read_bounded(self.service.paths.vault / row.path, MAX_NOTE_BYTES).decode("utf-8")
            props = frontmatter.load(frontmatter.split(text).yaml_text or "")
        except (FileRefused, OSError, UnicodeDecodeError, frontmatter.FrontmatterError):
            return [*signs, "unreadable"]
        extra = set(props) - MINER_KEYS - {"reviewed", *LINK_KINDS}
        if extra:
            signs.append("properties of a person's")
        if any(props.get(k) for k in LINK_KINDS) and "links" not in signs:
            signs.append("links")
        last = self._last_written().get(row.path)
        if last is not None and last != hashlib.sha256(text.encode("utf-8")).hexdigest():
            signs.append("edited since memem wrote it")
        return signs

    def _last_written(self) -> dict[str, str]:
        """path -> the hash of the text memem last wrote there (saves, the miner, edits, undos), from the
        newest LAST_WRITES operations of the event log: a note whose text is not that was edited by
        someone else since. A note memem has no record of (copied in, older than that) tells nothing."""
        if self._written is None:
            self._written = {}
            for batch in self.service.events.batches(LAST_WRITES, include_undone=True):
                for entry in sorted(batch.entries, key=lambda e: -e.seq):
                    if entry.after_sha is not None:
                        self._written.setdefault(entry.path, entry.after_sha)
        return self._written

    def is_safe(self, proposal: Proposal) -> bool:
        """Only an exact duplicate whose every copy but the one kept is an unreviewed mined note, and no
        copy (the one kept included) carries a person's edit other than a review: a pinned, tagged, linked
        or edited copy means a person is at work on them, and the fold waits for them as a proposal."""
        if proposal.reason != "duplicate" or proposal.kind != "merge":
            return False
        try:
            rows = [self.service.resolve(i) for i in proposal.ids]
        except (NotFound, Refused):
            return False
        if not all(_machine_owned(r) for r in rows[1:]):
            return False
        return not any(self.person_signs(r) for r in rows)

    def apply(self, proposal: Proposal) -> None:
        """Carry a proposal out (accepted by the person, or safe): deprecate with a link, never delete."""
        summary = f"{proposal.key} {proposal.kind}: {redact(proposal.evidence)}"
        with self.service.events.operation("consolidate", summary):
            if proposal.kind == "merge":
                keeper, *others = proposal.ids
                for other in others:
                    self.service.deprecate(other, successor=keeper, reason=f"{proposal.reason} of {keeper}")
            elif proposal.kind == "deprecate":
                target, *successor = proposal.ids
                self.service.deprecate(target, successor=successor[0] if successor else None, reason=proposal.reason)
            elif proposal.kind == "stale":
                self.service.deprecate(proposal.ids[0], reason=f"stale: {redact(proposal.evidence)}")
            else:
                raise Refused(f"a {proposal.kind} proposal has nothing to apply: it is for you to settle in the notes")

    def run(self, apply_safe: bool = True) -> Report:
        vault = self.service.paths.vault
        with _run_lock(vault):
            return self._run(apply_safe)

    def _run(self, apply_safe: bool) -> Report:
        started = time.monotonic()
        report = Report()
        book = ProposalBook(self.service.paths.vault)
        found = self.find()
        # The usefulness ledger forgets the notes no longer in the vault (archived ones keep their record).
        self.service.store.ledger.prune(row.id for row in self.service.store.catalog.rows())
        with book.lock:
            statuses = book.statuses()
            book.close_obsolete({p.key for p in found})
        decided = {k for k, s in statuses.items() if s & set(DECIDED)}
        new_stale = 0
        for proposal in found:
            if proposal.key in decided:
                continue
            if proposal.kind == "stale" and "open" not in statuses.get(proposal.key, set()):
                if new_stale >= MAX_STALE:
                    continue  # counted after the decided ones are set aside: a rejection frees its place
                new_stale += 1
            # A fold is done by itself only the first time: one the person has seen as a proposal, or
            # undone (`reopen_undone` files it), waits for them.
            if apply_safe and proposal.key not in statuses and self.is_safe(proposal):
                try:
                    self.apply(proposal)
                except (NotFound, Refused, writer.WriteConflict) as exc:  # changed meanwhile: next time
                    log.warning("could not fold %s: %s", proposal.key, exc)
                    continue
                report.applied.append(proposal)
                continue
            report.proposed.append(proposal)
        book.write_open(report.proposed, self.service, self.today)
        report.seconds = time.monotonic() - started
        report.judge = self.judge.name if self.judge is not None else "rules"
        report.asked, report.answered = self.asked, self.answered
        return report


def _fingerprint(service: MemoryService, note_id: str) -> str | None:
    """A note's file as it is now (its text, properties included), to tell at accept time whether it
    changed since the proposal was written (reviewed, edited)."""
    try:
        row = service.resolve(note_id)
        raw = read_bounded(service.paths.vault / row.path, MAX_NOTE_BYTES)
    except (NotFound, Refused, FileRefused, OSError):
        return None
    return hashlib.sha256(raw).hexdigest()[:16]


class ProposalBook:
    """The proposals as notes in `memem/proposals/`: one file each, named by its key."""

    def __init__(self, vault: Path) -> None:
        self.vault = vault
        self.folder = vault / PROPOSALS_FOLDER
        self.lock = _book_lock(vault)

    def _files(self) -> Iterable[tuple[Path, dict[str, Any]]]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.md")):
            try:
                text = read_bounded(path, MAX_NOTE_BYTES).decode("utf-8")
                props = frontmatter.load(frontmatter.split(text).yaml_text or "")
            except (FileRefused, OSError, UnicodeDecodeError, frontmatter.FrontmatterError):
                continue
            if isinstance(props.get("key"), str):
                yield path, props

    def _entries(self) -> list[tuple[Path, dict[str, Any], Proposal, set[str]]]:
        """Each file with its proposal and the keys it answers to: the key it was written under, and the
        key of its notes in its order (a file written before keys named the direction answers to both)."""
        found = []
        for path, props in self._files():
            ids = tuple(str(i) for i in props.get("ids") or [])
            proposal = Proposal(str(props.get("proposal", "")), ids, str(props.get("reason", "")),
                                str(props.get("evidence", "")))  # fmt: skip
            keys = {str(props["key"])} | ({proposal.key} if proposal.kind in KINDS and ids else set())
            found.append((path, props, proposal, keys))
        return found

    def statuses(self) -> dict[str, set[str]]:
        """key -> the statuses of the files on record for it."""
        found: dict[str, set[str]] = {}
        for _, props, _, keys in self._entries():
            for key in keys:
                found.setdefault(key, set()).add(str(props.get("status", "open")))
        return found

    def decided(self) -> set[str]:
        return {k for k, s in self.statuses().items() if s & set(DECIDED)}

    def open(self) -> list[tuple[Path, Proposal]]:
        found: dict[str, tuple[Path, Proposal]] = {}
        decided = self.decided()
        for path, props, proposal, _ in self._entries():
            if props.get("status", "open") != "open" or proposal.kind not in KINDS or not proposal.ids:
                continue
            if proposal.key in decided or str(props["key"]) in decided:
                continue  # a stray copy of a decided proposal
            found.setdefault(proposal.key, (path, proposal))  # one per key, whatever copies are on file
        return list(found.values())

    def copies(self, key: str) -> list[tuple[Path, dict[str, Any], Proposal]]:
        """Every file on record for this key (the key it was written under, or its notes' key)."""
        return [(path, props, proposal) for path, props, proposal, keys in self._entries() if key in keys]

    def find(self, key: str) -> tuple[Path, Proposal]:
        with self.lock:
            copies = self.copies(key)
            done = [str(props.get("status")) for _, props, _ in copies if props.get("status") in DECIDED]
            if done:
                raise Refused(f"proposal {quoted(key, 'by that key')} was already {done[0]}")
            for path, props, proposal in copies:
                if props.get("status", "open") == "open" and proposal.kind in KINDS and proposal.ids:
                    return path, proposal
        raise NotFound(f"no open proposal {quoted(key, 'by that key')} (`memem consolidate --list` shows them)")

    def _set_status(self, key: str, status: str, service: MemoryService | None = None) -> list[Path]:
        """Every open copy of the proposal set to `status` (with `service`, as one operation in its event log)."""
        paths = [path for path, props, _ in self.copies(key) if props.get("status", "open") == "open"]
        for path in paths:
            if service is None:
                writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": status}))
            else:
                rel = path.relative_to(service.paths.vault).as_posix()
                service.events.update(
                    service.paths.vault, rel, None, lambda text: frontmatter.edit_keys(text, {"status": status})
                )
        return paths

    def close_obsolete(self, still: set[str]) -> None:
        """Open proposals whose case no longer holds (a note changed, was retired, a link went): closed."""
        with self.lock:
            for path, props, _, keys in self._entries():
                if props.get("status", "open") == "open" and not keys & still:
                    writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": "obsolete"}))

    def reopen(self, key: str) -> bool:
        """An accepted proposal whose change was undone: open again, for the person to decide anew.
        Returns whether the proposal is on file at all."""
        with self.lock:
            copies = self.copies(key)
            for path, props, _ in copies:
                if props.get("status") == "accepted":
                    writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": "open"}))
            return bool(copies)

    def write_open(self, proposals: Sequence[Proposal], service: MemoryService, today: dt.date) -> None:
        """A file for each new proposal, named by its key: an open or decided one on file is left as it is,
        an obsolete one whose case holds again is written afresh, and a second copy is never made."""
        with self.lock:
            statuses = self.statuses()
            for proposal in proposals:
                status = statuses.get(proposal.key, set())
                if status & {"open", *DECIDED}:
                    continue
                names = []
                for note_id in proposal.ids:
                    try:
                        row = service.resolve(note_id)
                        names.append(f"[[{row.name}]]" if not row.withheld else note_id)
                    except (NotFound, Refused):
                        names.append(note_id)
                prints = [f"{i} {_fingerprint(service, i) or '-'}" for i in proposal.ids]
                props = {
                    "proposal": proposal.kind, "key": proposal.key, "status": "open", "reason": proposal.reason,
                    "ids": list(proposal.ids), "targets": names, "evidence": proposal.evidence,
                    "fingerprints": prints, "created": today.isoformat(),
                }  # fmt: skip
                data = render_new_note(props, _explain(proposal, names))
                obsolete = [path for path, props_, _ in self.copies(proposal.key) if props_.get("status") == "obsolete"]
                if obsolete:
                    writer.update(obsolete[0], lambda _text, data=data: data)  # type: ignore[misc]
                    continue
                self.folder.mkdir(parents=True, exist_ok=True)
                if not writer.create_at(self.folder / f"{proposal.key}.md", data.encode("utf-8")):
                    log.warning("proposal %s: a file of that name is in the way", proposal.key)

    def decide(self, key: str, status: str, service: MemoryService | None = None) -> Path:
        with self.lock:
            path, _ = self.find(key)
            self._set_status(key, status, service)
            return path


def _explain(proposal: Proposal, names: Sequence[str]) -> str:
    if proposal.kind == "merge":
        keep, *rest = names
        them = "them" if len(rest) > 1 else "it"
        return (
            f"Fold {', '.join(rest)} into {keep}: {proposal.evidence}. Accepting deprecates {them} with a "
            f"`supersedes` link from {keep}; nothing is deleted."
        )
    if proposal.kind == "deprecate":
        return f"Deprecate {names[0]}: {proposal.evidence}. Accepting deprecates it" + (
            f", linked from {names[1]} as `supersedes`." if len(names) > 1 else "."
        )
    if proposal.kind == "review":
        return (
            f"{', '.join(names)}: {proposal.evidence}. Settle it in the notes; accepting changes nothing, "
            "rejecting dismisses it."
        )
    return f"Retire {names[0]}? {proposal.evidence}. Accepting deprecates it; it stays in the vault as history."


def _changed_since(service: MemoryService, props: dict[str, Any]) -> str | None:
    """Which of the proposal's notes changed since it was written (reviewed, edited, retired), if any."""
    for item in props.get("fingerprints") or []:
        note_id, _, was = str(item).rpartition(" ")
        if note_id and _fingerprint(service, note_id) != was:
            return note_id
    return None


def accept(service: MemoryService, key: str) -> Proposal:
    """Carry out an open proposal, if its case still holds on the vault as it is now and none of its notes
    changed since it was written (else it is closed as obsolete). Only the proposal's own notes are
    looked at again, not the whole vault."""
    book = ProposalBook(service.paths.vault)
    with book.lock:
        path, proposal = book.find(key)
        if proposal.kind == "review":
            raise Refused(f"proposal {proposal.key} changes nothing: settle it in the notes, or reject it")
        props = next((p for f, p, _ in book.copies(key) if f == path), {})
        changed = _changed_since(service, props)
        holds = proposal.key in {p.key for p in Consolidator(service).find(only=proposal.ids)}
        if changed is not None or not holds:
            book._set_status(key, "obsolete")
            why = f"{changed} changed since it was proposed" if changed is not None else "its notes changed since"
            raise Refused(f"proposal {key} no longer holds ({why}); it was closed")
        Consolidator(service).apply(proposal)
        book._set_status(key, "accepted")
        return proposal


def reopen_undone(service: MemoryService, batches: Iterable[Any]) -> None:
    """After `memem undo`: accepted proposals whose change was undone are open again, and a fold made by
    itself that was undone is remembered as an open proposal, so no later pass folds it again."""
    book = ProposalBook(service.paths.vault)
    for batch in batches:
        if getattr(batch, "op", "") != "consolidate":
            continue
        key = str(getattr(batch, "summary", "")).split(" ", 1)[0]
        if book.reopen(key):
            continue
        ids = {e.note_id for e in getattr(batch, "entries", []) if getattr(e, "note_id", None)}
        found = [p for p in Consolidator(service).find(only=ids) if p.kind == "merge"]
        again = [p for p in found if p.key == key] or found
        book.write_open(again, service, dt.date.today())


def reject(service: MemoryService, key: str) -> Proposal:
    """Decline a proposal: it is never made again (in this direction: "retire B for A" is another one)."""
    book = ProposalBook(service.paths.vault)
    with book.lock:
        _, proposal = book.find(key)
        book.decide(key, "rejected")
        return proposal
