"""Shared fixtures. Every test runs with its own HOME and MEMEM_DIR, so nothing touches the real ones.

Real parts throughout: real SQLite and chromadb in tmp_path, the real MiniLM model (built once per
session from the offline weights), real files and real watchdog events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice
from memem.index.embeddings.minilm import MiniLMEmbedder
from memem.index.embeddings.model_files import find_model
from memem.index.store import IndexStore
from memem.memory.service import MemoryService
from memem.mining.state import MiningState
from memem.testing import CountingEmbedder


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the ONNX graph built from the weights is cached, shared by the whole session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Path:
    home = tmp_path / "memem-home"
    home.mkdir()
    (home / "models").symlink_to(model_cache, target_is_directory=True)
    user_home = tmp_path / "user-home"
    user_home.mkdir()
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.setenv("MEMEM_DIR", str(home))
    for var in ("MEMEM_VAULT", "MEMEM_MODEL_DIR", "ANTHROPIC_API_KEY", "CLAUDE_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)
    # The float model, explicitly, in daemons and hooks too: a test's near-tie must rank the same
    # whatever the developer's shell sets.
    monkeypatch.setenv("MEMEM_EMBEDDER", "minilm")
    return home


@pytest.fixture(scope="session")
def minilm(model_cache: Path) -> MiniLMEmbedder:
    files, misses = find_model()
    assert files is not None, f"the MiniLM model must be installed for the tests: {misses}"
    return MiniLMEmbedder(files, model_cache)


@pytest.fixture
def fresh_vault(tmp_path: Path) -> Path:
    vault = tmp_path / "vault"
    (vault / "memem" / "memories").mkdir(parents=True)
    return vault


@pytest.fixture
def paths(fresh_vault: Path) -> Paths:
    return Paths.resolve(fresh_vault)


@pytest.fixture
def embedder(minilm: MiniLMEmbedder) -> CountingEmbedder:
    return CountingEmbedder(minilm)


@pytest.fixture
def store(paths: Paths, embedder: CountingEmbedder) -> Iterator[IndexStore]:
    s = IndexStore(paths, EmbedderChoice(embedder))  # type: ignore[arg-type]
    yield s
    s.close()


@pytest.fixture
def service(store: IndexStore) -> MemoryService:
    """The memory operations over a reconciled store of the fresh vault."""
    store.reconcile()
    return MemoryService(store)


@pytest.fixture
def state(isolated_env: Path) -> MiningState:
    """The miner's offsets and locks, in this test's own MEMEM_DIR."""
    return MiningState(isolated_env)
