"""Team vaults are real git repositories here: a bare "origin" in tmp_path, clones of it in vaults.

git runs with a configuration of the test's own (no system or global settings of the machine), so a
developer's aliases, hooks or signing settings cannot change what a test sees.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from memem.teams.membership import init_repo
from memem.testing import note_text


@pytest.fixture(autouse=True)
def git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Ada Tester\n\temail = ada@example.org\n[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return config


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout


def commit_file(clone: Path, rel: str, text: str, message: str = "a note") -> None:
    path = clone / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(clone, "add", "--", rel)
    git(clone, "commit", "--quiet", "-m", message)


RELEASE = note_text(
    "Run scripts/release.sh to deploy; never push release tags by hand.",
    id="team-release", title="Deploys go through the release script", kind="convention",
    related=["[[Staging first]]"],
)  # fmt: skip


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A team repository `acme` serving the project `api`, with one note, as a bare remote."""
    seed = init_repo(tmp_path / "seed", "acme", ["api"])
    commit_file(seed, "memories/Deploys go through the release script.md", RELEASE)
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(seed), str(bare)], check=True)
    return bare


@pytest.fixture
def maintainer(tmp_path: Path, origin: Path) -> Path:
    """A plain clone of the team repository, with memem's merge driver, as a team maintainer has one."""
    from memem.teams.membership import configure_merge_driver

    clone = tmp_path / "maintainer"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(clone)], check=True)
    configure_merge_driver(clone)
    return clone
