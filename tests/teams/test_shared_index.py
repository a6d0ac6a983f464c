"""The team vaults' vectors on a real Chroma server (`chroma run` from the installed package, on a free
loopback port, its data in tmp_path): each note embedded once for the team, readers only query, a
server killed mid-index loses and doubles nothing, a wrong token is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice
from memem.index.embeddings.minilm import MiniLMEmbedder
from memem.index.health import health
from memem.index.shared import SharedConfig, SharedIndex, SharedUnavailable
from memem.index.store import EMBED_BATCH, IndexStore
from memem.recall.query import Query
from memem.recall.search import search
from memem.teams import membership
from memem.teams.index_server import free_port, start_chroma
from memem.testing import CountingEmbedder, note_text, write_note

from .conftest import git


class Server:
    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = start_chroma(self.path, self.port)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "chroma-server")
    running.start()
    yield running
    running.kill()


def team_origin(tmp_path: Path, count: int) -> Path:
    seed = membership.init_repo(tmp_path / "seed", "acme", ["api"])
    for n in range(count):
        text = note_text(
            f"Service {n} is deployed by the pipeline stage number {n}; its owner rotates weekly.",
            id=f"team-{n:04d}", title=f"Service {n} deployment",
        )  # fmt: skip
        (seed / "memories" / f"Service {n}.md").write_text(text, encoding="utf-8")
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", f"{count} notes")
    bare = tmp_path / "team.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(seed), str(bare)], check=True)
    return bare


def vault_with_team(tmp_path: Path, name: str, origin: Path) -> Paths:
    vault = tmp_path / name
    (vault / "memem" / "memories").mkdir(parents=True)
    write_note(vault, f"Own note of {name}", f"{name} keeps a personal note about editors.", id=f"own-{name}")
    membership.add(vault, str(origin))
    return Paths.resolve(vault)


def open_store(paths: Paths, minilm: MiniLMEmbedder, config: SharedConfig) -> tuple[IndexStore, CountingEmbedder]:
    counting = CountingEmbedder(minilm)
    return IndexStore(paths, EmbedderChoice(counting), shared=config), counting  # type: ignore[arg-type]


def server_count(server: Server, minilm: MiniLMEmbedder) -> int:
    return SharedIndex(SharedConfig(server.url, None, "reader"), minilm).count("acme")


def vector_ids(store: IndexStore, text: str, project: str = "api") -> list[str]:
    return [h.id for h in search(store, Query(text, project=project, mode="vector", rerank=0, graph=False))]


def test_a_writer_embeds_each_team_note_once_onto_the_server_and_a_reader_only_queries(
    tmp_path: Path, server: Server, minilm: MiniLMEmbedder
) -> None:
    origin = team_origin(tmp_path, 30)
    writer, wrote = open_store(
        vault_with_team(tmp_path, "ada", origin), minilm, SharedConfig(server.url, None, "writer")
    )
    report = writer.reconcile()
    assert report.added == 31 and len(wrote.texts) == 31  # 30 team notes and the person's own, each once
    assert server_count(server, minilm) == 30
    assert writer.vectors.count() == 1  # the person's own note is the only vector kept locally
    assert vector_ids(writer, "Service 7 is deployed by pipeline stage number 7")[0] == "team-0007"
    assert health(writer).stale_vectors == 0

    reader, read = open_store(
        vault_with_team(tmp_path, "bob", origin), minilm, SharedConfig(server.url, None, "reader")
    )
    reader.reconcile()
    assert len(read.texts) == 1  # only bob's own note: the team's vectors were found on the server
    assert vector_ids(reader, "Service 12 is deployed by pipeline stage number 12")[0] == "team-0012"
    assert health(reader).stale_vectors == 0

    # A second writer at the same commit finds the work done too; nothing on the server doubles.
    third, third_count = open_store(
        vault_with_team(tmp_path, "cy", origin), minilm, SharedConfig(server.url, None, "writer")
    )
    third.reconcile()
    assert len(third_count.texts) == 1 and server_count(server, minilm) == 30
    for store in (writer, reader, third):
        store.close()


def test_a_reader_waits_for_a_writer_and_then_takes_its_vectors(
    tmp_path: Path, server: Server, minilm: MiniLMEmbedder
) -> None:
    origin = team_origin(tmp_path, 5)
    reader, read = open_store(
        vault_with_team(tmp_path, "bob", origin), minilm, SharedConfig(server.url, None, "reader")
    )
    reader.reconcile()
    assert len(read.texts) == 1 and health(reader).stale_vectors == 5  # nothing on the server yet: full text meanwhile
    ids = [h.id for h in search(reader, Query("Service 3 deployed pipeline stage", project="api", rerank=0))]
    read.texts.clear()
    assert "team-0003" in ids
    writer, _ = open_store(vault_with_team(tmp_path, "ada", origin), minilm, SharedConfig(server.url, None, "writer"))
    writer.reconcile()
    assert reader.shared is not None
    reader.shared.last_try = 0.0  # the retry is due (it comes every RETRY_AFTER seconds in the sync loop)
    assert reader.retry_shared() == 5 and len(read.texts) == 0  # taken from the server, not embedded here
    assert health(reader).stale_vectors == 0
    writer.close()
    reader.close()


def test_a_server_killed_mid_index_loses_and_doubles_nothing_and_re_embeds_only_what_it_lacks(
    tmp_path: Path, server: Server, minilm: MiniLMEmbedder
) -> None:
    origin = team_origin(tmp_path, 600)  # three embedding batches of the team writer (EMBED_BATCH = 256)
    paths = vault_with_team(tmp_path, "ada", origin)
    store, counting = open_store(paths, minilm, SharedConfig(server.url, None, "writer"))
    calls: list[int] = []
    embed = counting.embed_tokens  # what indexing runs: the vectors and the notes' token states in one pass

    def embed_then_kill_on_the_second_batch(texts: list[str]) -> object:
        calls.append(len(texts))
        vectors = embed(texts)
        if sum(calls[:-1]) == EMBED_BATCH:  # the first chunk (the personal note, a team batch), then: the server dies
            server.kill()
        return vectors

    counting.embed_tokens = embed_then_kill_on_the_second_batch  # type: ignore[method-assign]
    report = store.reconcile()  # does not fail: the team's notes wait, the person's own are indexed
    assert report.added == 601 and not report.bad
    # The personal note alone, one team batch stored, one lost with the server (each embedded a few
    # notes at a time, `TOKEN_BATCH`), and no third tried.
    assert calls[0] == 1 and sum(calls) == 2 * EMBED_BATCH
    stored_before = EMBED_BATCH - 1
    assert health(store).stale_vectors == 600 - stored_before
    status = health(store)
    assert status.shared_index is not None and status.shared_index["reachable"] is False
    assert any("unreachable" in p.what for p in status.problems)
    # Meanwhile recall degrades to full text for the team's notes, and says nothing false.
    found = [
        h.id for h in search(store, Query("Service 400 deployed pipeline stage number 400", project="api", rerank=0))
    ]
    assert "team-0400" in found

    embedded_before = len(counting.texts)
    server.start()  # same data folder, same port
    assert store.shared is not None
    store.shared.last_try = 0.0
    assert store.retry_shared() == 600 - stored_before
    assert len(counting.texts) - embedded_before == 600 - stored_before  # the stored 256 were not embedded again
    assert server_count(server, minilm) == 600  # none lost, none doubled (ids are note ids)
    assert health(store).stale_vectors == 0
    assert vector_ids(store, "Service 333 is deployed by pipeline stage number 333")[0] == "team-0333"
    store.close()


def test_the_token_gate_refuses_a_wrong_token_and_serves_the_right_one(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    port = free_port()
    env = {**os.environ, "MEMEM_CHROMA_TOKEN": "the-right-token-for-tests"}
    gate = subprocess.Popen(
        [sys.executable, "-m", "memem", "team", "index-server", "--path", str(tmp_path / "data"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        right = SharedIndex(SharedConfig(url, "the-right-token-for-tests", "writer"), minilm)
        deadline = time.monotonic() + 60
        while True:
            try:
                assert right.count("acme") == 0
                break
            except SharedUnavailable:
                assert gate.poll() is None and time.monotonic() < deadline, gate.stdout.read() if gate.stdout else ""
                time.sleep(0.2)
        wrong = SharedIndex(SharedConfig(url, "a-wrong-token", "writer"), minilm)
        with pytest.raises(SharedUnavailable):
            wrong.count("acme")
        assert wrong.reachable is False and "token" in str(wrong.last_error)
        anonymous = SharedIndex(SharedConfig(url, None, "writer"), minilm)
        with pytest.raises(SharedUnavailable):
            anonymous.stored_hashes("acme", ["x"])
        assert "the-right-token" not in str(wrong.last_error) + str(anonymous.last_error)
    finally:
        gate.send_signal(signal.SIGTERM)
        output = gate.communicate(timeout=30)[0].decode(errors="replace")
    assert "the-right-token-for-tests" not in output  # the token is never printed
    assert "MEMEM_CHROMA_TOKEN" in output
    inner = int(output.split("Chroma at 127.0.0.1:")[1].split(",")[0])
    with socket.socket() as probe:  # the Chroma server it started is stopped with it
        assert probe.connect_ex(("127.0.0.1", inner)) != 0


def test_team_notes_move_to_the_server_when_one_is_configured(
    tmp_path: Path, server: Server, minilm: MiniLMEmbedder
) -> None:
    origin = team_origin(tmp_path, 4)
    paths = vault_with_team(tmp_path, "ada", origin)
    local = IndexStore(paths, EmbedderChoice(minilm))  # no server: the team's vectors are kept here
    local.reconcile()
    assert local.vectors.count() == 5
    local.close()
    shared, counting = open_store(paths, minilm, SharedConfig(server.url, None, "writer"))
    assert shared.vectors.count() == 1  # the team's local vectors are gone: they live on the server now
    shared.reconcile()
    assert len(counting.texts) == 4 and server_count(server, minilm) == 4
    shared.close()


def test_a_second_memem_daemon_reads_the_teams_vectors_from_the_server(
    tmp_path: Path, server: Server, minilm: MiniLMEmbedder
) -> None:
    """Two real `memem serve` processes: one writes the team's vectors, the other (a reader) answers
    searches from them, then reports the server gone and keeps answering by full text."""
    from memem.testing import ready_daemon

    origin = team_origin(tmp_path, 20)
    ada, bob = vault_with_team(tmp_path, "ada", origin), vault_with_team(tmp_path, "bob", origin)
    shared = {"MEMEM_CHROMA_URL": server.url, "MEMEM_TEAM_SYNC": "0"}
    with ready_daemon(ada.vault, {**shared, "MEMEM_CHROMA_ROLE": "writer"}):
        assert server_count(server, minilm) == 20
    with ready_daemon(bob.vault, {**shared, "MEMEM_CHROMA_ROLE": "reader"}) as daemon:
        status = daemon.call("GET", "/v1/status")
        assert status["shared_index"]["role"] == "reader" and status["shared_index"]["reachable"] is True
        query = {"query": "Service 9 is deployed by pipeline stage number 9", "project": "api", "mode": "vector"}
        hits = daemon.call("POST", "/v1/search", query)["results"]
        assert hits[0]["id"] == "team-0009" and hits[0]["team"] == "acme"
        assert status["stale_vectors"] == 0 and status["vectors"] == 21  # bob's own note here, the team's there
        assert status["daemon"]["last_report"]["embedded"] == 21

        server.kill()
        hits = daemon.call("POST", "/v1/search", {**query, "mode": "hybrid"})["results"]
        assert "team-0009" in [h["id"] for h in hits]  # full text still finds it
        status = daemon.call("GET", "/v1/status")
        assert status["shared_index"]["reachable"] is False
        assert any("unreachable" in p["what"] for p in status["problems"])


def test_two_writers_indexing_the_same_commit_at_once_double_nothing(
    tmp_path: Path, server: Server, minilm: MiniLMEmbedder
) -> None:
    import threading

    origin = team_origin(tmp_path, 300)
    stores = [
        open_store(vault_with_team(tmp_path, name, origin), minilm, SharedConfig(server.url, None, "writer"))
        for name in ("ada", "bob")
    ]
    errors: list[BaseException] = []

    def index(store: IndexStore) -> None:
        try:
            store.reconcile()
        except BaseException as exc:  # reported below, from the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=index, args=(store,)) for store, _ in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert server_count(server, minilm) == 300  # upserts by note id: never a second copy
    for store, _ in stores:
        assert health(store).stale_vectors == 0
        assert vector_ids(store, "Service 250 is deployed by pipeline stage number 250")[0] == "team-0250"
        store.close()
