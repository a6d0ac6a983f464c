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
import re
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
from memem.memory.screen import quoted
from memem.memory.service import MemoryService
from memem.vault import frontmatter, writer
from memem.vault.files import FileRefused, read_bounded
from memem.vault.note import MAX_NOTE_BYTES, render_new_note

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
"""Stale proposals made per run: a backlog is worked through a few at a time, not dumped at once."""
log = logging.getLogger(__name__)

KINDS = ("merge", "deprecate", "stale")
"""Proposal statuses: open, accepted, rejected, obsolete (its case no longer held)."""


@dataclass(frozen=True)
class Proposal:
    kind: str  # merge | deprecate | stale
    ids: tuple[str, ...]  # merge: the one to keep first; deprecate / stale: the one to retire (then its successor)
    reason: str  # a rule's name: duplicate, near-duplicate, superseded, contradicted, stale
    evidence: str

    @property
    def key(self) -> str:
        digest = hashlib.sha256(f"{self.kind}:{':'.join(sorted(self.ids))}".encode()).hexdigest()[:10]
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


_SENTENCE_PUNCT = re.compile(r"[.,;:!?]+(?=\s|$)")


def normalised(text: str) -> str:
    """The text as two exact copies share it: case, spacing and sentence punctuation set aside, every
    other character kept (`RETRY=-1` and `RETRY=1`, `!=` and `==` stay different)."""
    return " ".join(_SENTENCE_PUNCT.sub("", text.lower()).split())


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _keeper_order(row: Row) -> tuple[int, str, str]:
    """Which copy of a duplicate stays: a reviewed one, then the oldest, then by path."""
    return (0 if row.reviewed else 1, row.created or "9999", row.path)


def _machine_owned(row: Row) -> bool:
    return row.source_type == "mined" and not row.reviewed


def text_hash(title: str, body: str) -> str:
    """The hash a model's answer about a note is kept under: its words, not its file (`index.verdicts`)."""
    return hashlib.sha256(normalised(f"{title}\n{body}").encode()).hexdigest()[:20]


Pair = tuple[int, int]
"""Two notes by catalog uid, the smaller first."""
_VERBS = {"refines": "says the same with more detail than", "supersedes": "replaces", "contradicts": "contradicts"}


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

    # --- finding ------------------------------------------------------------------------------------
    def active_rows(self) -> list[Row]:
        """The person's own active notes (a team's are curated by the team, in its repository)."""
        return [r for r in self.store.catalog.rows() if r.status == "active" and r.team is None]

    def find(self) -> list[Proposal]:
        rows = self.active_rows()
        bodies = self.store.catalog.bodies([r.uid for r in rows])
        by_uid = {r.uid: r for r in rows}
        found: list[Proposal] = []
        exact = self._exact_duplicates(rows, bodies)
        found += exact
        in_exact = {i for p in exact for i in p.ids}
        pairs = self._similar_pairs([r for r in rows if r.id not in in_exact])
        verdicts = self._verdicts(pairs, by_uid, bodies)
        found += self._near_duplicates(pairs, verdicts, by_uid)
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
            for hit in self.store.vectors.query(vector, 6, scope.vector_where()):
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
        settled = self._settled()
        older_first: dict[Pair, tuple[Row, Row]] = {}
        hashes: dict[Pair, tuple[str, str]] = {}
        for pair in pairs:
            if pair in settled or by_uid[pair[0]].withheld or by_uid[pair[1]].withheld:
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
        self, pairs: dict[Pair, float], verdicts: dict[Pair, PairVerdict], by_uid: dict[int, Row]
    ) -> list[Proposal]:
        """Groups of notes saying the same thing: pairs a model called duplicates, and pairs nearly the
        same direction it has not judged (the rule). A pair it judged otherwise is not a duplicate.

        A group is a note to keep and the notes that duplicate *it*, not a chain: A like B and B like C
        does not make C a copy of A (B may just be broader than both). Keepers are taken in keeper order;
        a note only like an earlier group's member waits until that group is decided."""
        linked: dict[Pair, float] = {}
        near: dict[int, set[int]] = {}
        for pair, cosine in pairs.items():
            verdict = verdicts.get(pair)
            if (verdict is None and cosine >= NEAR_COSINE) or (verdict is not None and verdict.relation == "duplicate"):
                linked[pair] = cosine
                near.setdefault(pair[0], set()).add(pair[1])
                near.setdefault(pair[1], set()).add(pair[0])
        clusters: dict[int, list[Row]] = {}
        grouped: set[int] = set()
        for keeper in sorted((by_uid[u] for u in near), key=_keeper_order):
            if keeper.uid in grouped:
                continue
            copies = [by_uid[u] for u in near[keeper.uid] if u not in grouped]
            if copies:
                clusters[keeper.uid] = [keeper, *copies]
                grouped.update({keeper.uid, *(c.uid for c in copies)})
        proposals = []
        for members in clusters.values():
            ordered = sorted(members, key=_keeper_order)
            uids = {m.uid for m in members}
            inside = [p for p in linked if set(p) <= uids]
            top = max(linked[p] for p in inside)
            said = [verdicts[p].evidence for p in inside if p in verdicts and verdicts[p].evidence]
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
            said = f": {verdict.evidence}" if verdict.evidence else ""
            proposals.append(Proposal(
                "deprecate", (retired.id, keeper.id), f"judged-{verdict.relation}",
                f"“{keeper.title}” {_VERBS[verdict.relation]} it, as the model judged{said}{unclear}",
            ))  # fmt: skip
        return proposals

    def _superseded(self, rows: Sequence[Row]) -> list[Proposal]:
        active = {r.uid: r for r in rows}
        proposals = []
        with self.store.lock:
            edges = [e for e in self.store.graph.edges() if e.kind == "supersedes"]
        for edge in edges:
            newer, older = active.get(edge.source), active.get(edge.target) if isinstance(edge.target, int) else None
            if older is None:
                continue
            successor = (newer.id,) if newer is not None else ()
            by = f"“{newer.title}”" if newer is not None else "a note that is itself retired"
            proposals.append(Proposal("deprecate", (older.id, *successor), "superseded",
                                      f"superseded by {by} but still active"))  # fmt: skip
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
            older, newer = sorted((a, b), key=lambda r: (r.created or "", r.path))
            if (older.created or "") == (newer.created or ""):
                continue  # the same day: which one holds is for a person to say, in the contradictions pane
            proposals.append(Proposal(
                "deprecate", (older.id, newer.id), "contradicted",
                f"contradicted by the newer “{newer.title}” ({newer.created} against {older.created})",
            ))  # fmt: skip
        return proposals

    def _stale(self, rows: Sequence[Row]) -> list[Proposal]:
        started = self.store.ledger.started()
        horizon = self.now - STALE_DAYS * 86400
        if started is None or started > horizon:
            return []  # the ledger is younger than the horizon: "never shown" would mean nothing yet
        last = self.store.ledger.last_shown()
        cutoff = self.today - dt.timedelta(days=STALE_DAYS)
        proposals: list[Proposal] = []
        for row in rows:
            stamp = _date(row.updated) or _date(row.created)
            # Pinned and archived notes are never in a prompt's slice by design, canaries on purpose.
            if row.layer in (0, 3) or {"canary", "canary-never"} & {t.lower() for t in row.tags}:
                continue
            if stamp is None or stamp > cutoff or last.get(row.id, 0.0) > horizon:
                continue
            if len(proposals) >= MAX_STALE:
                break
            shown = last.get(row.id)
            when = f"last shown {dt.date.fromtimestamp(shown)}" if shown else "never shown"
            proposals.append(Proposal("stale", (row.id,), "stale", f"{when}; written {stamp}, not updated since"))
        return proposals

    # --- acting -------------------------------------------------------------------------------------
    def is_safe(self, proposal: Proposal) -> bool:
        """Only an exact duplicate whose every copy but the one kept is an unreviewed mined note."""
        if proposal.reason != "duplicate":
            return False
        try:
            rows = [self.service.resolve(i) for i in proposal.ids[1:]]
        except (NotFound, Refused):
            return False
        return all(_machine_owned(r) for r in rows)

    def apply(self, proposal: Proposal) -> None:
        """Carry a proposal out (accepted by the person, or safe): deprecate with a link, never delete."""
        with self.service.events.operation("consolidate", f"{proposal.key} {proposal.kind}: {proposal.evidence}"):
            if proposal.kind == "merge":
                keeper, *others = proposal.ids
                for other in others:
                    self.service.deprecate(other, successor=keeper, reason=f"{proposal.reason} of {keeper}")
            elif proposal.kind == "deprecate":
                target, *successor = proposal.ids
                self.service.deprecate(target, successor=successor[0] if successor else None, reason=proposal.reason)
            elif proposal.kind == "stale":
                self.service.deprecate(proposal.ids[0], reason=f"stale: {proposal.evidence}")
            else:
                raise Refused(f"unknown proposal kind {proposal.kind!r}")

    def run(self, apply_safe: bool = True) -> Report:
        started = time.monotonic()
        report = Report()
        book = ProposalBook(self.service.paths.vault)
        decided = book.decided()
        found = self.find()
        book.close_obsolete({p.key for p in found})
        for proposal in found:
            if proposal.key in decided:
                continue
            if apply_safe and self.is_safe(proposal):
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


class ProposalBook:
    """The proposals as notes in `memem/proposals/`: one file each, named by its key."""

    def __init__(self, vault: Path) -> None:
        self.vault = vault
        self.folder = vault / PROPOSALS_FOLDER

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

    def decided(self) -> set[str]:
        return {str(p["key"]) for _, p in self._files() if p.get("status") in ("accepted", "rejected")}

    def open(self) -> list[tuple[Path, Proposal]]:
        found = []
        for path, props in self._files():
            if props.get("status", "open") != "open" or props.get("proposal") not in KINDS:
                continue
            ids = tuple(str(i) for i in props.get("ids") or [])
            found.append((path, Proposal(str(props["proposal"]), ids, str(props.get("reason", "")),
                                         str(props.get("evidence", "")))))  # fmt: skip
        return found

    def find(self, key: str) -> tuple[Path, Proposal]:
        for path, proposal in self.open():
            if proposal.key == key:
                return path, proposal
        raise NotFound(f"no open proposal {quoted(key, 'by that key')} (`memem consolidate --list` shows them)")

    def close_obsolete(self, still: set[str]) -> None:
        """Open proposals whose case no longer holds (a note changed, was retired, a link went): closed."""
        for path, proposal in self.open():
            if proposal.key not in still:
                writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": "obsolete"}))

    def reopen(self, key: str) -> None:
        """An accepted proposal whose change was undone: open again, for the person to decide anew."""
        for path, props in self._files():
            if props.get("key") == key and props.get("status") == "accepted":
                writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": "open"}))

    def write_open(self, proposals: Sequence[Proposal], service: MemoryService, today: dt.date) -> None:
        """A file for each new proposal, named by its key (an open one already on file is left as it is)."""
        existing = {p.key for _, p in self.open()}
        for proposal in proposals:
            if proposal.key in existing or (self.folder / f"{proposal.key}.md").exists():
                continue
            names = []
            for note_id in proposal.ids:
                try:
                    names.append(f"[[{service.resolve(note_id).name}]]")
                except (NotFound, Refused):
                    names.append(note_id)
            props = {
                "proposal": proposal.kind, "key": proposal.key, "status": "open", "reason": proposal.reason,
                "ids": list(proposal.ids), "targets": names, "evidence": proposal.evidence,
                "created": today.isoformat(),
            }  # fmt: skip
            body = _explain(proposal, names)
            self.folder.mkdir(parents=True, exist_ok=True)
            writer.create_new(self.folder, proposal.key, render_new_note(props, body).encode("utf-8"))

    def decide(self, key: str, status: str) -> Path:
        path, _ = self.find(key)
        writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": status}))
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
    return f"Retire {names[0]}? {proposal.evidence}. Accepting deprecates it; it stays in the vault as history."


def accept(service: MemoryService, key: str) -> Proposal:
    """Carry out an open proposal, if its case still holds on the vault as it is now (else it is closed)."""
    book = ProposalBook(service.paths.vault)
    path, proposal = book.find(key)
    if key not in {p.key for p in Consolidator(service).find()}:
        writer.update(path, lambda text: frontmatter.edit_keys(text, {"status": "obsolete"}))
        raise Refused(f"proposal {key} no longer holds (its notes changed since); it was closed")
    Consolidator(service).apply(proposal)
    book.decide(key, "accepted")
    return proposal


def reopen_undone(service: MemoryService, batches: Iterable[Any]) -> None:
    """After `memem undo`: accepted proposals whose change was undone are open again."""
    book = ProposalBook(service.paths.vault)
    for batch in batches:
        if getattr(batch, "op", "") == "consolidate":
            book.reopen(str(getattr(batch, "summary", "")).split(" ", 1)[0])


def reject(service: MemoryService, key: str) -> Proposal:
    book = ProposalBook(service.paths.vault)
    _, proposal = book.find(key)
    book.decide(key, "rejected")
    return proposal
