"""Shared fixtures. Every test runs with its own HOME and MEMEM_DIR, so nothing touches the real ones.

Real parts throughout: real SQLite and chromadb in tmp_path, the real MiniLM model (built once per
session from the offline weights), real files and real watchdog events.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memem.config import Paths
from memem.index.embeddings import EmbedderChoice
from memem.index.embeddings.minilm import MiniLMEmbedder
from memem.index.embeddings.model_files import find_model
from memem.index.store import IndexStore
from memem.vault import frontmatter

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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


class CountingEmbedder:
    """The real model, counting the texts it embeds (to prove what is and is not re-embedded)."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.description = inner.description
        self.texts: list[str] = []

    def embed(self, texts: Any) -> Any:
        self.texts.extend(texts)
        return self.inner.embed(texts)


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


def note_text(body: str = "", **props: Any) -> str:
    """A note's text: properties in the given order, then the body."""
    return f"---\n{frontmatter.dump(props)}---\n\n{textwrap.dedent(body).strip()}\n"


def write_note(vault: Path, name: str, body: str = "", folder: str = "memem/memories", **props: Any) -> Path:
    path = vault / folder / (name if name.endswith(".md") else f"{name}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    props.setdefault("id", name.removesuffix(".md").lower().replace(" ", "-"))
    path.write_text(note_text(body, **props), encoding="utf-8")
    return path
