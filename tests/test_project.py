"""Which project a folder belongs to, on real git repositories (worktrees, bare clones, submodules)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from memem.project import OVERRIDE_FILE, project_of


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main",
         "-c", "protocol.file.allow=always", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "src" / "deep").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "README.md").write_text("shop\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    return root


def test_every_folder_of_a_repository_is_one_project(repo: Path) -> None:
    assert project_of(repo) == "shop"
    assert project_of(repo / "src" / "deep") == "shop"


def test_a_worktree_belongs_to_its_main_checkout(repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "elsewhere" / "shop-feature-x"
    git(repo, "worktree", "add", "-q", "-b", "feature-x", str(worktree))
    assert project_of(worktree) == "shop"
    (worktree / "pkg").mkdir()
    assert project_of(worktree / "pkg") == "shop"


def test_a_relative_gitdir_worktree_too(repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt-rel"
    git(repo, "worktree", "add", "-q", "-b", "rel", str(worktree))
    dotgit = worktree / ".git"
    absolute = Path(dotgit.read_text().split(":", 1)[1].strip())
    relative = Path("..") / absolute.relative_to(tmp_path)
    dotgit.write_text(f"gitdir: {relative}\n")  # what `git worktree add --relative-paths` writes
    assert project_of(worktree) == "shop"


def test_worktrees_of_a_bare_repository_are_named_after_it(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "store.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    worktree = tmp_path / "store-main"
    git(bare, "worktree", "add", "-q", str(worktree), "main")
    assert project_of(worktree) == "store"


def test_a_submodule_is_a_project_of_its_own(repo: Path, tmp_path: Path) -> None:
    lib = tmp_path / "paylib"
    lib.mkdir()
    git(lib, "init", "-q")
    (lib / "x.py").write_text("x = 1\n")
    git(lib, "add", ".")
    git(lib, "commit", "-qm", "lib")
    git(repo, "submodule", "add", "-q", str(lib), "vendor/paylib")
    assert (repo / "vendor" / "paylib" / ".git").is_file()
    assert project_of(repo / "vendor" / "paylib") == "paylib"


def test_the_marker_file_names_the_project_in_a_worktree_too(repo: Path, tmp_path: Path) -> None:
    (repo / OVERRIDE_FILE).write_text("webshop\n")
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "wt", str(worktree))  # the marker is not committed
    assert project_of(repo) == "webshop"
    assert project_of(worktree) == "webshop"
    (worktree / OVERRIDE_FILE).write_text("webshop-next\n")
    assert project_of(worktree) == "webshop-next"


def test_a_broken_dot_git_file_falls_back_to_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / ".git").write_text("")
    assert project_of(folder) == "odd"
    (folder / ".git").write_text("gitdir: /nowhere/at/all\n")
    assert project_of(folder) == "odd"


@pytest.mark.parametrize("what", ["fifo", "device", "folder"])
def test_a_commondir_or_marker_that_is_no_file_is_not_read(tmp_path: Path, what: str) -> None:
    """A FIFO at a worktree's `commondir` hung every prompt's hook there (and a daemon thread per
    prompt); `/dev/zero` read without end. Neither is read; the folder is its own project."""
    import os

    folder = tmp_path / "proj"
    (folder / ".gd").mkdir(parents=True)
    (folder / ".git").write_text("gitdir: .gd\n")
    for name in (folder / ".gd" / "commondir", folder / OVERRIDE_FILE):
        if what == "fifo":
            os.mkfifo(name)
        elif what == "device":
            name.symlink_to("/dev/zero")
        else:
            name.mkdir()
    assert project_of(folder) == "proj"


def test_a_folder_name_the_file_system_refuses_is_no_error(tmp_path: Path) -> None:
    """A `cwd` with a name over 255 bytes answered the hook with a 500 (OSError from `exists`)."""
    assert project_of(tmp_path / ("p" * 300)) == "p" * 100
