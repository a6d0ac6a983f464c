"""What every route and tool of the daemon shares: the stores, the sync loop, the memory service."""

from __future__ import annotations

from dataclasses import dataclass, field

from memem.daemon.operations import OpContext
from memem.hooks.events import log as hook_log
from memem.index.store import IndexStore
from memem.memory.service import MemoryService
from memem.mining.transcript_search import TranscriptSearch
from memem.recall.inject import inject
from memem.recall.search import pinned_hits
from memem.recall.slice import render
from memem.sync.loop import SyncLoop
from memem.teams.schedule import TeamPuller


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


class DaemonHookBackend:
    """Recall for hook events, in the daemon's own process (the hooks' `Backend`)."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.paths = store.paths

    def inject(self, prompt: str, project: str | None, budget: int) -> str:
        injected = inject(self.store, prompt, project, budget)
        shown = list(injected.shown)
        self.store.ledger.shown(shown, project, prompt=prompt)
        hook_log(self.paths.home, f"UserPromptSubmit project={project} shown={shown} ({injected.reason})")
        return injected.markdown

    def session(self, project: str | None, budget: int) -> str:
        return render(pinned_hits(self.store, project), budget, project).markdown
