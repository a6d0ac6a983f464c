"""The memory operations by name: one table behind the daemon's HTTP API, its MCP tools and the CLI.

`/v1/op/<name>` serves it (the CLI, the miner and the Obsidian plugin call it), the MCP tools call
it with their typed arguments, and the CLI runs the same table in its own process when no daemon
runs. So an operation's checks, its defaults and its answer are the same wherever it is asked for:
a field of the wrong type is a BadRequest that names the field (never a 500), an unknown operation
a NotFound that lists the known ones.

No web framework is imported here: the CLI's in-process path loads this without starlette or MCP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from memem.errors import BadRequest, NotFound
from memem.memory import reading
from memem.memory.importer import allowed_roots, import_path, import_source
from memem.memory.screen import quoted
from memem.memory.service import MemoryService, SaveRequest
from memem.mining import apply as mining_apply
from memem.mining.chat_import import mine_export
from memem.mining.transcript_search import TranscriptSearch


@dataclass(frozen=True)
class OpContext:
    service: MemoryService
    transcripts: TranscriptSearch = field(default_factory=TranscriptSearch)
    project_dir: str | None = None  # the calling session's project folder (imports may read it)


class Args:
    """A request's JSON fields, read with their types checked: a wrong one names itself."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise BadRequest("the request must be a JSON object")
        self.data = data

    def text(self, name: str, required: bool = True) -> str | None:
        value = self.data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"`{name}` must be a non-empty string")
        return value

    def required(self, name: str) -> str:
        value = self.text(name)
        assert value is not None
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadRequest(f"`{name}` must be an integer from {low} to {high}")
        return value

    def optional_integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise BadRequest(f"`{name}` must be an integer")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise BadRequest(f"`{name}` must be true or false")
        return value

    def texts(self, name: str, required: bool = False) -> list[str]:
        value = self.data.get(name)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequest(f"`{name}` must be a list of strings")
        return list(value)

    def objects(self, name: str) -> list[dict[str, Any]]:
        value = self.data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BadRequest(f"`{name}` must be a list of objects")
        return list(value)

    def links(self, name: str) -> dict[str, list[str]]:
        value = self.data.get(name) or {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(t, str) for t in v) for k, v in value.items()
        ):
            raise BadRequest(f"`{name}` must map link kinds to lists of ids")
        return dict(value)


def _save(ctx: OpContext, a: Args) -> Any:
    request = SaveRequest(
        content=a.required("content"), title=a.text("title", False), tags=tuple(a.texts("tags")),
        project=a.text("project", False), kind=a.text("kind", False), layer=a.optional_integer("layer"),
        importance=a.optional_integer("importance"), links=a.links("links"),
    )  # fmt: skip
    return ctx.service.save(request)


def _import(ctx: OpContext, a: Args) -> Any:
    # The caller's project folder (an HTTP caller's `project_dir`, else the relay's header): taken as a
    # root only if it is a project in the home folder (`usable_project_dir`), never any folder named.
    project_dir = a.text("project_dir", False) or ctx.project_dir
    roots = allowed_roots(ctx.service.paths, project_dir)
    chat = lambda path, raw, project: mine_export(ctx.service, path, raw, project)  # noqa: E731
    path = import_source(a.required("path"), project_dir)
    return import_path(ctx.service, path, roots, a.text("project", False), chat)


def _playbook(ctx: OpContext, project: str) -> Any:
    from memem.memory.playbook import create_playbook

    path = create_playbook(ctx.service, project)
    return {"path": path.relative_to(ctx.service.paths.vault).as_posix()}


def _record(ctx: OpContext, ref: str) -> Any:
    from memem.index.ledger import Record

    row = ctx.service.resolve(ref)
    return ctx.service.store.ledger.records([row.id]).get(row.id) or Record(row.id)


def _undo(ctx: OpContext, count: int) -> Any:
    from memem.memory.consolidate import reopen_undone

    batches = ctx.service.undo(count)
    reopen_undone(ctx.service, batches)
    return batches


def _undo_one(ctx: OpContext, batch: str) -> Any:
    from memem.memory.consolidate import reopen_undone

    done = ctx.service.undo_batch(batch)
    reopen_undone(ctx.service, done.batches)
    return done.to_json()


def _canaries(ctx: OpContext) -> Any:
    from memem.recall.canaries import check

    return check(ctx.service.store)


def _consolidate(ctx: OpContext, a: Args) -> Any:
    from memem.daemon.idle import consolidator

    return consolidator(ctx.service, with_model=a.flag("model", True)).run(apply_safe=a.flag("apply_safe", True))


def _proposals(ctx: OpContext, a: Args) -> Any:
    from memem.memory.consolidate import ProposalBook

    return [{**p.to_json(), "file": path.relative_to(ctx.service.paths.vault).as_posix()}
            for path, p in ProposalBook(ctx.service.paths.vault).open()]  # fmt: skip


def _decide(ctx: OpContext, a: Args) -> Any:
    from memem.memory.consolidate import accept, reject

    decision = a.required("decision")
    if decision not in ("accept", "reject"):
        raise BadRequest("`decision` must be accept or reject")
    return (accept if decision == "accept" else reject)(ctx.service, a.required("key"))


def _team_propose(ctx: OpContext, a: Args) -> Any:
    from memem.teams.propose import propose
    from memem.vault.teams import teams

    rows = [ctx.service.resolve(ref) for ref in a.texts("ids", required=True)]
    name = a.text("team", False)
    if name is None:
        known = teams(ctx.service.paths.vault)
        if len(known) != 1:
            listed = ", ".join(t.name for t in known) or "none"
            raise BadRequest(f"`team` is required when the vault does not hold exactly one team (teams: {listed})")
        name = known[0].name
    return propose(ctx.service.paths.vault, name, [(r.id, r.path) for r in rows], push=a.flag("push", True))


Operation = Callable[[OpContext, Args], Any]

OPERATIONS: dict[str, Operation] = {
    "save": _save,
    "get": lambda ctx, a: reading.get(ctx.service, a.texts("ids", required=True)),
    "deprecate": lambda ctx, a: ctx.service.deprecate(
        a.required("id"), a.text("successor", False), a.text("reason", False)
    ),
    "link": lambda ctx, a: ctx.service.link(
        a.required("source"), a.required("target"), a.required("kind"), a.flag("remove")
    ),
    "timeline": lambda ctx, a: reading.timeline(ctx.service, a.required("id"), a.integer("around", 5, 0, 50)),
    "list": lambda ctx, a: reading.listing(
        ctx.service, a.text("project", False), a.integer("limit", 50, 1, 200), a.integer("offset", 0, 0, 10**9)
    ),
    "neighbors": lambda ctx, a: reading.neighbours(ctx.service, a.required("id"), a.texts("kinds") or None),
    "graph_audit": lambda ctx, a: reading.audit_graph(ctx.service),
    "known": lambda ctx, a: sorted(ctx.service.store.catalog.known_ids(a.texts("ids"))),
    "import": _import,
    "transcripts": lambda ctx, a: ctx.transcripts.search(
        a.required("query"), a.text("project", False), a.integer("limit", 10, 1, 100)
    ),
    "team_propose": _team_propose,
    "consolidate": _consolidate,
    "canaries": lambda ctx, a: _canaries(ctx),
    "record": lambda ctx, a: _record(ctx, a.required("id")),
    "playbook_create": lambda ctx, a: _playbook(ctx, a.required("project")),
    "log_edits": lambda ctx, a: {"logged": ctx.service.log_edits(a.required("summary"), a.objects("touched"))},
    "proposals": _proposals,
    "proposal_decide": _decide,
    "history": lambda ctx, a: ctx.service.history(a.integer("limit", 10, 1, 200)),
    "undo": lambda ctx, a: _undo(ctx, a.integer("count", 1, 1, 50)),
    "undo_batch": lambda ctx, a: _undo_one(ctx, a.text("batch") or ""),
    "redo": lambda ctx, a: ctx.service.redo().to_json(),
    "mine_similar": lambda ctx, a: mining_apply.similar(ctx.service, a.texts("texts"), a.text("project", False)),
    "mine_apply": lambda ctx, a: mining_apply.apply(
        ctx.service,
        a.objects("items"),
        a.text("project", False),
        a.text("session_id", False),
        a.text("miner", False) or "?",
    ),
}


def run(ctx: OpContext, name: str, payload: Mapping[str, Any]) -> Any:
    """The operation's typed result (for an edge that renders it, like an MCP tool)."""
    operation = OPERATIONS.get(name)
    if operation is None:
        raise NotFound(
            f"no operation {quoted(name, 'by that name')}; the operations are {', '.join(sorted(OPERATIONS))}"
        )
    return operation(ctx, Args(payload))


def to_json(value: Any) -> Any:
    """A result as the JSON the API answers: typed values by their own `to_json`, the rest as they are."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def perform(ctx: OpContext, name: str, payload: Mapping[str, Any]) -> Any:
    """The operation's answer as JSON (for the HTTP route and the CLI)."""
    return to_json(run(ctx, name, payload))
