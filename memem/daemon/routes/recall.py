"""/v1/search, /v1/search/batch, /v1/slice, /v1/inject, /v1/session: recall over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from memem.daemon.context import DaemonContext, recall_for_prompt
from memem.daemon.http import budget_of, endpoint, optional_text, read_json
from memem.errors import BadRequest
from memem.memory.screen import refuse_secret_name
from memem.recall.query import Query, parse_query
from memem.recall.search import pinned_hits, search
from memem.recall.slice import briefing, render
from memem.vault.playbooks import read_playbook


def routes(ctx: DaemonContext) -> list[BaseRoute]:
    store = ctx.store

    async def search_route(request: Request) -> Any:
        query = parse_query(await read_json(request))
        refuse_secret_name(query.project, "`project`")
        hits = await run_in_threadpool(search, store, query)
        return {"results": [h.as_dict() for h in hits]}

    async def batch_route(request: Request) -> Any:
        queries = (await read_json(request)).get("queries")
        if not isinstance(queries, list):
            raise BadRequest("`queries` must be a list of query objects")
        parsed: list[Query | str] = []
        for item in queries:
            try:
                parsed.append(parse_query(item) if isinstance(item, dict) else "not a query object")
            except BadRequest as exc:
                parsed.append(str(exc))

        def run_all() -> list[Any]:
            return [{"error": q} if isinstance(q, str) else [h.as_dict() for h in search(store, q)] for q in parsed]

        return {"results": await run_in_threadpool(run_all)}

    async def slice_route(request: Request) -> Any:
        data = await read_json(request)
        budget = budget_of(data)
        data.setdefault("include_archive", False)  # layer 3 only on an explicit search
        query = parse_query(data)
        refuse_secret_name(query.project, "`project`")  # the slice's heading names it

        def build() -> dict[str, Any]:
            hits = search(store, query)
            rendered = render(hits, budget, query.project)
            shown, hits_json = list(rendered.shown), [h.as_dict() for h in hits]
            return {"markdown": rendered.markdown, "shown": shown, "tokens": rendered.tokens, "hits": hits_json}

        return await run_in_threadpool(build)

    async def inject_route(request: Request) -> Any:
        """What the UserPromptSubmit hook adds to a prompt: memories above the relevance floor, or nothing."""
        data = await read_json(request)
        prompt = data.get("prompt")
        if not isinstance(prompt, str):
            raise BadRequest("`prompt` must be a string")
        project, budget, session = optional_text(data, "project"), budget_of(data), optional_text(data, "session")
        refuse_secret_name(project, "`project`")  # the slice's heading names it
        injected = await run_in_threadpool(recall_for_prompt, store, prompt, project, budget, session)
        return {"markdown": injected.markdown, "shown": list(injected.shown), "reason": injected.reason}

    async def session_route(request: Request) -> Any:
        """What the SessionStart hook primes: the project's pinned (layer 0) memories."""
        data = await read_json(request)
        project, budget = optional_text(data, "project"), budget_of(data)
        refuse_secret_name(project, "`project`")  # the briefing's headings name it

        def build() -> dict[str, Any]:
            hits = pinned_hits(store, project)
            shown = render(hits, budget, project).shown
            markdown = briefing(read_playbook(store.paths.vault, project), project, hits, budget)
            return {"markdown": markdown, "shown": list(shown)}

        return await run_in_threadpool(build)

    return [
        Route("/v1/search", endpoint(search_route), methods=["POST"]),
        Route("/v1/search/batch", endpoint(batch_route), methods=["POST"]),
        Route("/v1/slice", endpoint(slice_route), methods=["POST"]),
        Route("/v1/inject", endpoint(inject_route), methods=["POST"]),
        Route("/v1/session", endpoint(session_route), methods=["POST"]),
    ]
