"""What every route and tool of the daemon shares: the stores, the sync loop, the memory service."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from memem.daemon.operations import OpContext
from memem.hooks.events import log as hook_log
from memem.index.ledger import prompt_hash
from memem.index.store import IndexStore
from memem.memory.service import MemoryService
from memem.mining.judging import session_judging_model
from memem.mining.transcript import clean
from memem.mining.transcript_search import TranscriptSearch
from memem.mining.usefulness import score_turns
from memem.recall.inject import Injection, inject
from memem.recall.search import pinned_hits
from memem.recall.slice import briefing
from memem.settings import settings
from memem.sync.loop import SyncLoop
from memem.teams.schedule import TeamPuller
from memem.vault.playbooks import read_playbook


@dataclass
class DaemonContext:
    store: IndexStore
    loop: SyncLoop
    token: str
    started: float
    teams: TeamPuller | None = None  # the scheduled pull of the vault's team vaults
    service: MemoryService = field(init=False)
    transcripts: TranscriptSearch = field(default_factory=TranscriptSearch)

    def __post_init__(self) -> None:
        self.service = MemoryService(self.store)

    def operations(self, project_dir: str | None = None) -> OpContext:
        return OpContext(self.service, self.transcripts, project_dir)


def recall_for_prompt(
    store: IndexStore, prompt: str, project: str | None, budget: int, session: str | None
) -> Injection:
    """The prompt hook's recall, recorded in the ledger. On a held-out prompt (`MEMEM_HOLDOUT`, decided by
    the prompt's hash) nothing is injected, and what would have been is recorded as held out."""
    injected = inject(store, prompt, project, budget)
    share = settings().holdout
    held = bool(injected.shown) and share > 0 and int(prompt_hash(prompt)[:8], 16) / 0x100000000 < share
    # Hashed as the transcript will show the prompt (cleaned: a slash command as its name and arguments).
    store.ledger.shown(injected.shown, project, session, clean(prompt), holdout=held)
    if held:
        return Injection("", injected.shown, f"held out ({share:.0%} of prompts): {injected.reason}")
    return injected


_judging = threading.Lock()
"""One judging at a time: two Stops close together must not ask the model twice about the same rows."""


def score_session(store: IndexStore, transcript: str | None, session: str | None) -> None:
    """At Stop: judge the memories shown in this session's finished turns (in a thread: Stop returns at
    once), by the miner's model only when the person opted in to mining (`session_judging_model`: else
    nothing of the session leaves the machine and the words judge, here)."""
    if not session or not transcript or not transcript.endswith(".jsonl") or not Path(transcript).is_file():
        return  # (only a Claude Code transcript is read: the request names a path)

    def texts(ids: list[str]) -> dict[str, str]:
        # A note marked since as withheld (text addressed to a model, a secret) is not put to a model, not even as data.
        rows = {r.id: r for i in ids for r in store.catalog.by_id(i)[:1] if not r.withheld}
        bodies = store.catalog.bodies([r.uid for r in rows.values()])
        return {i: f"{r.title}\n{bodies.get(r.uid, '')}" for i, r in rows.items()}

    def run() -> None:
        try:
            with _judging:
                model, why = session_judging_model(store.paths.home)
                judged = score_turns(store.ledger, texts, Path(transcript), session, model)
                if judged:
                    hook_log(store.paths.home, f"Stop: {judged} shown memories judged by {why}")
        except Exception:  # a transcript memem cannot read costs its verdicts, never the daemon
            logging.getLogger(__name__).exception("could not judge the memories shown in %s", transcript)

    threading.Thread(target=run, name="memem-ledger", daemon=True).start()


class DaemonHookBackend:
    """Recall for hook events, in the daemon's own process (the hooks' `Backend`)."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.paths = store.paths

    def inject(self, prompt: str, project: str | None, budget: int, session: str | None = None) -> str:
        injected = recall_for_prompt(self.store, prompt, project, budget, session)
        shown = list(injected.shown)
        hook_log(self.paths.home, f"UserPromptSubmit project={project} shown={shown} ({injected.reason})")
        return injected.markdown

    def turn_ended(self, session: str | None, transcript: str | None) -> None:
        score_session(self.store, transcript, session)

    def session(self, project: str | None, budget: int) -> str:
        playbook = read_playbook(self.paths.vault, project)
        return briefing(playbook, project, pinned_hits(self.store, project), budget)
