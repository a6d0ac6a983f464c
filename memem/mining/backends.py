"""Where the miner reads and writes memories: the running daemon, or the stores opened locally."""

from __future__ import annotations

from typing import Any

from memem.client.discovery import DaemonInfo
from memem.client.http import call
from memem.config import Paths, load_or_create_token
from memem.memory.service import MemoryService


class DaemonBackend:
    def __init__(self, paths: Paths, info: DaemonInfo) -> None:
        self.info = info
        self.token = load_or_create_token(paths.home)

    def _op(self, name: str, payload: dict[str, Any]) -> Any:
        return call(self.info.host, self.info.port, self.token, "POST", f"/v1/op/{name}", payload, timeout=600)

    def similar(self, texts: list[str], project: str | None) -> list[list[dict[str, Any]]]:
        return list(self._op("mine_similar", {"texts": texts, "project": project}))

    def apply(
        self, items: list[dict[str, Any]], project: str | None, session_id: str | None, miner: str
    ) -> dict[str, Any]:
        return dict(
            self._op("mine_apply", {"items": items, "project": project, "session_id": session_id, "miner": miner})
        )


class LocalBackend:
    def __init__(self, service: MemoryService) -> None:
        self.service = service

    def similar(self, texts: list[str], project: str | None) -> list[list[dict[str, Any]]]:
        from memem.mining.apply import similar

        return similar(self.service, texts, project)

    def apply(
        self, items: list[dict[str, Any]], project: str | None, session_id: str | None, miner: str
    ) -> dict[str, Any]:
        from memem.mining.apply import apply

        return apply(self.service, items, project, session_id, miner)
